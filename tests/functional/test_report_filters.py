"""The progress report's department, theme and group filters: the dashboard's selects,
honoured by every section, kept in downloads and publishing, and shown on the frozen page."""

import csv
import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Theme
from ideas.dashboard.models import PublishedReport
from ideas.extensions import db
from tests.functional.html_dom import parse


@dataclass
class Scoped:
    """Two departments, a group, and one idea inside and one outside each filter."""

    cra: int
    ps: int
    group: int
    innovation: int
    people: int


@pytest.fixture
def scoped(app, make_user, make_department, make_idea, make_group):
    cra = make_department("Canada Revenue Agency")
    ps = make_department("Public Safety Canada")
    ana = make_user(department=cra)
    bob = make_user(department=ps)
    group = make_group(creator=ana, name="Open data circle")
    make_idea(author=ana, title="Grouped desks idea", group=group)
    make_idea(author=bob, title="Ungrouped forms idea", theme="people-management")
    with app.app_context():
        themes = {t.code: t.id for t in db.session.scalars(select(Theme))}
    return Scoped(cra.id, ps.id, group.id, themes["innovation"], themes["people-management"])


def test_the_report_offers_the_dashboards_selects_with_the_state_from_the_url(client, auth, scoped):
    auth.as_role(Role.EXECUTIVE)
    url = (
        f"/reports/progress?department={scoped.cra}&theme={scoped.innovation}&group={scoped.group}"
    )
    page = parse(client.get(url).text)
    form = page.one("form", class_="filters")
    for name, value in (
        ("department", scoped.cra),
        ("theme", scoped.innovation),
        ("group", scoped.group),
    ):
        select_ = form.one("select", id=f"filter-{name}")
        assert select_.get("name") == name
        assert select_.value() == str(value)
        assert form.one("label", **{"for": f"filter-{name}"})  # each select has its label
    assert "Open data circle" in form.one("select", id="filter-group").text()
    # Same labels and ids as the dashboard's filter form.
    dashboard = parse(client.get(url.replace("/reports/progress", "/dashboard")).text)
    dashboard_form = dashboard.one("form", class_="dashboard-filters")
    for name in ("department", "theme", "group"):
        assert (
            dashboard_form.one("label", **{"for": f"filter-{name}"}).text()
            == form.one("label", **{"for": f"filter-{name}"}).text()
        )


@pytest.mark.parametrize(
    ("query", "shown", "left_out"),
    [
        ("group={group}", "Grouped desks idea", "Ungrouped forms idea"),
        ("department={ps}", "Ungrouped forms idea", "Grouped desks idea"),
        ("theme={people}", "Ungrouped forms idea", "Grouped desks idea"),
    ],
)
def test_every_section_honours_the_filters(client, auth, scoped, query, shown, left_out):
    auth.as_role(Role.EXECUTIVE)
    url = "/reports/progress?" + query.format(**vars(scoped))
    text = parse(client.get(url).text).one("main").text()
    assert shown in text
    assert left_out not in text
    markdown = client.get(url.replace("progress?", "progress.md?")).text
    assert shown in markdown and left_out not in markdown
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(url.replace("progress?", "progress.csv?")).text.lstrip("\ufeff"))
        )
    )
    titles = {row["title"] for row in rows if row["section"] == "heard"}
    assert titles == {shown}
    assert sum(int(row["ideas_posted"]) for row in rows if row["section"] == "by_theme") == 1


def test_a_theme_report_lists_that_theme_only(client, auth, scoped):
    auth.as_role(Role.EXECUTIVE)
    page = parse(client.get(f"/reports/progress?theme={scoped.people}").text)
    heard = page.one("section", **{"aria-labelledby": "report-heard"})
    assert [h.text() for h in heard.find_all("h3")] == ["People Management"]


def test_the_downloads_and_the_publish_form_keep_the_filters(client, auth, scoped):
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/reports/progress?group={scoped.group}&department={scoped.cra}").text)
    links = [a.get("href") for a in page.find_all("a") if "progress." in (a.get("href") or "")]
    assert len(links) == 2
    publish = page.one("form", method="post", class_="form").get("action")
    for address in (*links, publish):
        assert f"group={scoped.group}" in address and f"department={scoped.cra}" in address


def test_a_published_report_shows_and_keeps_the_filters_it_was_frozen_with(
    client, auth, scoped, app
):
    auth.as_role(Role.SECRETARIAT)
    query = f"department={scoped.cra}&group={scoped.group}"
    response = client.post(
        f"/reports/progress/publish?{query}", data={"title": "Open data circle, this month"}
    )
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalars(select(PublishedReport)).one()
        assert report.snapshot["scope"]["department_id"] == scoped.cra
        assert report.snapshot["scope"]["group_id"] == scoped.group
        assert report.snapshot["scope"]["theme_id"] is None
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report.publish")
        ).one()
        assert entry.details["department"] == str(scoped.cra)
        assert entry.details["group"] == str(scoped.group)
        report_id = report.id
    auth.sign_out()
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/reports/{report_id}").text)
    scope = [li.text() for li in page.one("ul", class_="report-scope").find_all("li")]
    assert scope == ["Department: Canada Revenue Agency", "Group: Open data circle"]
    assert "Grouped desks idea" in page.one("main").text()
    assert "Ungrouped forms idea" not in page.one("main").text()


def test_an_unfiltered_published_report_says_it_covers_everything(client, auth, scoped, app):
    auth.as_role(Role.SECRETARIAT)
    client.post("/reports/progress/publish", data={"title": "Everything, this month"})
    with app.app_context():
        report_id = db.session.scalars(select(PublishedReport.id)).one()
    page = parse(client.get(f"/reports/{report_id}").text)
    assert page.one(class_="report-scope").text() == "Every department, theme and group."


def test_an_unknown_department_is_ignored_and_said_so(client, auth, scoped):
    auth.as_role(Role.EXECUTIVE)
    page = parse(client.get("/reports/progress?department=999999").text)
    assert "An unknown filter value was ignored." in page.one(class_="report-notice").text()
    assert page.one("select", id="filter-department").value() == ""
    text = page.one("main").text()
    assert "Grouped desks idea" in text and "Ungrouped forms idea" in text
