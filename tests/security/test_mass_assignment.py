"""No mass assignment: fields a form is not meant to carry are ignored, whatever is posted.

Every form and JSON endpoint that creates or edits something gets its honest fields plus a
forged set (stage, author and user ids, counters, ranking scores, role, hidden, dates, an
id) naming a bystander's account and impossible values. The action must succeed as if the
forged fields were absent: afterwards no row points at the bystander, no id is the forged
one, counters equal what the rows say, and roles, stages and visibility are as the honest
request leaves them.
"""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Follow, Idea, Vote
from ideas.board.ranking import controversy_score, hot_score, wilson_lower_bound
from ideas.extensions import db
from ideas.groups.models import Membership
from ideas.workflow.experts import assign_expert
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.conftest import theme_id

FORGED_ID = 999_999
RATIONALE = "Checked by the secretariat at the weekly meeting."


def forged(victim_id: int, idea_id: int, *, except_fields=()) -> dict:
    """Fields no form should honour, aimed at the bystander and another idea."""
    fields = {
        "id": FORGED_ID, "author_id": victim_id, "user_id": victim_id, "actor_id": victim_id,
        "assessor_id": victim_id, "reviewer_id": victim_id, "idea_id": idea_id,
        "merged_into_id": idea_id, "stage": "implemented", "held_from": "proposed",
        "up_count": 9999, "down_count": 9999, "comment_count": 9999, "follower_count": 9999,
        "wilson": 99, "hot": 99, "controversy": 99, "progress": 100, "hidden": "y",
        "role": "admin", "author_role": "admin", "is_group_admin": "y", "active": "0",
        "email": "forged@example.gc.ca", "session_token": "forged", "password_hash": "forged",
        "created_at": "2000-01-01", "updated_at": "2000-01-01", "deleted_at": "2000-01-01",
        "threshold_reached_at": "2000-01-01", "responded_at": "2000-01-01", "status": "upheld",
    }  # fmt: skip
    return {k: str(v) for k, v in fields.items() if k not in except_fields}


