"""The query language reaches Tantivy intact: operators, phrases, fields, wildcards, marks."""

import pytest
from sqlalchemy import select

from ideas.accounts.models import User
from ideas.board.models import Idea, Theme
from ideas.board.services import post_idea
from ideas.extensions import db
from ideas.search import index as search
from ideas.search.index import query
from ideas.search.querying import edit_distance

pytestmark = pytest.mark.usefixtures("ctx")

IDEAS = {
    "budget": ("Open data portal for the budget", "Publish budget tables every month.", "en"),
    "housing": ("Housing allowance for interns", "Interns move often; help them.", "en"),
    "both": ("Budget for intern housing", "A line in the budget for housing.", "en"),
    "paper": ("Paperless travel claims", "Claims on paper take weeks.", "en"),
    "french": ("Données ouvertes du gouvernement", "Les équipes publient les données.", "fr"),
    "phrase": ("Data that is open to all", "Data is open; the portal shows it.", "en"),
    "unknown": ("Governing open data", "Gouvernance des données ouvertes.", None),
}


@pytest.fixture
def ideas(make_user):
    """Seven ideas by two authors; returns their ids by key."""
    theme = db.session.scalar(select(Theme).where(Theme.code == "innovation"))
    helene = db.session.get(User, make_user(display_name="Hélène Côté").id)
    omar = db.session.get(User, make_user(display_name="Omar Haddad").id)
    ids = {}
    for n, (key, (title, body, language)) in enumerate(IDEAS.items()):
        author = helene if n % 2 == 0 else omar
        ids[key] = post_idea(author, title, body, theme, None, language).id
        db.session.commit()
    return ids


def found(ideas, text: str) -> set[str]:
    page = query(text, per_page=50)
    assert page.problem is None, page.problem
    keys = {idea_id: key for key, idea_id in ideas.items()}
    assert page.total == len(page.results)
    return {keys[result.idea.id] for result in page.results}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("budget", {"budget", "both"}),
        ("budget housing", {"both"}),
        ("budget AND housing", {"both"}),
        ("budget OR paperless", {"budget", "both", "paper"}),
        ("budget NOT housing", {"budget"}),
        ("budget ANDNOT housing", {"budget"}),
        ("budget REQUIRE housing", {"both"}),
        ("budget ANDMAYBE housing", {"budget", "both"}),
        ("(budget OR housing) NOT interns", {"budget"}),
        ("(budget OR claims) NOT intern", {"budget", "paper"}),
        # Not "Data that is open to all": its title is written three times into `text`,
        # but a phrase never runs from one copy ("… open to all") into the next ("Data …").
        ('"open data"', {"budget", "unknown"}),
        ('"open the data"', {"budget", "unknown"}),  # stop words leave no gap
        ('"data portal"', {"budget"}),
        ("title:budget", {"budget", "both"}),
        ("titre:housing", {"housing", "both"}),
        ("author:haddad", {"housing", "paper", "phrase"}),
        ("auteur:helene", {"budget", "both", "french", "unknown"}),
        ("hous*", {"housing", "both"}),
        ("pap?rless", {"paper"}),
        ("gouvern*", {"french", "unknown"}),
        ("données", {"french", "unknown"}),
        ("donnees", {"french", "unknown"}),
        ("budget^3 OR claims", {"budget", "both", "paper"}),
    ],
)
def test_operators_fields_phrases_and_wildcards(ideas, typed, expected):
    assert found(ideas, typed) == expected


def test_a_phrase_of_unknown_language_matches_either_stem_in_order(ideas):
    # `ouvertes` in an idea of unknown language is indexed with both stems at one position.
    assert found(ideas, '"données ouvertes"') == {"french", "unknown"}
    assert found(ideas, '"ouvertes données"') == set()


def test_a_title_word_ranks_above_the_same_word_in_the_description(ideas):
    page = query("portal")
    assert [r.idea.id for r in page.results] == [ideas["budget"], ideas["phrase"]]


def test_marks_cover_wildcard_expansions_but_not_excluded_words(ideas):
    result = query("hous* NOT paperless").results[0]
    assert "<mark>Housing</mark>" in result.title or "<mark>housing</mark>" in result.title
    budget = query("budget NOT interns").results[0]
    assert "<mark>budget</mark>" in budget.title
    # "A line in the budget for housing" has both words of the excluded phrase, apart: the
    # idea is found, and only the word looked for is marked.
    page = query('budget NOT "line housing"')
    both = next(r for r in page.results if r.idea.id == ideas["both"])
    assert "<mark>budget</mark>" in both.snippet
    assert "<mark>line</mark>" not in both.snippet
    assert "<mark>housing</mark>" not in both.snippet


def test_many_small_commits_keep_one_document_per_idea(ideas):
    idea_id = ideas["paper"]
    for n in range(12):
        db.session.get(Idea, idea_id).title = f"Paperless travel claims, version {n}"
        db.session.commit()
    page = query("paperless")
    assert page.total == 1
    assert page.results[0].idea.title == "Paperless travel claims, version 11"
    assert search.check().ok


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("telework", "telework", 0),
        ("telewrok", "telework", 1),  # two neighbours swapped
        ("budgt", "budget", 1),
        ("bugdet", "budget", 1),
        ("bdget", "budget", 1),
        ("housing", "hosing", 1),
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance_counts_swaps_as_one_edit(a, b, distance):
    assert edit_distance(a, b, 5) == distance
    assert edit_distance(a, b, 1) == (distance if distance <= 1 else 2)


def test_did_you_mean_prefers_the_nearest_then_the_commonest_title_word(ideas, make_user):
    assert query("budgte").suggestion == "budget"
    assert query("housin").suggestion == "housing"
    assert query("zzzzzz").suggestion is None
