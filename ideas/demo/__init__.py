"""`flask seed-demo`: realistic demonstration data for a fresh installation."""

import random
import unicodedata
from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.accounts.services import hash_password
from ideas.board.models import Comment, Idea, Theme, Vote
from ideas.board.ranking import hot_score
from ideas.board.services import cast_vote, follow_idea, post_comment, post_idea
from ideas.dashboard.rollup import refresh as refresh_rollup
from ideas.demo.content import COMMENTS, DEPARTMENTS, GROUPS, IDEA_SEEDS
from ideas.demo.reports import publish_demo_reports
from ideas.demo.workflow import run_workflow
from ideas.extensions import db
from ideas.groups.models import GroupKind
from ideas.groups.services import create_group, is_member, join_group
from ideas.timeutil import utcnow
from ideas.web import transaction

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_DOMAIN = "example.gc.ca"
# The fixed demo sign-ins listed in the README, one per role.
DEMO_SIGN_INS = [
    ("admin", Role.ADMIN, "Alex Administrator"),
    ("secretariat", Role.SECRETARIAT, "Sam Secretariat"),
    ("executive", Role.EXECUTIVE, "Erin Executive"),
    ("member", Role.MEMBER, "Morgan Member"),
]


def _departments() -> list[Department]:
    departments = [
        Department(name_en=en, name_fr=fr, name_zh=zh, level=GovernmentLevel(level))
        for en, fr, zh, level in DEPARTMENTS
    ]
    db.session.add_all(departments)
    db.session.flush()
    return departments


def _users(rng: random.Random, departments: list[Department], count: int) -> list[User]:
    # One hash for every demo account: they share the printed demo password, and hashing
    # fifty times at the production cost would make `make run` slow for nothing.
    password_hash = hash_password(DEMO_PASSWORD)
    given = ["Amélie", "Ben", "Chen", "Divya", "Émile", "Fatima", "Gabriel", "Hana", "Isaac",
             "Jia-Hui", "Kwame", "Léa", "Mohammed", "Nora", "Olivier", "Priya", "Quinn",
             "Rosalie", "Siddharth", "Tamara", "Uma", "Victor", "Wen", "Xavier", "Yasmin", "Zoé"]  # fmt: skip
    family = ["Tremblay", "Singh", "Wang", "Gagnon", "Roy", "Smith", "Lin", "Côté", "Brown",
              "Nguyen", "Martin", "Chen", "Bouchard", "Wilson", "Lavoie", "Huang"]  # fmt: skip
    users = []
    for index, (local, role, name) in enumerate(DEMO_SIGN_INS):
        user = _user(f"{local}@{DEMO_DOMAIN}", name, role, departments[index], password_hash)
        users.append(user)
    roles = [Role.SECRETARIAT] * 4 + [Role.EXECUTIVE] * 3 + [Role.ADMIN] * 1
    for index in range(count - len(users)):
        first, last = rng.choice(given), rng.choice(family)
        role = roles[index] if index < len(roles) else Role.MEMBER
        email = f"{_ascii(first)}.{_ascii(last)}{index + 1}@{DEMO_DOMAIN}"
        user = _user(email, f"{first} {last}", role, rng.choice(departments), password_hash)
        # Most demo members read English, many French, some Traditional Chinese.
        user.locale = rng.choices(["en", "fr", "zh_Hant_TW"], weights=[6, 3, 1])[0]
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    return users


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _user(email: str, name: str, role: Role, department: Department, password_hash: str) -> User:
    return User(
        email=email,
        display_name=name,
        password_hash=password_hash,
        role=role,
        department=department,
        locale="en",
        created_at=utcnow() - timedelta(days=200),
    )


