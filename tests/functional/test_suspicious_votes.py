"""The secretariat's report of suspicious voting, against a hand-built set of votes.

The fixture places every vote at a known time: a burst of new accounts on one idea, a
burst from one department on another, one account voting on twenty ideas in four
minutes, and look-alikes just under each threshold that must not be reported.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ideas.accounts.models import Role, User
from ideas.board.models import Vote
from ideas.extensions import db
from ideas.moderation.voting_report import (
    DEPARTMENT_BURST_VOTES,
    NEW_ACCOUNT_BURST_VOTES,
    RAPID_VOTES,
    CastVote,
    densest_window,
)
from ideas.timeutil import utcnow
from tests.functional.html_dom import parse

URL = "/moderation/voting"


def _age(app, users, created_at):
    """Backdate (or postdate) accounts' creation."""
    with app.app_context():
        ids = [user.id for user in users]
        db.session.execute(update(User).where(User.id.in_(ids)).values(created_at=created_at))
        db.session.commit()


def _votes(app, rows):
    """Insert (idea, user, value, cast_at) rows as standing votes."""
    with app.app_context():
        for idea, user, value, cast_at in rows:
            db.session.add(
                Vote(idea_id=idea.id, user_id=user.id, value=value, created_at=cast_at,
                     updated_at=cast_at)
            )  # fmt: skip
        db.session.commit()


@pytest.fixture
def voting_fixture(app, make_user, make_idea, make_department):
    """Votes laid out so that exactly one finding of each kind stands out."""
    now = utcnow()
    author = make_user(display_name="Idea Author")
    targeted = make_idea(author=author, title="Four-day week pilot")
    department_idea = make_idea(author=author, title="Shared parking for the region")
    quiet = make_idea(author=author, title="Quiet rooms on every floor")
    others = [make_idea(author=author, title=f"Another idea {n}") for n in range(RAPID_VOTES)]
    start = now - timedelta(hours=3)

    # Six accounts created an hour before voting, all within 30 minutes on one idea.
    puppets = [make_user(display_name=f"Fresh Account {n}") for n in range(6)]
    _age(app, puppets, start - timedelta(hours=1))
    rows = [(targeted, user, 1, start + timedelta(minutes=5 * n)) for n, user in enumerate(puppets)]
    # Old accounts voting just as fast on the same idea are not "new accounts".
    veterans = [make_user(display_name=f"Long Timer {n}") for n in range(6)]
    _age(app, veterans, now - timedelta(days=400))
    rows += [(targeted, user, -1, start + timedelta(minutes=n)) for n, user in enumerate(veterans)]
    # New accounts spread out: four within any hour, never five.
    slow = [make_user(display_name=f"Slow Newcomer {n}") for n in range(5)]
    _age(app, slow, now - timedelta(days=2))
    t_slow = now - timedelta(days=2)
    rows += [(quiet, user, 1, t_slow + timedelta(minutes=20 * n)) for n, user in enumerate(slow)]

    # A department's members, ten within 50 minutes; another's, one short of the threshold.
    agency = make_department(name="Parks Agency")
    others_dept = make_department(name="Fisheries Office")
    colleagues = [make_user(department=agency) for _ in range(DEPARTMENT_BURST_VOTES)]
    near_miss = [make_user(department=others_dept) for _ in range(DEPARTMENT_BURST_VOTES - 1)]
    _age(app, colleagues + near_miss, now - timedelta(days=300))
    t0 = now - timedelta(days=3)
    rows += [
        (department_idea, u, 1, t0 + timedelta(minutes=5 * n)) for n, u in enumerate(colleagues)
    ]
    rows += [(department_idea, u, -1, t0 + timedelta(minutes=n)) for n, u in enumerate(near_miss)]

    # One account: twenty votes in four minutes; another: nineteen in the same time.
    script = make_user(display_name="Script Runner")
    human = make_user(display_name="Busy Reader")
    _age(app, [script, human], now - timedelta(days=100))
    t1 = now - timedelta(days=4)
    rows += [(idea, script, 1, t1 + timedelta(seconds=12 * n)) for n, idea in enumerate(others)]
    rows += [(idea, human, 1, t1 + timedelta(seconds=12 * n)) for n, idea in enumerate(others[1:])]
    _votes(app, rows)
    return {"targeted": targeted, "department_idea": department_idea, "quiet": quiet}


def _section(page, heading_id):
    return page.one("section", aria_labelledby=heading_id)


