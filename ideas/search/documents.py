"""What the index holds for each idea: its fields, and documents built from the database."""

import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema

from ideas.board.models import Comment, Idea
from ideas.search.analysis import mark_language, names_analyzer, text_analyzer
from ideas.workflow.models import OfficialResponse
from ideas.workflow.stages import Stage

# Fields a member may name in a query (`title:budget`); the rest are for filters and sorts.
TEXT_FIELDS = ("title", "text", "author", "tags")
# Searches without a field name look in `text`, which holds the whole idea.
DEFAULT_FIELD = "text"
# The title is written this many times into `text`: its words weigh more there (BM25
# saturates, so a title word counts about twice a description word, not three times).
TITLE_WEIGHT = 3
BATCH = 500
# Beyond this, text adds little to finding an idea but a lot to indexing it.
TEXT_LIMIT = 100_000
# Inline tags vanish (**Mark**down stays one word); block tags separate words.
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|code|del|em|i|s|span|strong)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def make_schema() -> Schema:
    """The fields of an idea and how their words are analysed, for parsing searches.

    Whoosh's query parser reads it; `engine.index_schema` is what Tantivy stores, field
    for field the same.
    """
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text_analyzer()),
        # The whole idea: the title (TITLE_WEIGHT times), the description, the visible
        # comments and official responses, the author and the tags. One field, so a search
        # word is one posting list rather than a union over the idea's parts, which is what
        # keeps searches fast at 100,000 ideas.
        text=TEXT(analyzer=text_analyzer()),
        author=TEXT(analyzer=names_analyzer()),
        # Theme, group and department names in every language, and the stage's labels.
        tags=TEXT(analyzer=names_analyzer()),
        theme=ID,
        group=ID,
        department=ID,
        stage=ID,
        language=ID,
        created=DATETIME(sortable=True),
        votes=NUMERIC(int, bits=32, signed=True, sortable=True),
        # A hash of everything above, so `flask search check` can spot stale documents.
        digest=STORED,
    )


def plain_text(body_html: str | None) -> str:
    """Visible text of stored, sanitised HTML: tags become spaces, entities characters."""
    if not body_html:
        return ""
    text = _TAG.sub(" ", _INLINE_TAG.sub("", body_html))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def is_indexable(idea: Idea) -> bool:
    """Hidden ideas and merged duplicates stay out of the index."""
    return not idea.hidden and idea.stage is not Stage.MERGED


@cache
def stage_labels(stage: Stage) -> str:
    """A stage's code and its label in every language (the catalogs never change at runtime)."""
    names = {stage.value}
    for locale in ("en", "fr", "zh_Hant_TW"):
        with force_locale(locale):
            names.add(str(stage.label))
    return " ".join(sorted(names))


def _names(row) -> list[str]:
    if row is None:
        return []
    return [name for name in (row.name_en, row.name_fr, row.name_zh) if name]


def build_document(idea: Idea, discussion: list[str]) -> dict:
    """The values indexed for an idea (see `engine.to_document`), with their digest."""
    tags = [*_names(idea.theme), *_names(idea.department), stage_labels(idea.stage)]
    if idea.group is not None:
        tags.append(idea.group.name)
    # The author says which language the idea is in; an idea without one gets both stems.
    language = idea.language
    author = idea.author.display_name if idea.author else ""
    parts = [*[idea.title] * TITLE_WEIGHT, plain_text(idea.body_html), *discussion, author, *tags]
    # A blank line between parts keeps phrases from spanning two (engine.PART_SEPARATOR).
    text = "\n\n".join(parts)[:TEXT_LIMIT]
    doc = {
        "id": str(idea.id),
        "title": mark_language(idea.title, language),
        "text": mark_language(text, language),
        "author": author,
        "tags": " ".join(tags),
        "theme": str(idea.theme_id),
        "group": str(idea.group_id or ""),
        "department": str(idea.department_id or ""),
        "stage": idea.stage.value,
        "language": str(language or ""),
        "created": idea.created_at,
        "votes": idea.up_count - idea.down_count,
    }
    doc["digest"] = digest(doc)
    return doc


def digest(doc: dict) -> str:
    """A short fingerprint of a document's indexed values."""
    values = {key: str(value) for key, value in doc.items() if key != "digest"}
    payload = json.dumps(values, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.blake2b(payload, digest_size=12).hexdigest()


def _discussions(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """Visible comments, then official responses, as plain text, for each idea."""
    texts: dict[int, list[str]] = {}
    comments = session.execute(
        select(Comment.idea_id, Comment.body_html)
        .where(Comment.idea_id.in_(ids), Comment.hidden.is_(False))
        .order_by(Comment.idea_id, Comment.created_at, Comment.id)
    )
    responses = session.execute(
        select(OfficialResponse.idea_id, OfficialResponse.body_html)
        .where(OfficialResponse.idea_id.in_(ids))
        .order_by(OfficialResponse.idea_id, OfficialResponse.created_at, OfficialResponse.id)
    )
    for idea_id, body_html in [*comments, *responses]:
        texts.setdefault(idea_id, []).append(plain_text(body_html))
    return texts


def load_documents(session: Session, ids: Iterable[int]) -> dict[int, dict | None]:
    """Documents for the given ideas; None for ideas that are gone, hidden or merged."""
    wanted = sorted(set(ids))
    result: dict[int, dict | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        ideas = list(session.scalars(select(Idea).where(Idea.id.in_(chunk))).unique())
        discussions = _discussions(session, [i.id for i in ideas if is_indexable(i)])
        for idea in ideas:
            if is_indexable(idea):
                result[idea.id] = build_document(idea, discussions.get(idea.id, []))
    return result


def all_documents(session: Session) -> Iterator[dict]:
    """Every indexable idea's document, in id order, a batch at a time."""
    last = 0
    while True:
        ideas = list(
            session.scalars(
                select(Idea)
                .where(Idea.id > last, Idea.hidden.is_(False), Idea.stage != Stage.MERGED)
                .order_by(Idea.id)
                .limit(BATCH)
            ).unique()
        )
        if not ideas:
            return
        discussions = _discussions(session, [idea.id for idea in ideas])
        for idea in ideas:
            yield build_document(idea, discussions.get(idea.id, []))
        last = ideas[-1].id
        # Rows already turned into documents need not stay in the session's identity map.
        session.expunge_all()
