"""The demo data makes the dashboard look alive for an executive signing in."""

from sqlalchemy import func, select

from ideas.accounts.models import Department
from ideas.board.models import Vote
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