def test_the_report_shows_one_finding_of_each_kind(client, auth, voting_fixture):
    """New-account burst, department burst and fast account, each with its figures."""
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(URL).text)
    assert page.one("h1").text() == "Suspicious voting"

    new = _section(page, "new-accounts-heading")
    rows = new.one("tbody").find_all("tr")
    assert len(rows) == 1
    assert rows[0].one("th").text() == "Four-day week pilot"
    cells = [cell.text() for cell in rows[0].find_all("td")]
    assert cells[:3] == ["6", "6", "0"]  # votes, up, down: the veterans' downvotes are not in it
    names = [item.text() for item in rows[0].find_all("li")]
    assert names == [f"Fresh Account {n}" for n in range(6)]

    departments = _section(page, "departments-heading")
    rows = departments.one("tbody").find_all("tr")
    assert len(rows) == 1
    assert rows[0].one("th").text() == "Shared parking for the region"
    cells = [cell.text() for cell in rows[0].find_all("td")]
    assert cells[:4] == ["Parks Agency", str(DEPARTMENT_BURST_VOTES), "10", "0"]

    rapid = _section(page, "rapid-heading")
    rows = rapid.one("tbody").find_all("tr")
    assert [row.one("th").text() for row in rows] == ["Script Runner"]
    assert rows[0].find("td").text() == str(RAPID_VOTES)


def test_tables_are_captioned_and_headed(client, auth, voting_fixture):
    """Each table has a caption, column headers and row headers, inside a labelled region."""
    auth.as_role(Role.ADMIN)
    page = parse(client.get(URL).text)
    tables = page.find_all("table")
    assert len(tables) == 3
    for table in tables:
        assert table.one("caption").text()
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
        assert table.parent.get("role") == "region" and table.parent.get("tabindex") == "0"
    assert page.one("label", **{"for": "days"}).text() == "Period"


def test_the_period_narrows_the_report(client, auth, voting_fixture):
    """Over the last day only the new-account burst (three hours ago) is left."""
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(URL + "?days=1").text)
    assert len(_section(page, "new-accounts-heading").find_all("tbody")) == 1
    assert _section(page, "departments-heading").find("table") is None
    assert _section(page, "rapid-heading").find("table") is None
    assert page.one("select", id="days").value() == "1"
    # An unknown period falls back to the default week, which holds all three.
    page = parse(client.get(URL + "?days=999").text)
    assert page.one("select", id="days").value() == "7"
    assert len(page.find_all("table")) == 3


def test_nothing_found_says_so(client, auth):
    """With no votes, each section says there is no burst."""
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(URL).text)
    assert page.find("table") is None
    assert [p.text() for p in page.find_all("p", class_="empty")] == ["No burst of this kind."] * 3


def test_the_report_changes_nothing(app, client, auth, voting_fixture):
    """Read-only: the votes are the same before and after the page is read."""
    auth.as_role(Role.SECRETARIAT)
    with app.app_context():
        before = db.session.execute(select(func.count(), func.sum(Vote.value))).one()
    assert client.get(URL).status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count(), func.sum(Vote.value))).one() == before


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_staff_see_the_report(client, auth, role):
    """Members and executives get 403; the report names members and their habits."""
    auth.as_role(role)
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    """No account, no report."""
    response = client.get(URL)
    assert response.status_code == 302
    assert "/sign-in" in response.location


def test_the_moderation_queue_links_to_the_report(client, auth):
    """Staff reach the report from the moderation queue."""
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/moderation").text)
    assert page.one("a", href=URL).text() == "Report of suspicious voting"


def test_the_report_is_translated(client, auth, make_user):
    """French staff read the report in French."""
    auth.sign_in(make_user(role=Role.SECRETARIAT, locale="fr"))
    page = parse(client.get(URL).text)
    assert page.one("h1").text() == "Votes suspects"


def test_densest_window_keeps_the_largest_run_within_the_window():
    """Five votes within an hour beat three; the window's edges are inclusive."""
    start = utcnow()
    minutes = [0, 10, 200, 210, 220, 230, 260]
    votes = [
        CastVote(1, n, 1, start + timedelta(minutes=m), start, None) for n, m in enumerate(minutes)
    ]
    burst = densest_window(votes, timedelta(hours=1))
    assert burst.count == 5
    assert (burst.start, burst.end) == (votes[2].cast_at, votes[6].cast_at)
    assert NEW_ACCOUNT_BURST_VOTES == 5
