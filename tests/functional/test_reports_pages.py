"""Progress report pages: access by role, the printable page, downloads, publishing."""

import pytest
from sqlalchemy import select, update

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.dashboard.models import PublishedReport
from ideas.extensions import db
from tests.functional.html_dom import parse
from tests.unit.test_reports import DONE, MERGE, PILOT, REVIEW, build_world

MARCH = "/reports/progress?from=2026-03-01&to=2026-03-31"
DASHBOARD_ROLES = (Role.EXECUTIVE, Role.SECRETARIAT, Role.ADMIN)


@pytest.fixture
def world(app, make_user, make_department, make_idea):
    with app.app_context():
        return build_world(make_user, make_department, make_idea)


def _publish(client, title="Progress, March 2026", url=MARCH):
    return client.post(url.replace("/progress?", "/progress/publish?"), data={"title": title})


@pytest.mark.parametrize("role", DASHBOARD_ROLES)
def test_dashboard_roles_read_the_live_report(client, auth, world, role):
    auth.as_role(role)
    response = client.get(MARCH)
    assert response.status_code == 200
    page = parse(response.text)
    assert len(page.find_all("h1")) == 1
    text = page.text()
    for fragment in (REVIEW, PILOT, DONE, MERGE, "Shared desks in every regional office",
                     "Costs fell 12%.", "Public Safety Canada"):  # fmt: skip
        assert fragment in text, fragment
    captions = [caption.text() for caption in page.find_all("caption")]
    assert "Activity in the period by theme" in captions
    assert "Activity in the period by department" in captions
    assert all(table.find("caption") for table in page.find_all("table"))
    assert "A hidden idea" not in text
    assert "@example.gc.ca" not in page.one("main").text()


def test_members_may_not_read_the_live_report_or_its_downloads(client, auth, world):
    auth.as_role(Role.MEMBER)
    for url in (MARCH, MARCH.replace("progress?", "progress.md?"), "/reports/progress.csv"):
        assert client.get(url).status_code == 403


def test_visitors_are_sent_to_sign_in(client, world):
    response = client.get(MARCH)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=last-week&to=2026-03-31", "The start date must be a date like 2026-01-31."),
        ("from=2026-03-01&to=2026-02-31", "The end date must be a date like 2026-01-31."),
        ("from=2026-04-01&to=2026-03-01", "The start date was after the end date"),
    ],
)
def test_bad_dates_say_so_and_show_a_default_period(client, auth, world, query, message):
    auth.as_role(Role.EXECUTIVE)
    response = client.get(f"/reports/progress?{query}")
    assert response.status_code == 200
    notice = parse(response.text).one(class_="report-notice")
    assert message in notice.text()
    assert "The report shows the period from" in notice.text()


@pytest.mark.parametrize(
    "query", ["", "from=0001-01-01&to=9999-12-31", "from=9999-12-31", "department=x&theme=-1"]
)
def test_odd_periods_never_fail(client, auth, world, query):
    auth.as_role(Role.EXECUTIVE)
    for path in ("/reports/progress", "/reports/progress.md", "/reports/progress.csv"):
        assert client.get(f"{path}?{query}").status_code == 200


def test_downloads_as_markdown_and_csv(client, auth, world):
    auth.as_role(Role.EXECUTIVE)
    markdown = client.get(MARCH.replace("progress?", "progress.md?"))
    assert markdown.mimetype == "text/markdown"
    assert "attachment" in markdown.headers["Content-Disposition"]
    assert "## What moved" in markdown.text and REVIEW in markdown.text
    sheet = client.get(MARCH.replace("progress?", "progress.csv?"))
    assert sheet.mimetype == "text/csv"
    assert sheet.text.startswith("\ufeffsection,")
    assert DONE in sheet.text


def test_secretariat_publishes_and_every_member_reads_it(client, auth, world, app):
    auth.as_role(Role.SECRETARIAT)
    response = _publish(client)
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalars(select(PublishedReport)).one()
        report_id, snapshot = report.id, report.snapshot
        assert (
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.publish"))
            .one()
            .target_id
            == report_id
        )
    assert response.headers["Location"].endswith(f"/reports/{report_id}")
    assert snapshot["totals"]["moves"] == 4
    auth.sign_out()

    auth.as_role(Role.MEMBER)
    listing = client.get("/reports")
    assert listing.status_code == 200
    link = parse(listing.text).one("a", href=f"/reports/{report_id}")
    assert link.text() == "Progress, March 2026"
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200
    assert parse(page.text).one("h1").text() == "Progress, March 2026"
    assert REVIEW in page.text and "Published on" in page.text
    assert client.get(f"/reports/{report_id}.md").status_code == 200
    assert DONE in client.get(f"/reports/{report_id}.csv").text


def test_the_published_page_stays_frozen_when_data_changes(client, auth, world, app):
    auth.as_role(Role.ADMIN)
    _publish(client, "Frozen March")
    with app.app_context():
        report_id = db.session.scalar(select(PublishedReport.id))
        db.session.execute(
            update(Idea).where(Idea.id == world.desks).values(title="Renamed much later")
        )
        db.session.execute(update(Idea).where(Idea.id == world.printers).values(hidden=True))
        db.session.commit()
    live = client.get(MARCH).text
    assert "Renamed much later" in live and DONE not in live
    frozen = client.get(f"/reports/{report_id}").text
    assert "Shared desks in every regional office" in frozen
    assert "Renamed much later" not in frozen
    assert DONE in frozen


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_secretariat_and_admins_may_publish(client, auth, world, role, app):
    auth.as_role(role)
    assert _publish(client).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(PublishedReport.id)) is None


def test_publishing_needs_the_csrf_token(client, auth, world, app):
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        MARCH.replace("/progress?", "/progress/publish?"), data={"title": "X"}, csrf=False
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(PublishedReport.id)) is None


def test_an_empty_title_is_refused_with_the_form_kept(client, auth, world, app):
    auth.as_role(Role.SECRETARIAT)
    response = _publish(client, "   ")
    assert response.status_code == 422
    page = parse(response.text)
    assert page.one("input", id="title").get("aria-invalid") == "true"
    with app.app_context():
        assert db.session.scalar(select(PublishedReport.id)) is None


def test_the_list_says_when_nothing_is_published(client, auth):
    auth.as_role(Role.MEMBER)
    response = client.get("/reports")
    assert "No progress report has been published yet." in response.text
    assert "Prepare a progress report" not in response.text


def test_an_unknown_report_is_not_found(client, auth):
    auth.as_role(Role.MEMBER)
    assert client.get("/reports/999").status_code == 404
