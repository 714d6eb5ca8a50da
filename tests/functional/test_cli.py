"""Operator commands: `flask users create`, `flask users set-role` and `flask seed-demo`."""

import re
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.board.models import Comment, Follow, Idea, Vote
from ideas.board.services import IdeaFilters
from ideas.extensions import db
from ideas.groups.models import Group, GroupKind, Membership
from ideas.moderation.models import Flag
from ideas.workflow.models import Assessment, Milestone, OfficialResponse, Pilot, StageChange
from ideas.workflow.stages import Stage
from ideas.workflow.triage import Bucket, bucket_counts
from tests.conftest import PASSWORD, wipe_database
from tests.functional.html_dom import parse

FIXED_SIGN_INS = {
    "admin@example.gc.ca": Role.ADMIN,
    "secretariat@example.gc.ca": Role.SECRETARIAT,
    "executive@example.gc.ca": Role.EXECUTIVE,
    "member@example.gc.ca": Role.MEMBER,
}


def invoke(application, *args, **kwargs):
    return application.test_cli_runner().invoke(args=list(args), **kwargs)


def _get_user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- users create -------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_users_create_with_role(app, client, role):
    result = invoke(
        app, "users", "create", "Chief@Example.GC.ca", "--role", role.value, "--password", PASSWORD
    )

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Created chief@example.gc.ca ({role.value})."
    user = _get_user(app, "chief@example.gc.ca")
    assert user.role is role
    assert user.display_name == "Chief"
    assert user.active
    assert PASSWORD not in user.password_hash
    # The account works on the site with that password.
    response = client.post("/sign-in", data={"email": "chief@example.gc.ca", "password": PASSWORD})
    assert response.status_code == 302


