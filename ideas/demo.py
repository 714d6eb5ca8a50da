"""`flask seed-demo`: realistic demonstration data for a fresh installation."""

import random
import unicodedata
from datetime import timedelta
from itertools import pairwise

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.accounts.services import hash_password
from ideas.board.models import Comment, Idea, Theme
from ideas.board.ranking import hot_score
from ideas.board.services import cast_vote, follow_idea, post_comment, post_idea
from ideas.extensions import db
from ideas.groups.models import GroupKind
from ideas.groups.services import create_group, is_member, join_group
from ideas.timeutil import utcnow
from ideas.web import transaction
from ideas.workflow.models import StageChange
from ideas.workflow.stages import MAIN_PATH, Stage

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_DOMAIN = "example.gc.ca"
# The fixed demo sign-ins listed in the README, one per role.
DEMO_SIGN_INS = [
    ("admin", Role.ADMIN, "Alex Administrator"),
    ("secretariat", Role.SECRETARIAT, "Sam Secretariat"),
    ("executive", Role.EXECUTIVE, "Erin Executive"),
    ("member", Role.MEMBER, "Morgan Member"),
]

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

RATIONALES = {
    Stage.UNDER_REVIEW: "The secretariat is reviewing this idea with the owning branch.",
    Stage.ASSESSED: "Assessed against relevance, support, impact, results and feasibility.",
    Stage.PILOTED: "A three-month pilot is running with two volunteer teams.",
    Stage.IMPLEMENTED: "Rolled out to all teams after a successful pilot; thank you all.",
    Stage.DECLINED: "Declined: the cost outweighs the expected benefit at this time.",
    Stage.ON_HOLD: "On hold until the related system replacement is complete.",
}


def _departments() -> list[Department]:
    departments = [
        Department(name_en=en, name_fr=fr, name_zh=zh, level=GovernmentLevel(level))
        for en, fr, zh, level in DEPARTMENTS
    ]
    db.session.add_all(departments)
    db.session.flush()
    return departments


def _users(rng: random.Random, departments: list[Department], count: int) -> list[User]:
    # One hash for every demo account: they share the printed demo password, and hashing
    # fifty times at the production cost would make `make run` slow for nothing.
    password_hash = hash_password(DEMO_PASSWORD)
    given = ["Amélie", "Ben", "Chen", "Divya", "Émile", "Fatima", "Gabriel", "Hana", "Isaac",
             "Jia-Hui", "Kwame", "Léa", "Mohammed", "Nora", "Olivier", "Priya", "Quinn",
             "Rosalie", "Siddharth", "Tamara", "Uma", "Victor", "Wen", "Xavier", "Yasmin", "Zoé"]  # fmt: skip
    family = ["Tremblay", "Singh", "Wang", "Gagnon", "Roy", "Smith", "Lin", "Côté", "Brown",
              "Nguyen", "Martin", "Chen", "Bouchard", "Wilson", "Lavoie", "Huang"]  # fmt: skip
    users = []
    for index, (local, role, name) in enumerate(DEMO_SIGN_INS):
        user = _user(f"{local}@{DEMO_DOMAIN}", name, role, departments[index], password_hash)
        users.append(user)
    roles = [Role.SECRETARIAT] * 4 + [Role.EXECUTIVE] * 3 + [Role.ADMIN] * 1
    for index in range(count - len(users)):
        first, last = rng.choice(given), rng.choice(family)
        role = roles[index] if index < len(roles) else Role.MEMBER
        email = f"{_ascii(first)}.{_ascii(last)}{index + 1}@{DEMO_DOMAIN}"
        user = _user(email, f"{first} {last}", role, rng.choice(departments), password_hash)
        # Most demo members read English, many French, some Traditional Chinese.
        user.locale = rng.choices(["en", "fr", "zh_Hant_TW"], weights=[6, 3, 1])[0]
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    return users


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _user(email: str, name: str, role: Role, department: Department, password_hash: str) -> User:
    return User(
        email=email,
        display_name=name,
        password_hash=password_hash,
        role=role,
        department=department,
        locale="en",
        created_at=utcnow() - timedelta(days=200),
    )