def seed_demo(users_count: int = 50, ideas_count: int = 200, seed: int = 2020) -> dict[str, int]:
    """Create departments, groups, users, ideas, comments and votes, then run the workflow."""
    rng = random.Random(seed)
    themes = list(db.session.scalars(select(Theme).order_by(Theme.position)))
    departments = _departments()
    users = _users(rng, departments, users_count)
    admin = users[0]
    groups = []
    for name, description, dept_index in GROUPS:
        kind = GroupKind.TOPIC if dept_index is None else GroupKind.DEPARTMENT
        creator = admin if kind is GroupKind.DEPARTMENT else rng.choice(users)
        department = departments[dept_index] if dept_index is not None else None
        groups.append(create_group(creator, name, description, kind, department))
    for user in users:
        for group in rng.sample(groups, rng.randint(0, 4)):
            join_group(user, group)
    now = utcnow()
    for index in range(ideas_count):
        title, body = IDEA_SEEDS[index % len(IDEA_SEEDS)]
        if index >= len(IDEA_SEEDS):
            title = f"{title} ({index // len(IDEA_SEEDS) + 1})"
        author = rng.choice(users)
        my_groups = [g for g in groups if is_member(author, g)]
        group = rng.choice(my_groups) if my_groups and rng.random() < 0.5 else None
        # The demo texts are English whatever their author reads.
        idea = post_idea(author, title, body, rng.choice(themes), group, language="en")
        # Spread creation over the six months of a campaign.
        created = now - timedelta(minutes=rng.randint(60, 180 * 24 * 60))
        idea.created_at = idea.updated_at = created
        idea.history[0].created_at = created
        idea.hot = hot_score(0, 0, created)
        db.session.flush()
        # A long tail: a few ideas gather many votes, most gather few.
        voters = rng.sample(users, min(len(users), int(rng.paretovariate(1.1) * 4)))
        for voter in voters:
            if voter.id != author.id:
                cast_vote(voter, idea, 1 if rng.random() < 0.8 else -1)
        for _ in range(rng.randint(0, 6)):
            commenter = rng.choice(users)
            comment = post_comment(commenter, idea, rng.choice(COMMENTS))
            comment.created_at = comment.updated_at = created + timedelta(hours=rng.randint(1, 300))
            if rng.random() < 0.3:
                reply = post_comment(rng.choice(users), idea, rng.choice(COMMENTS), comment)
                reply.created_at = reply.updated_at = comment.created_at + timedelta(hours=2)
        for follower in rng.sample(users, rng.randint(0, 3)):
            follow_idea(follower, idea)
    db.session.flush()
    run_workflow(rng, users, departments)
    # A separate generator, so the dashboard's additions leave the rest of the demo as it was.
    _liven_dashboard(random.Random(seed + 1), departments, now)
    # Last, so the frozen reports hold the demo's final dates and votes.
    publish_demo_reports(users, now.date())
    return {
        "users": len(users),
        "ideas": db.session.scalar(select(func.count(Idea.id))),
        "comments": db.session.scalar(select(func.count(Comment.id))),
    }


def _liven_dashboard(rng: random.Random, departments: list[Department], now) -> None:
    """Headcounts for most departments, and votes spread over the weeks after each idea.

    Votes cast through the service are stamped "now"; an executive signing in to the demo
    should instead see weeks of activity, and participation per head where it is known.
    """
    for department in departments:
        if rng.random() < 0.75:
            # Teams taking part in the campaign, not whole departments: rates stay readable.
            department.headcount = rng.choice([40, 60, 80, 120, 150, 200, 250, 400])
    ideas = {idea.id: idea.created_at for idea in db.session.scalars(select(Idea))}
    for vote in db.session.scalars(select(Vote)):
        # Most votes come in the first days after posting, a few weeks later.
        delay = timedelta(hours=rng.expovariate(1 / 120))
        vote.created_at = vote.updated_at = min(ideas[vote.idea_id] + delay, now)
    db.session.flush()


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Fill the database with realistic demonstration data."""
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("The database already has data; demo data not added.")
            _print_sign_ins()
            return
        raise click.ClickException("The database already has users; seed-demo needs an empty one.")
    with transaction():
        counts = seed_demo()
    # The demo's activity is backdated over weeks: roll it up as the nightly job would,
    # so a newcomer's dashboard reads the roll-up like a production one.
    rolled = refresh_rollup()
    click.echo(
        f"Demo data: {counts['users']} users, {counts['ideas']} ideas, "
        f"{counts['comments']} comments; {rolled.days} days rolled up for the dashboard."
    )
    _print_sign_ins()


def _print_sign_ins() -> None:
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for local, role, _name in DEMO_SIGN_INS:
        click.echo(f"  {role.value:<12} {local}@{DEMO_DOMAIN}")
