"""The triage page at /triage: access by role, counts, filters, lists and bulk actions."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.timeutil import utcnow
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage
from tests.conftest import theme_id
from tests.functional.html_dom import field_error, parse
from tests.statements import StatementCounter

RATIONALE = "Reviewed together at the weekly triage meeting."


def update_idea(app, idea_id, **values):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        for name, value in values.items():
            setattr(idea, name, value)
        db.session.commit()


def idea_row(app, idea_id):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        db.session.expunge(idea)
        return idea


def counts(page) -> dict[str, str]:
    return {span.get("data-bucket"): span.text() for span in page.find_all(class_="bucket-count")}


def row_titles(page) -> list[str]:
    table = page.find("table", class_="triage-table")
    if table is None:
        return []
    return [cell.find("a").text() for cell in table.find_all("th", scope="row")]


def flashes(page) -> list[str]:
    return [p.text() for p in page.find_all("p", class_="flash")]


def audit_count(app, action) -> int:
    with app.app_context():
        query = select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
        return db.session.scalar(query)


@pytest.fixture
def queue(app, make_idea):
    """Two new ideas, one awaiting a response, one overdue, one answered."""
    now = utcnow()
    ideas = {
        "older": make_idea(title="Older new idea"),
        "newer": make_idea(title="Newer new idea"),
        "awaiting": make_idea(title="Popular idea"),
        "overdue": make_idea(title="Neglected idea"),
        "answered": make_idea(title="Answered idea"),
    }
    update_idea(app, ideas["older"].id, created_at=now - timedelta(days=5))
    update_idea(app, ideas["newer"].id, created_at=now - timedelta(days=1))
    reviewed = {"stage": Stage.UNDER_REVIEW, "created_at": now - timedelta(days=80)}
    update_idea(app, ideas["awaiting"].id, threshold_reached_at=now - timedelta(days=3), **reviewed)
    update_idea(app, ideas["overdue"].id, threshold_reached_at=now - timedelta(days=45), **reviewed)
    update_idea(
        app,
        ideas["answered"].id,
        threshold_reached_at=now - timedelta(days=45),
        responded_at=now - timedelta(days=2),
        **reviewed,
    )
    return ideas


# --- access -----------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/triage")
    assert response.status_code == 302
    assert "/sign-in" in response.location


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_members_and_executives_are_refused(client, auth, make_idea, role):
    idea = make_idea()
    auth.as_role(role)
    assert client.get("/triage").status_code == 403
    response = client.post(
        "/triage/bulk",
        data={"action": "move", "ideas": [idea.id], "to_stage": "declined", "rationale": RATIONALE},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_see_the_queue(client, auth, role):
    auth.as_role(role)
    response = client.get("/triage")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.one("h1").text() == "Triage"
    assert page.find("p", class_="empty").text() == "No ideas need action in this list."


def test_bulk_posts_need_a_csrf_token(client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.SECRETARIAT)
    data = {"action": "move", "ideas": [idea.id], "to_stage": "declined", "rationale": RATIONALE}
    response = client.post("/triage/bulk", data=data, csrf=False)
    assert response.status_code == 400
    assert idea_row(client.application, idea.id).stage is Stage.PROPOSED


# --- lists, counts, filters --------------------------------------------------------------


@pytest.mark.usefixtures("queue")
def test_counts_and_the_new_list_oldest_first(client, auth):
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/triage").text)
    assert counts(page) == {"new": "2", "awaiting": "1", "overdue": "1"}
    assert row_titles(page) == ["Older new idea", "Newer new idea"]
    current = page.one("a", aria_current="true")
    assert current.text().startswith("Not yet reviewed")


@pytest.mark.parametrize(
    ("bucket", "title", "heading"),
    [
        ("awaiting", "Popular idea", "Awaiting a response"),
        ("overdue", "Neglected idea", "Response overdue"),
    ],
)
@pytest.mark.usefixtures("queue")
def test_response_buckets_list_their_ideas_with_due_dates(client, auth, bucket, title, heading):
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/triage?bucket={bucket}").text)
    assert row_titles(page) == [title]
    assert page.one("h2", id="bucket-heading").text() == heading
    table = page.one("table", class_="triage-table")
    assert "Response due" in [th.text() for th in table.find_all("th", scope="col")]
    assert table.find("time") is not None
    assert (table.find("strong", class_="overdue") is not None) is (bucket == "overdue")
    # Staff can answer straight from the queue.
    assert table.find("a", href=f"/ideas/{idea_id_of(client, title)}/respond") is not None


def idea_id_of(client, title):
    with client.application.app_context():
        return db.session.scalar(select(Idea.id).where(Idea.title == title))


def test_hidden_and_merged_ideas_stay_out(app, client, auth, make_idea):
    shown = make_idea(title="Shown idea")
    update_idea(app, make_idea(title="Hidden idea").id, hidden=True)
    update_idea(app, make_idea(title="Merged idea").id, stage=Stage.MERGED)
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/triage").text)
    assert row_titles(page) == [shown.title]
    assert counts(page)["new"] == "1"


def test_filters_narrow_counts_and_lists_and_stay_in_the_url(
    app, client, auth, make_user, make_idea, make_department
):
    revenue, health = make_department("Revenue Agency"), make_department("Health Agency")
    make_idea(author=make_user(department=revenue), title="Revenue idea")
    other = make_idea(author=make_user(department=health), title="Health idea")
    update_idea(app, other.id, threshold_reached_at=utcnow() - timedelta(days=1))
    auth.as_role(Role.SECRETARIAT)

    page = parse(client.get(f"/triage?department={revenue.id}").text)
    assert row_titles(page) == ["Revenue idea"]
    assert counts(page) == {"new": "1", "awaiting": "0", "overdue": "0"}
    assert page.one("select", id="filter-department").value() == str(revenue.id)
    # Switching bucket keeps the filter; the bulk form posts back to the same view.
    tab = page.find("a", href=f"/triage?department={revenue.id}&bucket=awaiting")
    assert tab is not None
    form = page.one("form", class_="triage-form")
    assert form.get("action") == f"/triage/bulk?department={revenue.id}"

    page = parse(client.get(f"/triage?department={health.id}&bucket=awaiting").text)
    assert row_titles(page) == ["Health idea"]
    assert counts(page) == {"new": "1", "awaiting": "1", "overdue": "0"}
    assert page.one("input", type="hidden", name="bucket").value() == "awaiting"


@pytest.mark.usefixtures("queue")
def test_theme_and_stage_filters(client, auth):
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/triage?bucket=awaiting&stage=proposed").text)
    assert counts(page) == {"new": "2", "awaiting": "0", "overdue": "0"}
    assert row_titles(page) == []
    page = parse(client.get("/triage?bucket=awaiting&stage=under_review").text)
    assert counts(page) == {"new": "0", "awaiting": "1", "overdue": "1"}
    assert page.one("select", id="filter-stage").value() == "under_review"

    with client.application.app_context():
        innovation, fundamentals = theme_id("innovation"), theme_id("fundamentals")
    page = parse(client.get(f"/triage?theme={innovation}").text)
    assert counts(page) == {"new": "2", "awaiting": "1", "overdue": "1"}
    page = parse(client.get(f"/triage?theme={fundamentals}").text)
    assert counts(page) == {"new": "0", "awaiting": "0", "overdue": "0"}
    assert page.one("select", id="filter-theme").value() == str(fundamentals)


def test_pagination_keeps_the_bucket_and_filters(app, client, auth, make_idea):
    per_page = app.config["IDEAS_PER_PAGE"]
    for n in range(per_page + 1):
        make_idea(title=f"Queued idea {n:02d}")
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get("/triage?bucket=new&stage=proposed").text)
    assert len(row_titles(page)) == per_page
    next_link = page.one("a", rel="next")
    assert next_link.get("href") == "/triage?bucket=new&stage=proposed&page=2"
    page = parse(client.get(next_link.get("href")).text)
    assert row_titles(page) == [f"Queued idea {per_page:02d}"]
    assert "Page 2 of 2" in page.text()


def idea_counts(app, client, url: str) -> tuple[list[str], list[str]]:
    """The statements that count ideas, and those that read the stage tally, for one view."""
    with StatementCounter(app) as counter:
        assert client.get(url).status_code == 200
    counts = [s for s in counter.statements if "count(" in s.lower() and "FROM idea" in s]
    return counts, [s for s in counter.statements if "FROM stage_tally" in s]


def test_the_backlog_is_read_from_the_tally_and_counted_once_when_filtered(
    app, client, auth, make_idea
):
    """The unfiltered backlog is one row of the stage tally; a filtered one is counted once."""
    make_idea(title="One queued idea")
    auth.as_role(Role.SECRETARIAT)
    counts, tally = idea_counts(app, client, "/triage")
    # Only the ideas over the response threshold are counted; the backlog is the tally's.
    assert (len(counts), len(tally)) == (1, 1), (counts, tally)
    assert "1 idea" in parse(client.get("/triage").text).one("p", class_="result-count").text()
    with app.app_context():
        theme = theme_id()
    counts, tally = idea_counts(app, client, f"/triage?theme={theme}")
    # The bucket's count is the page's total: the proposed ideas once, not twice.
    assert (len(counts), len(tally)) == (2, 0), (counts, tally)


# --- bulk actions -----------------------------------------------------------------------


def test_bulk_move_moves_allowed_ideas_and_reports_refusals(app, client, auth, queue):
    auth.as_role(Role.SECRETARIAT)
    chosen = [queue["older"].id, queue["awaiting"].id, queue["newer"].id]
    response = client.post(
        "/triage/bulk?bucket=new",
        data={
            "action": "move",
            "ideas": chosen,
            "to_stage": "under_review",
            "rationale": RATIONALE,
        },
    )
    assert response.status_code == 302
    assert response.location == "/triage?bucket=new"
    page = parse(client.get(response.location).text)
    [message] = flashes(page)
    assert message == (
        "2 moved, 1 refused: “Popular idea”: An idea cannot move from Under review to Under review."
    )
    assert idea_row(app, queue["older"].id).stage is Stage.UNDER_REVIEW
    assert idea_row(app, queue["newer"].id).stage is Stage.UNDER_REVIEW
    with app.app_context():
        rows = db.session.execute(
            select(StageChange.idea_id, StageChange.rationale).where(
                StageChange.from_stage == Stage.PROPOSED
            )
        ).all()
    assert sorted(rows) == sorted([(queue["older"].id, RATIONALE), (queue["newer"].id, RATIONALE)])
    assert audit_count(app, "idea.move_stage") == 2
    assert counts(page)["new"] == "0"


def test_bulk_move_all_allowed_says_so(app, client, auth, queue):
    auth.as_role(Role.ADMIN)
    response = client.post(
        "/triage/bulk",
        data={
            "action": "move",
            "ideas": [queue["older"].id, queue["newer"].id],
            "to_stage": "declined",
            "rationale": RATIONALE,
        },
        follow_redirects=True,
    )
    assert flashes(parse(response.text)) == ["2 ideas moved to Declined."]
    assert idea_row(app, queue["older"].id).stage is Stage.DECLINED


def test_a_short_rationale_changes_nothing_and_keeps_the_input(app, client, auth, queue):
    auth.as_role(Role.SECRETARIAT)
    chosen = [queue["older"].id, queue["newer"].id]
    response = client.post(
        "/triage/bulk?bucket=new",
        data={"action": "move", "ideas": chosen, "to_stage": "declined", "rationale": "Too short"},
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "rationale") == "Explain the decision in at least 20 characters."
    assert page.one("textarea", id="rationale").value() == "Too short"
    assert page.one("select", id="to_stage").value() == "declined"
    assert page.one("input", id=f"select-{queue['older'].id}").get("checked") == ""
    assert page.one("input", id=f"select-{queue['newer'].id}").get("checked") == ""
    assert page.find("div", class_="error-summary") is not None
    assert idea_row(app, queue["older"].id).stage is Stage.PROPOSED
    assert audit_count(app, "idea.move_stage") == 0


def test_nothing_selected_is_an_error(app, client, auth, queue):
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        "/triage/bulk",
        data={"action": "move", "to_stage": "declined", "rationale": RATIONALE},
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert page.one("p", id="ideas-error").text() == "Select at least one idea."
    summary = page.one("div", class_="error-summary")
    assert summary.find("a", href="#ideas") is not None
    assert page.one("textarea", id="rationale").value() == RATIONALE
    assert audit_count(app, "idea.move_stage") == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"action": "move", "rationale": RATIONALE},
            "to_stage",
            "Choose the stage to move the ideas to.",
        ),
        (
            {"action": "move", "to_stage": "nowhere", "rationale": RATIONALE},
            "to_stage",
            "Not a valid choice.",
        ),
        ({"action": "assign", "reviewer": "0"}, "reviewer", "Choose a reviewer."),
        (
            {"action": "assign", "reviewer": "999999"},
            "reviewer",
            "Choose one of the offered options.",
        ),
    ],
)
def test_incomplete_actions_are_refused(app, client, auth, queue, data, field, message):
    auth.as_role(Role.SECRETARIAT)
    response = client.post("/triage/bulk", data={"ideas": [queue["older"].id], **data})
    assert response.status_code == 422
    assert field_error(parse(response.text), field) == message
    assert idea_row(app, queue["older"].id).stage is Stage.PROPOSED
    assert idea_row(app, queue["older"].id).reviewer_id is None


def test_an_unknown_action_is_refused(app, client, auth, queue):
    auth.as_role(Role.SECRETARIAT)
    response = client.post("/triage/bulk", data={"ideas": [queue["older"].id], "action": "delete"})
    assert response.status_code == 422
    summary = parse(response.text).one("div", class_="error-summary")
    assert "Choose an action" in summary.text()


def test_bulk_assign_sets_the_reviewer_and_notifies_them(app, client, auth, make_user, queue):
    reviewer = make_user(role=Role.SECRETARIAT, display_name="Riley Reviewer")
    auth.as_role(Role.ADMIN)
    page = parse(client.get("/triage?bucket=overdue").text)
    assert str(reviewer.id) in page.one("select", id="reviewer").option_values()

    response = client.post(
        "/triage/bulk?bucket=overdue",
        data={"action": "assign", "reviewer": reviewer.id, "ideas": [queue["overdue"].id]},
        follow_redirects=True,
    )
    page = parse(response.text)
    assert flashes(page) == ["Riley Reviewer is now the reviewer of 1 idea."]
    assert idea_row(app, queue["overdue"].id).reviewer_id == reviewer.id
    table = page.one("table", class_="triage-table")
    assert "Riley Reviewer" in table.text()
    assert audit_count(app, "idea.assign_reviewer") == 1
    with app.app_context():
        rows = db.session.execute(
            select(Notification.user_id, Notification.idea_id).where(
                Notification.kind == "reviewer_assigned"
            )
        ).all()
    assert rows == [(reviewer.id, queue["overdue"].id)]


def test_members_are_not_offered_as_reviewers(client, auth, make_user, queue):
    member = make_user(display_name="Mo Member")
    executive = make_user(role=Role.EXECUTIVE, display_name="Erin Exec")
    staff = auth.as_role(Role.SECRETARIAT)
    offered = parse(client.get("/triage").text).one("select", id="reviewer").option_values()
    assert str(staff.id) in offered
    assert str(member.id) not in offered
    assert str(executive.id) not in offered
