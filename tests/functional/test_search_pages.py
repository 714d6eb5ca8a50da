"""The search page, the header search box, the similar-ideas JSON and the duplicate panels."""

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.board.idea_page import panel_context
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.search import index as search
from tests.conftest import theme_id
from tests.functional.html_dom import idea_titles, parse


def test_the_search_page_needs_a_signed_in_member(client):
    response = client.get("/search?q=budget")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_every_page_has_a_labelled_search_box_for_members(client, auth):
    auth.as_role()
    page = parse(client.get("/ideas").text)
    form = page.one("form", role="search")
    assert form.get("action") == "/search" and form.get("method") == "get"
    box = form.one("input", name="q")
    assert page.one("label", **{"for": box.get("id")}).text() == "Search ideas"


def test_results_are_listed_with_count_highlights_and_escaping(client, auth, make_idea):
    make_idea(title="<img src=x onerror=alert(1)> budget reform", body="Budget & `<b>tax</b>`")
    make_idea(title="Unrelated idea about bicycles")
    auth.as_role()
    response = client.get("/search?q=budget")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.one(class_="result-count").text() == "1 idea found"
    assert idea_titles(page) == ["<img src=x onerror=alert(1)> budget reform"]
    assert "<img src=x" not in response.text and "&lt;img src=x" in response.text
    title = page.one(class_="idea-title")
    assert [mark.text() for mark in title.find_all("mark")] == ["budget"]
    snippet = page.one(class_="snippet")
    assert [mark.text() for mark in snippet.find_all("mark")] == ["Budget"]
    assert snippet.find("b") is None and "<b>tax</b>" in snippet.text()


def test_filters_sorts_and_pages_come_from_the_query_string(client, auth, make_idea, app):
    for n in range(7):
        make_idea(
            title=f"Recycling bins number {n}", theme="fundamentals" if n < 6 else "innovation"
        )
    auth.as_role()
    theme = _theme(app, "fundamentals")
    first = parse(client.get(f"/search?q=recycling&theme={theme}&sort=newest").text)
    assert first.one(class_="result-count").text() == "6 ideas found"
    assert idea_titles(first)[0] == "Recycling bins number 5"  # newest first
    assert len(idea_titles(first)) == 5  # IDEAS_PER_PAGE in the tests
    next_link = first.one("a", rel="next").get("href")
    assert "page=2" in next_link and f"theme={theme}" in next_link
    second = parse(client.get(next_link).text)
    assert idea_titles(second) == ["Recycling bins number 0"]
    assert first.one("select", name="theme").value() == str(theme)
    assert first.one("select", name="sort").value() == "newest"


def test_a_misspelled_word_offers_a_did_you_mean_link(client, auth, make_idea):
    make_idea(title="Telework agreements for everyone")
    auth.as_role()
    page = parse(client.get("/search?q=telewrok+agreements").text)
    link = page.one(class_="did-you-mean").one("a")
    assert link.text() == "telework agreements"
    assert "q=telework+agreements" in link.get("href")


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "*",
        "AND",
        '"unbalanced',
        "x" * 800,
        "\x01\x1b budget\u200b",
        "NOT budget",
        "*:*",
        "budget)",
    ],
)
def test_bad_input_never_fails_the_page(client, auth, make_idea, typed):
    make_idea(title="Budget forecasts")
    auth.as_role()
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find(class_="search-problem") or page.find(class_="result-count")


def test_bad_dates_are_reported_next_to_their_field(client, auth):
    auth.as_role()
    page = parse(client.get("/search?q=x&date_from=2026-02-30&date_to=2020-01-01").text)
    assert page.one("input", name="date_from").get("aria-invalid") == "true"


def test_the_page_before_any_search_explains_the_syntax(client, auth):
    auth.as_role()
    page = parse(client.get("/search").text)
    assert page.one("h2", id="search-tips-heading")
    assert page.find(class_="result-count") is None


def _theme(app, code):
    with app.app_context():
        return theme_id(code)


def test_similar_ideas_json_needs_a_member(client):
    response = client.get("/search/similar?title=budget", headers={"Accept": "application/json"})
    assert response.status_code == 401 and "error" in response.json


