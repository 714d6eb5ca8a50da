"""Realistic-looking idea text in English, French and Traditional Chinese for the benchmark.

The vocabulary is a list of public-service words per language, then every word of the
application's own message catalogs (English message ids, their French and Chinese
translations): about 700 to 1,200 words per language. Words are drawn with a Zipf-like
skew, weight 1/(rank + 10), so a few words are in most ideas and the long tail in few, and
searches for common and for rare words both get measured.
"""

import random
import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parent.parent / "ideas" / "translations"


def _words(text: str) -> list[str]:
    """A whitespace-separated word list."""
    return text.split()


EN = _words(
    """
service data team budget policy training process digital government employee public
office tool form report program system project meeting approval request portal access
staff manager department network document workflow procurement contract security privacy
cloud platform application citizen client feedback survey pilot measure result cost
saving time paper signature email calendar schedule travel telework remote hybrid
workplace wellness mental health inclusion diversity accessibility language bilingual
french english translation mentoring coaching learning career hiring onboarding
retention recognition innovation experiment prototype design research evidence open
transparency catalogue dataset analytics dashboard metric indicator performance quality
risk audit compliance regulation rule guideline standard template archive record
information knowledge sharing collaboration partnership community engagement
consultation communication newsletter website intranet search directory profile license
software hardware laptop phone printer desk building space energy climate emissions
recycling waste transport parking bicycle housing grant benefit payment invoice tax
revenue fraud identity verification login password authentication automation chatbot
artificial intelligence machine model algorithm code developer agile sprint backlog
priority roadmap strategy vision mission value ethics trust
"""
)

FR = _words(
    """
service données équipe budget politique formation processus numérique gouvernement
employé public bureau outil formulaire rapport programme système projet réunion
approbation demande portail accès personnel gestionnaire ministère réseau document
approvisionnement contrat sécurité confidentialité nuage plateforme application citoyen
client rétroaction sondage projet-pilote mesure résultat coût économie temps papier
signature courriel calendrier horaire déplacement télétravail hybride milieu mieux-être
santé mentale inclusion diversité accessibilité langue bilingue traduction mentorat
apprentissage carrière embauche intégration reconnaissance innovation expérience
prototype conception recherche données probantes ouverture transparence catalogue
analyse tableau indicateur rendement qualité risque vérification conformité règlement
règle directive norme modèle archives dossier information connaissance partage
collaboration partenariat communauté consultation communication bulletin site intranet
recherche répertoire profil licence logiciel ordinateur téléphone imprimante immeuble
énergie climat émissions recyclage déchets transport stationnement vélo logement
subvention prestation paiement facture impôt revenu fraude identité connexion
automatisation intelligence artificielle algorithme développeur priorité stratégie
vision valeurs éthique confiance équipes fédérales employés gouvernements
"""
)

ZH = _words(
    """
公務員 數位轉型 資料 開放資料 預算 政策 訓練 流程 政府 員工 公共
辦公室 工具 表單 報告 計畫 系統 專案 會議 核准 申請 入口網站 權限
人員 主管 部門 網路 文件 採購 契約 資安 隱私 雲端 平台 應用程式 民眾
回饋 問卷 試辦 成果 成本 節省 時間 紙本 簽核 電子郵件 行事曆 差旅
遠距辦公 職場 身心健康 多元 無障礙 語言 雙語 翻譯 導師 學習 職涯 招募
留任 獎勵 創新 實驗 原型 設計 研究 證據 透明 目錄 分析 儀表板 指標
績效 品質 風險 稽核 法規 規則 標準 檔案 知識 分享 協作 夥伴 社群
參與 諮詢 溝通 網站 搜尋 軟體 電腦 手機 印表機 大樓 能源 氣候 減碳
回收 交通 停車 自行車 住宅 補助 給付 繳費 稅務 詐騙 身分 驗證 登入
密碼 自動化 人工智慧 演算法 優先 策略 願景 價值 倫理 信任 退休 制度
改革 人才 便民 服務 效率
"""
)

