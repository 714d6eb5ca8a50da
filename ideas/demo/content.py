"""The demo's content: departments, groups, idea texts, comments and rationales."""

DEPARTMENTS = [
    ("Canada Revenue Agency", "Agence du revenu du Canada", "加拿大稅務局", "federal"),
    ("Public Safety Canada", "Sécurité publique Canada", "加拿大公共安全部", "federal"),
    ("Treasury Board of Canada Secretariat", "Secrétariat du Conseil du Trésor du Canada", "加拿大財政委員會秘書處", "federal"),
    ("Privy Council Office", "Bureau du Conseil privé", "樞密院辦公室", "federal"),
    ("Employment and Social Development Canada", "Emploi et Développement social Canada", "加拿大就業及社會發展部", "federal"),
    ("Health Canada", "Santé Canada", "加拿大衛生部", "federal"),
    ("Statistics Canada", "Statistique Canada", "加拿大統計局", "federal"),
    ("Shared Services Canada", "Services partagés Canada", "加拿大共享服務局", "federal"),
    ("Canadian Digital Service", "Service numérique canadien", "加拿大數位服務處", "federal"),
    ("Environment and Climate Change Canada", "Environnement et Changement climatique Canada", "加拿大環境與氣候變遷部", "federal"),
    ("Immigration, Refugees and Citizenship Canada", "Immigration, Réfugiés et Citoyenneté Canada", "加拿大移民、難民及公民部", "federal"),
    ("Ontario Ministry of Health", "Ministère de la Santé de l'Ontario", "安大略省衛生廳", "provincial"),
    ("Ontario Public Service Renewal", "Renouveau de la fonction publique de l'Ontario", "安大略省公共服務革新處", "provincial"),
    ("Québec Ministère de la Cybersécurité et du Numérique", "Ministère de la Cybersécurité et du Numérique du Québec", "魁北克省資安與數位部", "provincial"),
    ("British Columbia Ministry of Citizens' Services", "Ministère des Services aux citoyens de la Colombie-Britannique", "卑詩省公民服務廳", "provincial"),
    ("Alberta Treasury Board and Finance", "Conseil du Trésor et Finances de l'Alberta", "亞伯達省財政廳", "provincial"),
    ("City of Ottawa", "Ville d'Ottawa", "渥太華市政府", "municipal"),
    ("City of Toronto", "Ville de Toronto", "多倫多市政府", "municipal"),
    ("Ville de Montréal", "Ville de Montréal", "蒙特婁市政府", "municipal"),
    ("City of Vancouver", "Ville de Vancouver", "溫哥華市政府", "municipal"),
]  # fmt: skip

GROUPS = [
    ("Open Data Champions", "Make government data open by default, and useful.", None),
    ("GCTools and Collaboration", "Better tools for working across departments.", None),
    ("Official Languages at Work", "Working in the official language of your choice.", None),
    ("Mental Health in the Workplace", "Healthy, respectful, supportive workplaces.", None),
    ("Cutting Red Tape", "Remove rules and steps that add no value.", None),
    ("數位轉型", "公務流程的數位化與資料共享。", None),
    (
        "Jeunes fonctionnaires",
        "Un réseau pour la nouvelle génération de la fonction publique.",
        None,
    ),
    ("CRA Innovation Network", "Ideas from employees of the Canada Revenue Agency.", 0),
    ("Public Safety Ideas", "Ideas from employees of Public Safety Canada.", 1),
    ("TBS Policy Lab", "Experiments in policy design at the Treasury Board Secretariat.", 2),
]

IDEA_SEEDS = [
    (
        "Let teams book any federal coworking space",
        "Any public servant should be able to book a desk in any federal building near them, with one sign-in.\n\n- fewer commutes\n- more cross-department contact",
    ),
    (
        "Publish every internal dataset in a searchable catalogue",
        "Many teams collect the same data twice because they cannot find what exists. A **catalogue** with owners and update dates would fix that.",
    ),
    (
        "One sign-in for all internal tools",
        "We use a dozen tools with different passwords. Single sign-on would save time and reduce help-desk calls.",
    ),
    (
        "Replace paper leave forms with a two-click request",
        "Leave requests still go through a printed form and three signatures in some branches.",
    ),
    (
        "Mentoring circles across departments",
        "Small groups of 6 from different departments meeting monthly, matched by interest.",
    ),
    (
        "Plain-language review for public letters",
        "Every letter sent to the public should pass a plain-language check before it goes out.",
    ),
    (
        "Open a sandbox for trying new software safely",
        "Teams wait months to try a tool. A sandbox with no production data would let them evaluate in days.",
    ),
    (
        "Bilingual templates for every common document",
        "Ready-made templates in English and French save translation time and improve consistency.",
    ),
    (
        "Recognise ideas that were implemented",
        "When an idea is implemented, credit its author and the team publicly.",
    ),
    (
        "Flexible hours by default",
        "Core hours 10 to 3 and the rest flexible, unless a service needs otherwise.",
    ),
    (
        "Share job-posting pools between departments",
        "Qualified candidates in one pool should be visible to all departments hiring for the same level.",
    ),
    (
        "Digital signatures for approvals",
        "Accept digital signatures for all internal approvals to end print-sign-scan cycles.",
    ),
    (
        "Quiet rooms in every office",
        "A space for focused work or a break improves wellbeing and productivity.",
    ),
    (
        "Monthly 'ask me anything' with deputy heads",
        "An open session where any employee can ask questions directly.",
    ),
    (
        "Reduce the number of approval layers for small purchases",
        "Purchases under $5,000 need five approvals in some branches; two would do.",
    ),
    (
        "Accessible-by-default meeting invitations",
        "Every invitation should state captioning, interpretation and how to ask for accommodations.",
    ),
    (
        "Try a four-day compressed week pilot",
        "Pilot a compressed schedule in volunteer teams and measure service levels.",
    ),
    (
        "Shared calendar of consultations",
        "One list of every open consultation so staff know where their input is wanted.",
    ),
    ("跨部會共用會議室預約系統", "各部會的會議室可以互相預約，減少閒置空間。"),
    (
        "Formulaires en ligne pour les remboursements",
        "Remplacer les formulaires papier de remboursement de frais par un service en ligne simple.",
    ),
]

COMMENTS = [
    "Great idea. Our team ran into exactly this problem last quarter.",
    "How would this work for employees in regional offices?",
    "We tried something similar in our branch; happy to share what we learned.",
    "I like this, but the privacy implications need a closer look.",
    "+1. This would save our unit hours every week.",
    "Could this start as a small pilot in one department?",
    "Il faudrait aussi penser aux employés qui travaillent en français.",
    "這個想法很好，建議先在一個部會試辦。",
    "What would it cost, roughly?",
    "Please involve the union early on this one.",
]