def test_similar_ideas_json_lists_up_to_five_with_stage_votes_and_link(client, auth, make_idea):
    for n in range(7):
        make_idea(title=f"Electric vehicle chargers at site {n}")
    make_idea(title="Nothing in common here")
    auth.as_role()
    response = client.get("/search/similar?title=Electric+vehicle+chargers&body=")
    assert response.status_code == 200
    ideas = response.json["ideas"]
    assert len(ideas) == 5
    assert set(ideas[0]) == {"id", "title", "stage", "stage_label", "votes", "url"}
    assert ideas[0]["stage"] == "proposed" and ideas[0]["stage_label"] == "Proposed"
    assert ideas[0]["url"] == f"/ideas/{ideas[0]['id']}" and ideas[0]["votes"] == 0
    assert all("Electric vehicle" in idea["title"] for idea in ideas)
    assert client.get("/search/similar?title=ab").json == {"ideas": []}


def test_without_javascript_the_form_checks_for_similar_ideas_before_publishing(
    client, auth, make_idea, app
):
    existing = make_idea(title="Free parking for carpools")
    auth.as_role()
    data = {"title": "Carpools should park for free", "body": "Reward carpooling.",
            "theme": _theme(app, "innovation"), "group": 0, "language": "en",
            "check_similar": "Check for similar ideas"}  # fmt: skip
    response = client.post("/ideas/new", data=data)
    assert response.status_code == 200
    page = parse(response.text)
    panel = page.one("section", class_="similar-panel")
    assert panel.get("hidden") is None
    link = panel.one("a")
    assert link.text() == "Free parking for carpools"
    assert link.get("href") == f"/ideas/{existing.id}"
    assert page.one("p", class_="visually-hidden").text() == (
        "1 similar idea found below the description."
    )
    assert page.one("input", name="title").value() == "Carpools should park for free"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Idea)) == 1  # not published


def test_the_new_idea_form_carries_the_similar_ideas_endpoint_for_the_script(client, auth):
    auth.as_role()
    page = parse(client.get("/ideas/new").text)
    box = page.one(class_="similar-ideas")
    assert box.get("data-url") == "/search/similar"
    assert page.one("section", class_="similar-panel").get("hidden") == ""
    assert page.one("p", class_="visually-hidden").get("aria-live") == "polite"
    assert page.one("input", name="check_similar")


def test_publishing_still_works_when_the_index_is_busy(client, auth, app):
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.05
    with app.app_context():
        store = search._store()
        lock = store.lock(store.ensure())
    assert lock.acquire()
    try:
        auth.as_role()
        data = {"title": "Published while the index is busy", "body": "Text.",
                "theme": _theme(app, "innovation"), "group": 0, "language": "en"}  # fmt: skip
        assert client.post("/ideas/new", data=data).status_code == 302
        with app.app_context():
            assert search._store().peek_pending()
    finally:
        lock.release()
    with app.app_context():
        assert search.apply_pending() == 1
        assert search.query("busy").total == 1


def test_staff_see_possible_duplicates_with_a_merge_link_members_do_not(app, make_idea, make_user):
    idea = make_idea(title="Shared calendar for meeting rooms", body="Book rooms online.")
    twin = make_idea(title="Meeting rooms shared calendar", body="One calendar for all.")
    make_idea(title="Something else entirely", body="Nothing to do with rooms.")
    staff = make_user(role=Role.SECRETARIAT)
    member = make_user()
    with app.test_request_context():
        shown = db.session.get(Idea, idea.id)
        context = panel_context(shown, db.session.get(User, staff.id))
        assert [d["id"] for d in context["possible_duplicates"]] == [twin.id]
        assert panel_context(shown, db.session.get(User, member.id))["possible_duplicates"] == []
        html = app.jinja_env.get_template("search/_possible_duplicates.html").render(
            idea=shown, **context
        )
    section = parse(html).one("section", class_="possible-duplicates")
    assert section.one("h2").text() == "Possible duplicates"
    links = [a.get("href") for a in section.find_all("a")]
    assert f"/ideas/{twin.id}" in links
    assert f"/ideas/{idea.id}/merge?target={twin.id}" in links