def _move_along(rng: random.Random, idea: Idea, staff: list[User]) -> None:
    """Walk a demo idea some way along the main path, or out by a side exit."""
    roll = rng.random()
    steps = 0 if roll < 0.45 else 1 if roll < 0.65 else 2 if roll < 0.8 else 3 if roll < 0.9 else 4
    path = list(MAIN_PATH[: steps + 1])
    if steps >= 1 and rng.random() < 0.25:
        path.append(rng.choice([Stage.DECLINED, Stage.ON_HOLD]))
    when = idea.created_at
    for previous, stage in pairwise(path):
        when += timedelta(days=rng.randint(3, 20))
        db.session.add(
            StageChange(
                idea_id=idea.id,
                from_stage=previous,
                to_stage=stage,
                actor=rng.choice(staff),
                rationale=RATIONALES[stage],
                created_at=min(when, utcnow()),
            )
        )
    idea.stage = path[-1]


def seed_demo(users_count: int = 50, ideas_count: int = 200, seed: int = 2020) -> dict[str, int]:
    """Create departments, groups, users, ideas, comments, votes and stages for a demo."""
    rng = random.Random(seed)
    themes = list(db.session.scalars(select(Theme).order_by(Theme.position)))
    departments = _departments()
    users = _users(rng, departments, users_count)
    staff = [u for u in users if u.role in (Role.SECRETARIAT, Role.ADMIN)]
    admin = users[0]
    groups = []
    for name, description, dept_index in GROUPS:
        kind = GroupKind.TOPIC if dept_index is None else GroupKind.DEPARTMENT
        creator = admin if kind is GroupKind.DEPARTMENT else rng.choice(users)
        department = departments[dept_index] if dept_index is not None else None
        groups.append(create_group(creator, name, description, kind, department))
    for user in users:
        for group in rng.sample(groups, rng.randint(0, 4)):
            join_group(user, group)
    now = utcnow()
    for index in range(ideas_count):
        title, body = IDEA_SEEDS[index % len(IDEA_SEEDS)]
        if index >= len(IDEA_SEEDS):
            title = f"{title} ({index // len(IDEA_SEEDS) + 1})"
        author = rng.choice(users)
        my_groups = [g for g in groups if is_member(author, g)]
        group = rng.choice(my_groups) if my_groups and rng.random() < 0.5 else None
        idea = post_idea(author, title, body, rng.choice(themes), group)
        # Spread creation over the six months of a campaign.
        created = now - timedelta(minutes=rng.randint(60, 180 * 24 * 60))
        idea.created_at = idea.updated_at = created
        idea.history[0].created_at = created
        idea.hot = hot_score(0, 0, created)
        db.session.flush()
        _move_along(rng, idea, staff)
        db.session.flush()
        # A long tail: a few ideas gather many votes, most gather few.
        voters = rng.sample(users, min(len(users), int(rng.paretovariate(1.2) * 3)))
        for voter in voters:
            if voter.id != author.id:
                cast_vote(voter, idea, 1 if rng.random() < 0.8 else -1)
        for _ in range(rng.randint(0, 6)):
            commenter = rng.choice(users)
            comment = post_comment(commenter, idea, rng.choice(COMMENTS))
            comment.created_at = comment.updated_at = created + timedelta(hours=rng.randint(1, 300))
            if rng.random() < 0.3:
                reply = post_comment(rng.choice(users), idea, rng.choice(COMMENTS), comment)
                reply.created_at = reply.updated_at = comment.created_at + timedelta(hours=2)
        for follower in rng.sample(users, rng.randint(0, 3)):
            follow_idea(follower, idea)
    db.session.flush()
    return {
        "users": len(users),
        "ideas": db.session.scalar(select(func.count(Idea.id))),
        "comments": db.session.scalar(select(func.count(Comment.id))),
    }


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Fill the database with realistic demonstration data."""
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("The database already has data; demo data not added.")
            _print_sign_ins()
            return
        raise click.ClickException("The database already has users; seed-demo needs an empty one.")
    with transaction():
        counts = seed_demo()
    click.echo(
        f"Demo data: {counts['users']} users, {counts['ideas']} ideas, "
        f"{counts['comments']} comments."
    )
    _print_sign_ins()


def _print_sign_ins() -> None:
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for local, role, _name in DEMO_SIGN_INS:
        click.echo(f"  {role.value:<12} {local}@{DEMO_DOMAIN}")