EN_GLUE = _words(
    """
the a of to and for in with on by our we all more every each our
"""
)
FR_GLUE = _words(
    """
le la les de des du et pour dans avec sur par nos tous plus chaque notre
"""
)
ZH_GLUE = _words(
    """
的 與 和 在 讓 提升 改善 推動 建立 簡化 整合 強化
"""
)
VERBS = {
    "en": _words("improve simplify share replace publish automate measure reduce open train"),
    "fr": _words("améliorer simplifier partager remplacer publier automatiser mesurer réduire"),
    "zh_Hant_TW": _words("改善 簡化 分享 取代 公開 自動化 衡量 減少 開放 培訓"),
}
FIRST = _words(
    """
Anne Marc Li Wei Sophie Jean Mei Ling David Émilie Olivier Priya Ahmed Chen
"""
)
LAST = _words(
    """
Tremblay Gagnon Roy Smith Wang Lin Chen Côté Martin Singh Nguyen Bouchard
"""
)


def _catalog_words(locale: str | None) -> list[str]:
    """Words of the message catalogs: ids (English) or translations of one locale."""
    with open(CATALOGS / (locale or "fr") / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    words: dict[str, None] = {}
    for message in catalog:
        texts = message.id if locale is None else message.string
        for text in texts if isinstance(texts, tuple) else (texts,):
            if locale == "zh_Hant_TW":
                for run in re.findall(r"[\u4e00-\u9fff]+", text or ""):
                    words.update(dict.fromkeys(run[i : i + 2] for i in range(0, len(run) - 1, 2)))
            else:
                words.update(
                    dict.fromkeys(w.lower() for w in re.findall(r"[^\W\d_]{3,}", text or ""))
                )
    return list(words)


def vocabulary(rng: random.Random) -> dict[str, list[str]]:
    """Domain words first (the frequent head), then catalog words in a shuffled order."""
    result = {}
    for language, head, locale in (
        ("en", EN, None),
        ("fr", FR, "fr"),
        ("zh_Hant_TW", ZH, "zh_Hant_TW"),
    ):
        tail = [w for w in _catalog_words(locale) if w not in set(head)]
        rng.shuffle(tail)
        result[language] = head + tail
    return result


class Corpus:
    """Random titles, bodies and comments with realistic word frequencies."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary(rng)
        self.glue = {"en": EN_GLUE, "fr": FR_GLUE, "zh_Hant_TW": ZH_GLUE}
        self.weights = {
            lang: [1 / (rank + 10) for rank in range(len(words))]
            for lang, words in self.words.items()
        }

    def _words(self, language: str, count: int) -> list[str]:
        content = self.rng.choices(self.words[language], self.weights[language], k=count)
        glue = self.glue[language]
        out = []
        for word in content:
            if self.rng.random() < 0.4:
                out.append(self.rng.choice(glue))
            out.append(word)
        return out

    def _join(self, language: str, words: list[str]) -> str:
        return ("" if language == "zh_Hant_TW" else " ").join(words)

    def idea(self, language: str) -> tuple[str, str]:
        """A title of 4 to 10 words and a body of 2 to 5 sentences."""
        verb = self.rng.choice(VERBS[language])
        title = self._join(language, [verb, *self._words(language, self.rng.randint(3, 8))])
        if language != "zh_Hant_TW":
            title = title[:1].upper() + title[1:]
        sentences = [
            self._join(language, self._words(language, self.rng.randint(8, 22)))
            for _ in range(self.rng.randint(2, 5))
        ]
        end = "。" if language == "zh_Hant_TW" else ". "
        return title, end.join(sentences) + end.strip()

    def comment(self, language: str) -> str:
        """One or two sentences."""
        words = self._words(language, self.rng.randint(6, 25))
        return self._join(language, words) + ("。" if language == "zh_Hant_TW" else ".")

    def person(self) -> str:
        """A display name."""
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