def user_columns():
    """Every (table, column) holding a reference to a user."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "user" for fk in column.foreign_keys):
                yield table, column


def assert_nothing_forged(app, victim, roles: dict[int, Role], hidden_ok=(), stages=None):
    """The database shows no trace of the forged fields."""
    with app.app_context():
        for table, column in user_columns():
            found = db.session.scalar(
                select(func.count()).select_from(table).where(column == victim.id)
            )
            assert found == 0, f"{table.name}.{column.name} points at the bystander"
        for table in db.metadata.sorted_tables:
            if "id" in table.columns and table.name != "alembic_version":
                query = select(func.count()).select_from(table).where(table.c.id == FORGED_ID)
                assert db.session.scalar(query) == 0, f"{table.name} took the forged id"
        for user in db.session.scalars(select(User)):
            assert user.role is roles.get(user.id, Role.MEMBER), user
            assert user.active and user.deleted_at is None, user
            assert user.email != "forged@example.gc.ca" and user.session_token != "forged"
            assert user.password_hash != "forged"
        for idea in db.session.scalars(select(Idea)):
            tally = select(Vote.value, func.count()).where(Vote.idea_id == idea.id)
            votes = dict(db.session.execute(tally.group_by(Vote.value)).all())
            follows = db.session.scalar(
                select(func.count()).select_from(Follow).where(Follow.idea_id == idea.id)
            )
            comments = db.session.scalar(
                select(func.count()).select_from(Comment).where(Comment.idea_id == idea.id)
            )
            assert (idea.up_count, idea.down_count) == (votes.get(1, 0), votes.get(-1, 0))
            assert idea.follower_count == follows and idea.comment_count <= comments
            up, down = idea.up_count, idea.down_count
            assert idea.wilson == pytest.approx(wilson_lower_bound(up, down)), idea
            assert idea.hot == pytest.approx(hot_score(up, down, idea.created_at)), idea
            assert idea.controversy == pytest.approx(controversy_score(up, down)), idea
            assert idea.hidden is (idea.id in hidden_ok), idea
            assert idea.merged_into_id is None and idea.progress < 100
            assert idea.created_at.year > 2020 and idea.threshold_reached_at is None
            assert idea.stage is (stages or {}).get(idea.id, Stage.PROPOSED), idea
        for comment in db.session.scalars(select(Comment)):
            assert not comment.hidden and comment.created_at.year > 2020
        admins = db.session.execute(
            select(Membership.group_id, func.count())
            .where(Membership.is_group_admin.is_(True))
            .group_by(Membership.group_id)
        ).all()
        assert all(count == 1 for _, count in admins), admins


@pytest.fixture
def scene(app, make_user, make_idea):
    """A bystander who does nothing, and an idea by someone else to act on."""
    victim = make_user(display_name="Bystander")
    other_idea = make_idea(title="Someone else's idea")
    return victim, other_idea


def idea_fields(app, **overrides) -> dict:
    """The honest fields of the idea form."""
    with app.app_context():
        theme = theme_id()
    return {"title": "Shared desks for teams", "body": "Fewer leases.", "theme": str(theme),
            "group": "0", "language": "en", **overrides}  # fmt: skip


def test_posting_an_idea(app, client, auth, scene):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    response = client.post("/ideas/new", data={**idea_fields(app), **forged(victim.id, other.id)})
    assert response.status_code == 302, response.text
    with app.app_context():
        idea = db.session.scalar(select(Idea).where(Idea.title == "Shared desks for teams"))
        assert idea.author_id == me.id
    assert_nothing_forged(app, victim, {})


def test_editing_an_idea(app, client, auth, scene, make_idea):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    mine = make_idea(author=me)
    data = {**idea_fields(app, title="A better title"), **forged(victim.id, other.id)}
    assert client.post(f"/ideas/{mine.id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Idea, mine.id).title == "A better title"
    assert_nothing_forged(app, victim, {})


def test_commenting(app, client, auth, scene):
    victim, other = scene
    auth.as_role(Role.MEMBER)
    data = {"body": "A real comment.", **forged(victim.id, other.id)}
    assert client.post(f"/ideas/{other.id}/comments", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Comment.body)) == "A real comment."
    assert_nothing_forged(app, victim, {})


@pytest.mark.parametrize("flavour", ["form", "json"])
def test_voting(app, client, auth, scene, flavour):
    victim, other = scene
    auth.as_role(Role.MEMBER)
    headers = {"Accept": "application/json"} if flavour == "json" else {}
    data = {"value": "1", **forged(victim.id, other.id)}
    response = client.post(f"/ideas/{other.id}/vote", data=data, headers=headers)
    assert response.status_code == (200 if flavour == "json" else 302)
    if flavour == "json":
        assert response.json["up"] == 1
    assert_nothing_forged(app, victim, {})


def test_following_and_joining_a_group(app, client, auth, scene, make_group):
    victim, other = scene
    group = make_group()
    auth.as_role(Role.MEMBER)
    assert (
        client.post(f"/ideas/{other.id}/follow", data=forged(victim.id, other.id)).status_code
        == 302
    )
    data = forged(victim.id, other.id)
    assert client.post(f"/groups/{group.slug}/membership", data=data).status_code == 302
    assert_nothing_forged(app, victim, _roles(app))


def test_creating_a_group(app, client, auth, scene):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    data = {"name": "Open data people", "description": "", "kind": "topic", "department": "0",
            **forged(victim.id, other.id)}  # fmt: skip
    assert client.post("/groups/new", data=data).status_code == 302
    with app.app_context():
        members = db.session.scalars(select(Membership)).all()
        assert [(m.user_id, m.is_group_admin) for m in members] == [(me.id, True)]
    assert_nothing_forged(app, victim, {})


def test_editing_the_profile(app, client, auth, scene):
    victim, other = scene
    me = auth.as_role(Role.MEMBER)
    data = {"display_name": "New Name", "department": "0", "locale": "fr",
            **forged(victim.id, other.id)}  # fmt: skip
    assert client.post("/profile", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(User, me.id).display_name == "New Name"
        assert db.session.get(User, victim.id).display_name == "Bystander"
    assert_nothing_forged(app, victim, {})


def test_switching_language(app, client, auth, scene):
    victim, other = scene
    auth.as_role(Role.MEMBER)
    data = {"locale": "fr", **forged(victim.id, other.id)}
    assert client.post("/language", data=data).status_code == 302
    assert_nothing_forged(app, victim, {})


def test_flagging(app, client, auth, scene):
    victim, other = scene
    auth.as_role(Role.MEMBER)
    data = {"reason": "Off topic and insulting.", **forged(victim.id, other.id)}
    assert client.post(f"/ideas/{other.id}/flag", data=data).status_code == 302
    assert_nothing_forged(app, victim, {})


def _roles(app) -> dict[int, Role]:
    """Every user's current role (for tests that create staff)."""
    with app.app_context():
        return dict(db.session.execute(select(User.id, User.role)).all())


def _under_review(app, idea, staff):
    with app.app_context():
        row, actor = db.session.get(Idea, idea.id), db.session.get(User, staff.id)
        move_stage(row, Stage.UNDER_REVIEW, actor, RATIONALE)
        db.session.commit()


def test_moving_a_stage(app, client, auth, scene):
    victim, other = scene
    staff = auth.as_role(Role.SECRETARIAT)
    data = {"to_stage": "under_review", "rationale": RATIONALE,
            **forged(victim.id, other.id, except_fields={"stage"})}  # fmt: skip
    assert client.post(f"/ideas/{other.id}/stage", data=data).status_code == 302
    assert_nothing_forged(app, victim, _roles(app), stages={other.id: Stage.UNDER_REVIEW})
    assert staff


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.SECRETARIAT])
def test_posting_an_official_response(app, client, auth, scene, role):
    victim, other = scene
    me = auth.as_role(role)
    data = {"body": "We will look at this.", **forged(victim.id, other.id)}
    assert client.post(f"/ideas/{other.id}/respond", data=data).status_code == 302
    from ideas.workflow.models import OfficialResponse

    with app.app_context():
        response = db.session.scalar(select(OfficialResponse))
        assert (response.author_id, response.author_role) == (me.id, role)
    assert_nothing_forged(app, victim, _roles(app))


