"""The dashboard page: who may open it, what it shows, and filters kept in the URL."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideas.accounts.models import Department, Role
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.timeutil import utcnow
from tests.functional.html_dom import parse


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.SECRETARIAT, Role.ADMIN])
def test_dashboard_roles_see_the_page_and_the_header_link(client, auth, role):
    auth.as_role(role)
    response = client.get("/dashboard")
    assert response.status_code == 200
    root = parse(response.text)
    assert root.one("h1").text() == "Dashboard"
    nav = root.one("nav", aria_label="Main")
    assert nav.find("a", href="/dashboard") is not None


def test_members_get_403_and_no_link(client, auth):
    auth.as_role(Role.MEMBER)
    assert client.get("/dashboard").status_code == 403
    page = parse(client.get("/ideas").text)
    assert page.one("nav", aria_label="Main").find("a", href="/dashboard") is None


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def _cell(root, table_id, row_attr, key, column):
    table = root.one("table", id=table_id)
    row = table.one("tr", **{row_attr: key})
    return row.find_all("td")[column].text()


def test_figures_and_sections_reflect_the_data(client, auth, make_idea, make_user, app):
    author = make_user()
    make_idea(author=author, title="Counted in the period")
    make_idea(author=author, title="Hidden from the dashboard")
    with app.app_context():
        hidden = db.session.scalar(select(Idea).where(Idea.title == "Hidden from the dashboard"))
        hidden.hidden = True
        db.session.commit()
    auth.as_role(Role.EXECUTIVE)
    root = parse(client.get("/dashboard").text)
    # Key figures: one visible idea, posted now by one participant; nothing before.
    assert _cell(root, "figures-table", "data-figure", "ideas", 0) == "1"
    assert _cell(root, "figures-table", "data-figure", "ideas", 1) == "0"
    assert _cell(root, "figures-table", "data-figure", "ideas", 2) == "+1"
    assert _cell(root, "figures-table", "data-figure", "ideas", 3) == "Not applicable"
    assert _cell(root, "figures-table", "data-figure", "participants", 4) == "1"
    ranked = root.one("table", id="ranked-table")
    assert [a.text() for a in ranked.find_all("a")] == ["Counted in the period"]
    assert _cell(root, "funnel-table", "data-stage", "proposed", 0) == "1"
    # Every chart is an image with a title and a description, beside a data table.
    charts = root.find_all("svg", role="img")
    assert len(charts) == 6
    for svg in charts:
        assert svg.find("title").text()
        description = root.one("p", id=svg.get("aria-describedby"))
        assert description.text()
    assert root.one("table", id="weekly-table").find_all("tbody")[0].find_all("tr")


def test_filters_are_read_from_and_kept_in_the_url(client, auth, make_idea, make_user, app):
    with app.app_context():
        alpha = Department(name_en="Alpha", level="federal", headcount=50)
        db.session.add(alpha)
        db.session.commit()
        alpha_id = alpha.id
        alpha_row = db.session.get(Department, alpha_id)
        db.session.expunge(alpha_row)
    insider = make_user(department=alpha_row)
    make_idea(author=insider, title="From Alpha")
    make_idea(title="From nowhere")
    with app.app_context():
        # Ideas copy their author's department when posted.
        assert db.session.scalar(select(Idea.department_id).where(Idea.title == "From Alpha"))
    auth.as_role(Role.EXECUTIVE)
    today = utcnow().date()
    start = (today - timedelta(days=6)).isoformat()
    url = f"/dashboard?from={start}&to={today.isoformat()}&department={alpha_id}&ranking=hot"
    root = parse(client.get(url).text)
    assert root.one("input", id="filter-from").get("value") == start
    assert root.one("select", id="filter-department").value() == str(alpha_id)
    assert root.one("select", id="ranking").value() == "hot"
    assert _cell(root, "figures-table", "data-figure", "ideas", 0) == "1"
    assert [a.text() for a in root.one("table", id="ranked-table").find_all("a")] == ["From Alpha"]
    # Headcount 50 and one participant: 2% per head.
    row = root.one("table", id="departments-table").one("tr", data_department=str(alpha_id))
    assert row.find_all("td")[2].text() == "2.0%"
    # The ranking form and the export links carry the same filters.
    ranking_form = root.one("form", aria_label="Choose the ranking")
    hidden = {i.get("name"): i.get("value") for i in ranking_form.find_all("input")}
    assert hidden == {"from": start, "to": today.isoformat(), "department": str(alpha_id)}
    export = root.one("p", class_="dashboard-links").find_all("a")[1].get("href")
    assert f"department={alpha_id}" in export and f"from={start}" in export


def test_bad_filter_values_are_ignored_with_a_message(client, auth, make_idea):
    make_idea()
    auth.as_role(Role.SECRETARIAT)
    response = client.get("/dashboard?from=yesterday&to=2026-13-45&department=abc&ranking=x")
    assert response.status_code == 200
    root = parse(response.text)
    messages = root.one("div", class_="error-summary").text()
    assert "start date" in messages and "end date" in messages
    assert "unknown filter value" in messages
    # The default period (the last 12 weeks) applies.
    assert root.one("input", id="filter-to").get("value") == utcnow().date().isoformat()
    assert _cell(root, "figures-table", "data-figure", "ideas", 0) == "1"


@pytest.mark.parametrize("locale", ["fr", "zh_Hant_TW"])
def test_the_dashboard_renders_in_every_language(client, auth, make_idea, locale):
    make_idea()
    auth.as_role(Role.ADMIN)
    client.post("/language", data={"locale": locale, "next": "/dashboard"})
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert parse(response.text).one("html").get("lang").startswith(locale[:2])


def test_a_cached_dashboard_is_reused_until_it_expires(client, auth, make_idea, app):
    from ideas.dashboard.services import clear_cache

    app.config["DASHBOARD_CACHE_SECONDS"] = 600
    clear_cache()
    make_idea(title="First idea")
    auth.as_role(Role.EXECUTIVE)

    def ranked_titles():
        root = parse(client.get("/dashboard").text)
        return [a.text() for a in root.one("table", id="ranked-table").find_all("a")]

    assert ranked_titles() == ["First idea"]
    make_idea(title="Second idea")
    # Served from the cache, across requests and sessions: the new idea is not there yet.
    assert ranked_titles() == ["First idea"]
    clear_cache()
    assert sorted(ranked_titles()) == ["First idea", "Second idea"]
    clear_cache()