def test_users_create_defaults_to_member_and_takes_a_name(app):
    result = invoke(
        app,
        "users",
        "create",
        "ada@example.gc.ca",
        "--name",
        "Ada Lovelace",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    user = _get_user(app, "ada@example.gc.ca")
    assert user.role is Role.MEMBER
    assert user.display_name == "Ada Lovelace"


def test_users_create_prompts_for_the_password_twice(app, client):
    result = invoke(app, "users", "create", "ada@example.gc.ca", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # the prompt does not echo it
    response = client.post("/sign-in", data={"email": "ada@example.gc.ca", "password": PASSWORD})
    assert response.status_code == 302


def test_users_create_refuses_mismatched_prompted_passwords(app):
    result = invoke(
        app, "users", "create", "ada@example.gc.ca", input=f"{PASSWORD}\nsomething-else-x\n"
    )
    assert result.exit_code != 0
    assert _count(app, User) == 0


@pytest.mark.parametrize("email", ["taken@example.gc.ca", "TAKEN@example.gc.ca"])
def test_users_create_duplicate_email_fails(app, make_user, email):
    make_user(email="taken@example.gc.ca", role=Role.MEMBER)

    result = invoke(app, "users", "create", email, "--role", "admin", "--password", PASSWORD)

    assert result.exit_code == 1
    assert "Error: An account with this email already exists." in result.output
    assert _count(app, User) == 1
    assert _get_user(app, "taken@example.gc.ca").role is Role.MEMBER


def test_users_create_bad_role_fails(app):
    result = invoke(
        app, "users", "create", "ada@example.gc.ca", "--role", "emperor", "--password", PASSWORD
    )
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert "'emperor' is not one of" in result.output
    assert _count(app, User) == 0


def test_users_create_short_password_fails(app):
    result = invoke(app, "users", "create", "ada@example.gc.ca", "--password", "short")
    assert result.exit_code == 1
    assert "Error: Use at least 12 characters." in result.output
    assert _count(app, User) == 0


def test_users_create_respects_allowed_domains(app):
    app.config["ALLOWED_EMAIL_DOMAINS"] = ["canada.ca"]
    result = invoke(app, "users", "create", "ada@gmail.com", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "this domain is not accepted here" in result.output
    assert _count(app, User) == 0


# --- users set-role -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.EXECUTIVE, Role.ADMIN, Role.MEMBER])
def test_users_set_role(app, make_user, role):
    start = Role.ADMIN if role is Role.MEMBER else Role.MEMBER
    user = make_user(email="grace@example.gc.ca", role=start)

    result = invoke(app, "users", "set-role", "Grace@Example.gc.ca", role.value)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"grace@example.gc.ca is now {role.value}."
    assert _get_user(app, user.email).role is role


def test_users_set_role_takes_effect_on_the_site(app, client, auth, make_user):
    user = auth.sign_in(make_user(email="grace@example.gc.ca"))
    # Only administrators are offered department groups.
    assert parse(client.get("/groups/new").text).find("select", id="kind") is None
    assert invoke(app, "users", "set-role", user.email, "admin").exit_code == 0
    page = parse(client.get("/groups/new").text)
    assert page.one("select", id="kind").option_values() == ["topic", "department"]


def test_users_set_role_unknown_email_fails(app, make_user):
    make_user(email="grace@example.gc.ca")
    result = invoke(app, "users", "set-role", "nobody@example.gc.ca", "admin")
    assert result.exit_code == 1
    assert "Error: No account with the email nobody@example.gc.ca." in result.output
    assert _get_user(app, "grace@example.gc.ca").role is Role.MEMBER


def test_users_set_role_bad_role_fails(app, make_user):
    user = make_user(email="grace@example.gc.ca")
    result = invoke(app, "users", "set-role", user.email, "emperor")
    assert result.exit_code == 2
    assert "'emperor' is not one of" in result.output
    assert _get_user(app, user.email).role is Role.MEMBER


# --- seed-demo ----------------------------------------------------------------------------


def test_seed_demo_if_empty_on_a_non_empty_database_does_nothing(app, make_user):
    make_user(email="only@example.gc.ca")

    result = invoke(app, "seed-demo", "--if-empty")

    assert result.exit_code == 0, result.output
    assert "The database already has data; demo data not added." in result.output
    assert _count(app, User) == 1
    assert _count(app, Idea) == 0
    assert _count(app, Department) == 0
    assert _count(app, Group) == 0


def test_seed_demo_without_flag_on_a_non_empty_database_fails(app, make_user):
    make_user(email="only@example.gc.ca")

    result = invoke(app, "seed-demo")

    assert result.exit_code == 1
    assert "Error: The database already has users; seed-demo needs an empty one." in result.output
    assert _count(app, User) == 1
    assert _count(app, Idea) == 0
    assert _count(app, Department) == 0


@pytest.fixture(scope="class")
def seeded(_app):
    """One demo seed shared by the read-only tests of this class (it takes seconds).

    It uses the session app directly rather than `app`, whose clean-up after each test
    would empty the database; it empties it itself once the class is done, before any
    other test runs.
    """
    wipe_database(_app)
    # As `make run` does: the demo's 50 members owe a response after 10 up votes.
    saved_threshold = _app.config["RESPONSE_THRESHOLD_VOTES"]
    _app.config["RESPONSE_THRESHOLD_VOTES"] = 10
    result = invoke(_app, "seed-demo")
    _app.config["RESPONSE_THRESHOLD_VOTES"] = saved_threshold
    assert result.exit_code == 0, result.output
    yield _app, result.output
    wipe_database(_app)


class TestSeedDemoOnEmptyDatabase:
    """`flask seed-demo` on an empty database; one seed is shared by the tests here."""

    def test_seed_demo_reports_what_it_made(self, seeded):
        _app, output = seeded
        assert "Demo data: 50 users, 200 ideas," in output
        match = re.search(r"Demo sign-ins \(password for all: (\S+)\):", output)
        assert match
        for email, role in FIXED_SIGN_INS.items():
            assert re.search(rf"^\s+{role.value}\s+{re.escape(email)}$", output, re.MULTILINE)

    def test_seed_demo_users_and_fixed_sign_ins(self, seeded):
        app, _output = seeded
        with app.app_context():
            users = db.session.scalars(select(User)).all()
            assert len(users) == 50
            assert len({user.email for user in users}) == 50
            by_email = {user.email: user for user in users}
            for email, role in FIXED_SIGN_INS.items():
                assert by_email[email].role is role
                assert by_email[email].active
            roles = {user.role for user in users}
            assert roles == set(Role)
            assert all(user.department_id is not None for user in users)
            assert {user.locale for user in users} <= set(app.config["LANGUAGES"])

    def test_seed_demo_departments_span_the_three_levels(self, seeded):
        app, _output = seeded
        with app.app_context():
            departments = db.session.scalars(select(Department)).all()
            assert 18 <= len(departments) <= 22
            levels = {department.level for department in departments}
            assert levels == set(GovernmentLevel)
            # Every department is named in the three languages.
            assert all(d.name_en and d.name_fr and d.name_zh for d in departments)

    def test_seed_demo_groups(self, seeded):
        app, _output = seeded
        with app.app_context():
            groups = db.session.scalars(select(Group)).all()
            assert len(groups) == 10
            kinds = {group.kind for group in groups}
            assert kinds == set(GroupKind)
            for group in groups:
                if group.kind is GroupKind.DEPARTMENT:
                    assert group.department_id is not None
            # Each group's member counter matches its memberships.
            counts = dict(
                db.session.execute(
                    select(Membership.group_id, func.count()).group_by(Membership.group_id)
                ).all()
            )
            assert {group.id: group.member_count for group in groups} == {
                group.id: counts.get(group.id, 0) for group in groups
            }

    def test_seed_demo_ideas_comments_votes_and_stages(self, seeded):
        app, _output = seeded
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Idea)) == 200
            assert db.session.scalar(select(func.count()).select_from(Comment)) > 200
            assert db.session.scalar(select(func.count()).select_from(Vote)) > 200
            assert db.session.scalar(select(func.count()).select_from(Follow)) >= 200
            stages = set(db.session.scalars(select(Idea.stage).distinct()))
            assert len(stages) > 1
            assert Stage.PROPOSED in stages
            # Replies exist, and nobody voted on their own idea.
            assert db.session.scalar(select(func.count()).where(Comment.parent_id.is_not(None))) > 0
            own_votes = select(func.count()).select_from(Vote).join(Idea, Idea.id == Vote.idea_id)
            assert db.session.scalar(own_votes.where(Vote.user_id == Idea.author_id)) == 0

    def test_seed_demo_stage_history_matches_each_ideas_stage(self, seeded):
        app, _output = seeded
        with app.app_context():
            for idea in db.session.scalars(select(Idea)):
                history = db.session.scalars(
                    select(StageChange)
                    .where(StageChange.idea_id == idea.id)
                    .order_by(StageChange.created_at, StageChange.id)
                ).all()
                assert history[0].from_stage is None
                assert history[0].to_stage is Stage.PROPOSED
                assert history[-1].to_stage is idea.stage
                for previous, change in pairwise(history):
                    assert change.from_stage is previous.to_stage

    def test_seed_demo_counters_equal_the_rows(self, seeded):
        app, _output = seeded

        def per_idea(statement):
            return dict(db.session.execute(statement).all())

        with app.app_context():
            ups = per_idea(
                select(Vote.idea_id, func.count()).where(Vote.value == 1).group_by(Vote.idea_id)
            )
            downs = per_idea(
                select(Vote.idea_id, func.count()).where(Vote.value == -1).group_by(Vote.idea_id)
            )
            # comment_count counts what members see: hidden comments are left out.
            comments = per_idea(
                select(Comment.idea_id, func.count())
                .where(Comment.hidden.is_(False))
                .group_by(Comment.idea_id)
            )
            follows = per_idea(select(Follow.idea_id, func.count()).group_by(Follow.idea_id))
            mismatches = []
            for idea in db.session.scalars(select(Idea)):
                stored = (idea.up_count, idea.down_count, idea.comment_count, idea.follower_count)
                counted = (
                    ups.get(idea.id, 0),
                    downs.get(idea.id, 0),
                    comments.get(idea.id, 0),
                    follows.get(idea.id, 0),
                )
                if stored != counted:
                    mismatches.append((idea.id, stored, counted))
            assert mismatches == []
            # The counters are not all zero: the check above compared real numbers.
            assert sum(ups.values()) > 0 and sum(downs.values()) > 0

    def test_seed_demo_gives_the_secretariat_a_living_workflow(self, seeded):
        app, _output = seeded
        with app.app_context():
            counts = bucket_counts(IdeaFilters())
            assert counts[Bucket.NEW] > 0
            assert counts[Bucket.AWAITING] + counts[Bucket.OVERDUE] > 0
            assert db.session.scalar(select(func.count(Assessment.id))) > 0
            assert db.session.scalar(select(func.count(Pilot.id)).where(Pilot.outcome.is_not(None)))
            assert db.session.scalar(select(func.count(Milestone.id))) > 0
            assert db.session.scalar(select(func.count(OfficialResponse.id))) > 0
            assert db.session.scalar(select(func.count(Flag.id))) > 0
            merged = db.session.scalars(select(Idea).where(Idea.stage == Stage.MERGED)).all()
            assert merged and all(idea.merged_into_id is not None for idea in merged)
            # Ideas owed a response and answered are marked responded.
            responded = select(func.count(Idea.id)).where(Idea.responded_at.is_not(None))
            assert db.session.scalar(responded) == db.session.scalar(
                select(func.count(func.distinct(OfficialResponse.idea_id)))
            )

    def test_seed_demo_user_signs_in_with_printed_password(self, seeded):
        app, output = seeded
        password = re.search(r"password for all: (\S+)\)", output).group(1)
        client = app.test_client()
        for email in FIXED_SIGN_INS:
            # Take the token from the form, as a browser would.
            form = parse(client.get("/sign-in").text).one("main").one("form")
            token = form.one("input", name="csrf_token").get("value")
            response = client.post(
                "/sign-in", data={"email": email, "password": password, "csrf_token": token}
            )
            assert response.status_code == 302, email
            assert response.location == "/"
            assert client.get("/profile").status_code == 200
            token = parse(client.get("/profile").text).one("form", action="/sign-out")
            client.post(
                "/sign-out",
                data={"csrf_token": token.one("input", name="csrf_token").get("value")},
            )
        # A wrong password is still refused.
        form = parse(client.get("/sign-in").text).one("main").one("form")
        response = client.post(
            "/sign-in",
            data={
                "email": "admin@example.gc.ca",
                "password": password + "x",
                "csrf_token": form.one("input", name="csrf_token").get("value"),
            },
        )
        assert response.status_code == 422
