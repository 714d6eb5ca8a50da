"""The demo data makes the dashboard look alive for an executive signing in."""

from sqlalchemy import func, select

from ideas.accounts.models import Department, Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea, Vote
from ideas.dashboard.models import PublishedReport
from ideas.demo import seed_demo
from ideas.extensions import db
from tests.functional.html_dom import parse


def test_demo_has_headcounts_and_weeks_of_votes(app, client):
    with app.app_context():
        seed_demo(users_count=30, ideas_count=60)
        db.session.commit()
        with_headcount = db.session.scalar(
            select(func.count(Department.id)).where(Department.headcount.is_not(None))
        )
        assert with_headcount >= 5
        vote_days = db.session.scalar(select(func.count(func.distinct(func.date(Vote.created_at)))))
        assert vote_days >= 20  # not all stamped on the day the demo was seeded
    client.post(
        "/sign-in", data={"email": "executive@example.gc.ca", "password": "demo-password-2026"}
    )
    root = parse(client.get("/dashboard").text)
    weeks = root.one("table", id="weekly-table").find_all("tbody")[0].find_all("tr")
    busy_weeks = [w for w in weeks if w.find_all("td")[2].text() != "0"]
    assert len(busy_weeks) >= 6
    rates = [
        row.find_all("td")[2].text()
        for row in root.one("table", id="departments-table").find_all("tr")[1:]
    ]
    assert any(rate.endswith("%") for rate in rates)


def _sign_in(client, local: str) -> None:
    response = client.post(
        "/sign-in", data={"email": f"{local}@example.gc.ca", "password": "demo-password-2026"}
    )
    assert response.status_code == 302


def test_demo_reports_are_published_frozen_and_readable_by_members(app, client):
    with app.app_context():
        seed_demo(users_count=30, ideas_count=60)
        db.session.commit()
        reports = db.session.scalars(select(PublishedReport).order_by(PublishedReport.id)).all()
        assert len(reports) >= 1
        # Published through the service: the secretariat's audit entry and a real snapshot.
        published = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report.publish")
        ).all()
        assert {entry.target_id for entry in published} == {report.id for report in reports}
        first = reports[0]
        assert first.published_by.role is Role.SECRETARIAT
        assert first.snapshot["totals"]["ideas"] > 0
        assert first.snapshot["moved"]  # something moved in the campaign's first quarter
        scoped = [r for r in reports if r.snapshot["scope"]["theme"]]
        assert scoped  # one report shows the filters it was frozen with
        scoped_id, theme_name = scoped[0].id, scoped[0].snapshot["scope"]["theme"]["en"]
        first_id, moved_title = first.id, first.snapshot["moved"][0]["idea"]["title"]
        # Frozen: renaming the idea afterwards leaves the published page as it was.
        idea = db.session.get(Idea, first.snapshot["moved"][0]["idea"]["id"])
        idea.title = "Renamed after publishing"
        db.session.commit()

    # The executive sees the list from the dashboard's header; a member reads the reports.
    _sign_in(client, "executive")
    listing = parse(client.get("/reports").text)
    titles = [row.text() for row in listing.one("table").find_all("tbody")[0].find_all("th")]
    assert "Progress report: the campaign's first quarter" in titles
    client.post("/sign-out")
    _sign_in(client, "member")
    response = client.get(f"/reports/{first_id}")
    assert response.status_code == 200
    text = parse(response.text).one("main").text()
    assert moved_title in text
    assert "Renamed after publishing" not in text
    assert "Every department, theme and group." in text
    scoped_page = parse(client.get(f"/reports/{scoped_id}").text)
    assert f"Theme: {theme_name}" in scoped_page.one("ul", class_="report-scope").text()