def test_assessing(app, client, auth, scene, make_user):
    victim, other = scene
    staff, expert = make_user(role=Role.SECRETARIAT), make_user()
    _under_review(app, other, staff)
    with app.app_context():
        assign_expert(db.session.get(Idea, other.id), db.session.get(User, expert.id),
                      db.session.get(User, staff.id))  # fmt: skip
        db.session.commit()
    auth.sign_in(expert)
    scores = {name: "4" for name in ("relevance", "support", "impact", "results", "feasibility")}
    data = {**scores, "recommendation": "pilot", **forged(victim.id, other.id)}
    assert client.post(f"/ideas/{other.id}/assess", data=data).status_code == 302
    from ideas.workflow.models import Assessment

    with app.app_context():
        assert db.session.scalar(select(Assessment.assessor_id)) == expert.id
    assert_nothing_forged(app, victim, _roles(app), stages={other.id: Stage.UNDER_REVIEW})


def test_recording_progress(app, client, auth, scene, make_department):
    victim, other = scene
    department = make_department()
    staff = auth.as_role(Role.SECRETARIAT)
    with app.app_context():
        from ideas.workflow.pilots import PilotPlan

        row, actor = db.session.get(Idea, other.id), db.session.get(User, staff.id)
        row.stage = Stage.ASSESSED
        plan = PilotPlan("It saves money.", "Costs fall.", db.session.get(type(department),
                         department.id), date(2025, 6, 1), date(2025, 11, 30))  # fmt: skip
        move_stage(row, Stage.PILOTED, actor, RATIONALE, pilot=plan)
        db.session.commit()
    data = {"progress": "40", "milestone": "Printers installed", "happened_on": "2025-07-01",
            **forged(victim.id, other.id, except_fields={"progress"})}  # fmt: skip
    response = client.post(f"/ideas/{other.id}/progress", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        assert db.session.get(Idea, other.id).progress == 40
    assert_nothing_forged(app, victim, _roles(app), stages={other.id: Stage.PILOTED})


def test_registering(app, client, scene, mail_server):
    victim, other = scene
    password = "a long enough passphrase 42"
    data = {"email": "new.member@example.gc.ca", "display_name": "New Member",
            "department": "0", "locale": "en", "password": password, "confirm": password,
            **forged(victim.id, other.id, except_fields={"email"})}  # fmt: skip
    assert client.post("/register", data=data).status_code == 302
    text = mail_server.wait_for(1)[0].get_content()
    link = re.search(r"http://localhost(/register/confirm/\S+)", text).group(1)
    # The confirming button posts only a CSRF token; forged fields there are ignored too.
    assert client.post(link, data=forged(victim.id, other.id)).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.member@example.gc.ca"))
        assert user is not None and user.id != FORGED_ID
    assert_nothing_forged(app, victim, {})


def test_moving_ideas_in_bulk_from_triage(app, client, auth, scene):
    victim, other = scene
    auth.as_role(Role.SECRETARIAT)
    data = {"ideas": [str(other.id)], "action": "move", "to_stage": "under_review",
            "rationale": RATIONALE, **forged(victim.id, other.id)}  # fmt: skip
    assert client.post("/triage/bulk", data=data).status_code == 302
    assert_nothing_forged(app, victim, _roles(app), stages={other.id: Stage.UNDER_REVIEW})


def test_dismissing_reports_as_a_moderator(app, client, auth, scene, make_user):
    victim, other = scene
    from ideas.moderation.services import flag_content

    reporter = make_user()
    with app.app_context():
        flag_content(db.session.get(User, reporter.id), db.session.get(Idea, other.id),
                     reason="Looks like spam to me.")  # fmt: skip
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    data = {"reason": "Not spam, on reflection.", "dismiss": "y", **forged(victim.id, other.id)}
    assert client.post(f"/moderation/ideas/{other.id}", data=data).status_code == 302
    assert_nothing_forged(app, victim, _roles(app))


def test_publishing_a_progress_report(app, client, auth, scene):
    victim, other = scene
    if "dashboard.publish_progress_report" not in app.view_functions:
        pytest.skip("no published reports on this branch")
    from ideas.dashboard.models import PublishedReport

    me = auth.as_role(Role.SECRETARIAT)
    data = {"title": "Progress this quarter", **forged(victim.id, other.id)}
    response = client.post("/reports/progress/publish", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        report = db.session.scalar(select(PublishedReport))
        assert report.title == "Progress this quarter"
        assert report.published_by_id == me.id
    assert_nothing_forged(app, victim, _roles(app))
