"""The search index kept current by commits: languages, filters, sorts, highlights, removal."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from ideas.accounts.models import Role, User
from ideas.board.models import Theme
from ideas.board.services import cast_vote, post_comment, post_idea
from ideas.extensions import db
from ideas.moderation.services import hide_content, unhide_content
from ideas.search.index import SearchFilters, query, similar
from ideas.search.index import check as search_check
from ideas.timeutil import utcnow
from ideas.workflow.merges import merge_ideas
from ideas.workflow.responses import post_official_response
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage

pytestmark = pytest.mark.usefixtures("ctx")

REASON = "Breaks the rules of respectful discussion here."
RATIONALE = "Same proposal as the older idea, posted again by another team."


def titles(text, **kwargs) -> list[str]:
    return [result.idea.title for result in query(text, **kwargs).results]


def post(author, title, body="A description.", language="en", theme="innovation", group=None):
    theme_row = db.session.scalar(select(Theme).where(Theme.code == theme))
    idea = post_idea(db.session.get(User, author.id), title, body, theme_row, group, language)
    db.session.commit()
    return idea


@pytest.fixture
def author(make_user):
    return make_user(display_name="Hélène Côté")


def test_a_posted_idea_is_found_once_committed(author):
    post(author, "Shared coworking spaces for every department")
    assert titles("coworking") == ["Shared coworking spaces for every department"]


def test_an_idea_changed_inside_a_savepoint_is_indexed_at_the_real_commit(author, make_user):
    # cast_vote releases a SAVEPOINT, which SQLAlchemy reports as a commit: nothing is
    # committed then, so the ideas noted so far must wait for the transaction's commit.
    theme = db.session.scalar(select(Theme).where(Theme.code == "innovation"))
    idea = post_idea(db.session.get(User, author.id), "Savepoint survivor", "Text.", theme)
    cast_vote(make_user(), idea, 1)
    db.session.commit()
    assert titles("savepoint survivor") == ["Savepoint survivor"]
    assert search_check().ok


def test_english_inflections_find_each_other(author):
    post(author, "Governments should share their policies")
    assert titles("government policy") == ["Governments should share their policies"]


def test_french_inflections_and_accents_find_each_other(author):
    post(author, "Des équipes fédérales plus agiles", language="fr")
    for typed in ("équipe", "equipes", "EQUIPE", "fédérale agile"):
        assert titles(typed) == ["Des équipes fédérales plus agiles"], typed


def test_chinese_words_are_found_by_their_bigrams_in_order(author):
    post(author, "改善公務員的退休制度", "公務員退休制度需要改革。", language="zh_Hant_TW")
    post(author, "公共事務員額調整", "人力配置。", language="zh_Hant_TW")
    # 公共事務員 holds 務員 but never 公務: only the first idea contains 公務員.
    assert titles("公務員") == ["改善公務員的退休制度"]
    assert titles("退休") == ["改善公務員的退休制度"]


def test_a_language_marked_idea_is_still_found_by_the_other_languages_stem(author):
    # Both stems are asked for, so an English word in a French idea is found.
    post(author, "Le budget des projects numériques", language="fr")
    assert titles("projects") == ["Le budget des projects numériques"]


def test_comments_and_official_responses_are_searchable_hidden_comments_are_not(author, make_user):
    idea = post(author, "Open the cafeteria earlier")
    member = make_user()
    post_comment(member, idea, "Breakfast for shift workers matters.")
    hidden = post_comment(member, idea, "Marmalade is overrated.")
    post_official_response(idea, make_user(role=Role.SECRETARIAT), "Facilities will pilot it.")
    db.session.commit()
    assert titles("breakfast") == ["Open the cafeteria earlier"]
    assert titles("facilities") == ["Open the cafeteria earlier"]
    hide_content(make_user(role=Role.SECRETARIAT), idea, hidden, reason=REASON)
    db.session.commit()
    assert titles("marmalade") == []


def test_hidden_ideas_leave_the_index_and_return_when_shown(author, make_user):
    idea = post(author, "Replace paper leave forms")
    moderator = make_user(role=Role.SECRETARIAT)
    hide_content(moderator, idea, reason=REASON)
    db.session.commit()
    assert titles("paper leave") == []
    unhide_content(moderator, idea, reason=REASON)
    db.session.commit()
    assert titles("paper leave") == ["Replace paper leave forms"]
    # The replaced documents are deleted ones now: they are not counted.
    for sort in ("relevance", "votes", "newest"):
        assert query("paper OR leave OR forms", sort=sort).total == 1


def test_a_merged_duplicate_leaves_the_index_and_its_votes_count_on_the_target(author, make_user):
    target = post(author, "One sign-in for internal tools")
    duplicate = post(make_user(), "Single sign-in across internal tools")
    cast_vote(make_user(), duplicate, 1)
    cast_vote(make_user(), duplicate, 1)
    db.session.commit()
    merge_ideas(duplicate, target, make_user(role=Role.SECRETARIAT), RATIONALE)
    db.session.commit()
    assert titles("internal tools") == ["One sign-in for internal tools"]
    other = post(make_user(), "Internal tools catalogue")
    cast_vote(make_user(), other, 1)
    db.session.commit()
    # The target now has the duplicate's two votes, so it leads the votes sort.
    assert titles("internal tools", sort="votes")[0] == "One sign-in for internal tools"


def test_a_new_display_name_reaches_the_authors_ideas(author):
    post(author, "Bike parking at headquarters")
    user = db.session.get(User, author.id)
    user.display_name = "Zoë Tremblay"
    db.session.commit()
    assert titles("author:tremblay") == ["Bike parking at headquarters"]
    assert titles("author:helene") == []


def test_sorts_by_relevance_votes_and_newest(author, make_user):
    in_body = post(author, "Quarterly reporting", "Publish the budget every quarter.")
    in_title = post(author, "Budget transparency portal", "A portal for citizens.")
    popular = post(author, "Budget hackathon", "Hack the budget.")
    for _ in range(2):
        cast_vote(make_user(), popular, 1)
    db.session.execute(
        update(type(in_body))
        .where(type(in_body).id == in_title.id)
        .values(created_at=utcnow() + timedelta(minutes=5))
    )
    db.session.commit()
    from ideas.search.index import index_idea

    index_idea(in_title.id)  # the date above changed without the ORM noticing
    assert titles("budget")[-1] == "Quarterly reporting"  # a title match ranks higher
    assert titles("budget", sort="votes")[0] == "Budget hackathon"
    assert titles("budget", sort="newest")[0] == "Budget transparency portal"


def test_filters_by_theme_group_department_stage_and_date(author, make_user, make_group):
    group = make_group(creator=author)
    first = post(author, "Shared drive cleanup", group=group)
    second = post(author, "Shared calendar etiquette", theme="fundamentals")
    move_stage(second, Stage.UNDER_REVIEW, make_user(role=Role.SECRETARIAT), RATIONALE)
    db.session.commit()
    theme = db.session.scalar(select(Theme.id).where(Theme.code == "fundamentals"))
    assert titles("shared", filters=SearchFilters(theme_id=theme)) == [second.title]
    assert titles("shared", filters=SearchFilters(group_id=group.id)) == [first.title]
    assert titles("shared", filters=SearchFilters(stage=Stage.UNDER_REVIEW)) == [second.title]
    today = utcnow().date()
    assert len(titles("shared", filters=SearchFilters(date_from=today, date_to=today))) == 2
    tomorrow = today + timedelta(days=1)
    assert titles("shared", filters=SearchFilters(date_from=tomorrow)) == []
    assert titles("shared", filters=SearchFilters(date_to=date(2020, 1, 1))) == []


def test_filters_that_allow_no_idea_find_nothing_in_every_sort(author):
    post(author, "Shared drive cleanup")
    tomorrow = utcnow().date() + timedelta(days=1)
    for sort in ("relevance", "votes", "newest"):
        page = query("shared", filters=SearchFilters(date_from=tomorrow), sort=sort)
        assert (page.total, page.results) == (0, [])
        assert query("shared", sort=sort).total == 1


def test_filter_by_department(make_user, make_department):
    department = make_department()
    post(make_user(department=department), "Shared vehicles pool")
    post(make_user(), "Shared vehicles booking")
    found = titles("vehicles", filters=SearchFilters(department_id=department.id))
    assert found == ["Shared vehicles pool"]


def test_snippets_mark_matches_and_escape_everything_else(author):
    post(author, "<script>alert(1)</script> budget", "Tom & Jerry <b>budget</b> plans")
    result = query("budget").results[0]
    assert "<script>" not in result.title and "&lt;script&gt;" in result.title
    assert "<mark>budget</mark>" in result.title
    assert "<mark>budget</mark>" in result.snippet
    assert "&amp;" in result.snippet and "<b>" not in result.snippet


def test_overlapping_han_bigrams_are_marked_as_one_span(author):
    post(author, "改善公務員的退休制度", language="zh_Hant_TW")
    assert "<mark>公務員</mark>" in query("公務員").results[0].title


def test_did_you_mean_suggests_a_known_title_word(author):
    post(author, "Telework agreements for everyone")
    page = query("telewrok")
    assert page.total == 0 and page.suggestion == "telework"
    assert query("telework").suggestion is None


def test_pages_of_results(author):
    for n in range(7):
        post(author, f"Recycling station number {n}")
    first = query("recycling", per_page=5)
    second = query("recycling", page=2, per_page=5)
    assert (first.total, first.pages, first.has_next, second.has_prev) == (7, 2, True, True)
    assert len(first.results) == 5 and len(second.results) == 2
    assert {r.idea.id for r in first.results}.isdisjoint(r.idea.id for r in second.results)


@pytest.mark.parametrize(
    ("typed", "found", "notice"),
    [
        ("", None, None),
        ("   ", None, None),
        ("AND", None, None),
        ("OR NOT", None, None),
        ("the of", None, None),
        ("*", None, "wildcard"),
        ("*:*", None, None),
        ("a*", None, "wildcard"),
        ("?", None, "wildcard"),
        ("NOT budget", None, None),
        ("(NOT budget) OR tax", None, None),
        ("digest:abc", None, None),
        ("[a TO z]", None, None),
        ('"budget forecasts', 1, "quotation"),
        ("(budget", 1, "Parentheses"),
        ("budget\x00\x07\u200b", 1, "not text"),
        ("budget " + "x" * 600, 1, "500"),
        ("budg*", 1, None),
        ("budget~2", 1, None),
        ("budget^99999999", 1, None),
        ("title:", 0, None),
        ("))((", None, "Parentheses"),
        ("title:budget AND", 1, None),
        (" ".join(f"word{n}" for n in range(41)), None, None),
    ],
)
def test_bad_input_gives_a_message_or_a_sanitised_query(author, typed, found, notice):
    """None found means the page explains why the search could not run."""
    post(author, "Budget forecasts in plain language")
    page = query(typed)
    if found is None:
        assert page.problem and page.total == 0 and page.results == []
    else:
        assert page.problem is None and page.total == found
    if notice:
        assert any(notice in str(n) for n in page.notices), page.notices


def test_similar_ideas_need_two_shared_words_and_skip_the_idea_itself(author):
    own = post(author, "Publish open data about procurement contracts")
    post(author, "Open data catalogue for procurement")
    post(author, "Open the office earlier")
    found = [idea.title for idea in similar("Open data about procurement", exclude_id=own.id)]
    assert found == ["Open data catalogue for procurement"]
    assert similar("", "") == []


def test_similar_ideas_leave_out_hidden_ideas(author, make_user):
    idea = post(author, "Electric vehicle chargers in parking lots")
    assert [i.id for i in similar("Electric vehicle chargers")] == [idea.id]
    hide_content(make_user(role=Role.SECRETARIAT), idea, reason=REASON)
    db.session.commit()
    assert similar("Electric vehicle chargers") == []


def test_a_full_width_colon_names_a_field_like_a_colon(author):
    post(author, "預算透明化的建議", "公開預算資料。", language="zh_Hant_TW")
    post(author, "資料開放的建議", "預算編列的說明。", language="zh_Hant_TW")
    # Only the first idea has 預算 in its title; the second has it in its description.
    assert titles("標題：預算") == ["預算透明化的建議"]
    assert titles("title：預算") == ["預算透明化的建議"]
    assert sorted(titles("預算")) == ["資料開放的建議", "預算透明化的建議"]
