"""The progress report against a hand-built world whose right answer is known.

`build_world` makes a few ideas in March 2026 (and some just outside it, one hidden),
moves them through the real services, then dates every row by hand. Every figure the
report shows is then checked against what a person counting by hand finds.
"""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from ideas.accounts.models import Role, User
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Idea, Vote
from ideas.board.services import cast_vote, post_comment
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.models import PublishedReport
from ideas.dashboard.report_formats import report_csv, report_markdown
from ideas.dashboard.reports import (
    build_progress_report,
    publish_report,
    report_filters,
)
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.workflow.merges import merge_ideas
from ideas.workflow.models import Pilot, PilotOutcome, StageChange
from ideas.workflow.pilots import PilotPlan, PilotResult
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage

START, END = date(2026, 3, 1), date(2026, 3, 31)
MARCH = DashboardFilters(start=START, end=END)
REVIEW = "Reviewed at the weekly triage meeting with the policy team."
PILOT = "The assessment recommends a pilot in two offices first."
DONE = "The pilot met its success measure; rolling out everywhere."
MERGE = "Same proposal as the shared desks idea, merged to keep votes together."


def at(day: int, month: int = 3, hour: int = 12) -> datetime:
    """Noon on a day of 2026."""
    return datetime(2026, month, day, hour)


@dataclass
class World:
    """Ids of what build_world made."""

    staff: int
    cra: int
    ps: int
    desks: int  # i1: posted in March, 3 votes, moved twice, piloted (running)
    forms: int  # i2: posted in March, another theme and department, 1 up 1 down
    printers: int  # i3: posted in January, implemented in March after a pilot
    duplicate: int  # i6: posted in March, merged into desks in March
    hidden: int  # i4: posted, voted and moved in March, but hidden
    april: int  # i5: posted in April


def _date_last_change(idea: Idea, when: datetime) -> None:
    change = db.session.scalars(
        select(StageChange)
        .where(StageChange.idea_id == idea.id)
        .order_by(StageChange.id.desc())
        .limit(1)
    ).one()
    change.created_at = when


def _date_votes(idea: Idea, when: datetime) -> None:
    db.session.execute(update(Vote).where(Vote.idea_id == idea.id).values(created_at=when))


def _posted(idea: Idea, when: datetime) -> None:
    """Date an idea's posting, and its creation row in the history with it."""
    idea.created_at = idea.updated_at = idea.stage_changed_at = when
    _date_last_change(idea, when)


def build_world(make_user, make_department, make_idea) -> World:
    """The hand-built fixture (needs an application context: the rows stay attached)."""
    cra = make_department(
        "Canada Revenue Agency", name_fr="Agence du revenu du Canada", name_zh="加拿大稅務局"
    )
    ps = make_department("Public Safety Canada", name_fr="Sécurité publique Canada")
    staff = make_user(role=Role.SECRETARIAT, display_name="Sam Staff", email="sam@example.gc.ca")
    ana = make_user(department=cra, display_name="Ana Author", email="ana@example.gc.ca")
    bob = make_user(department=ps, display_name="Bob Builder", email="bob@example.gc.ca")
    voters = [make_user(department=cra, display_name=f"Voter {n}") for n in range(3)]

    desks = make_idea(author=ana, title="Shared desks in every regional office")
    _posted(desks, at(5))
    for voter in voters:
        cast_vote(voter, desks, 1)
    _date_votes(desks, at(6))
    comment = post_comment(voters[0], desks, "A good idea, and cheap.")
    comment.created_at = at(9)
    gone = post_comment(voters[1], desks, "Rude words.")
    gone.created_at, gone.hidden = at(9), True
    desks.comment_count -= 1  # as moderation does when it hides a comment
    move_stage(desks, Stage.UNDER_REVIEW, staff, REVIEW)
    _date_last_change(desks, at(10))
    desks.stage = Stage.ASSESSED  # the assessment itself is not what this test is about
    plan = PilotPlan(
        "Shared desks cut lease costs.",
        "Costs fall 10%.",
        cra,
        date(2026, 3, 16),
        date(2026, 6, 30),
    )
    move_stage(desks, Stage.PILOTED, staff, PILOT, pilot=plan)
    _date_last_change(desks, at(15))

    forms = make_idea(author=bob, title="Online expense forms", theme="people-management")
    _posted(forms, at(7))
    cast_vote(voters[0], forms, 1)
    cast_vote(voters[1], forms, -1)
    _date_votes(forms, at(8))
    move_stage(forms, Stage.UNDER_REVIEW, staff, REVIEW)
    _date_last_change(forms, at(5, month=4))  # after the period

    printers = make_idea(author=ana, title="Shared printers on every floor")
    _posted(printers, at(10, month=1))
    printers.stage = Stage.ASSESSED
    early = PilotPlan(
        "Shared printers cut costs.", "Costs fall 5%.", ps, date(2026, 1, 15), date(2026, 2, 28)
    )
    move_stage(printers, Stage.PILOTED, staff, PILOT, pilot=early)
    _date_last_change(printers, at(14, month=1))
    move_stage(
        printers,
        Stage.IMPLEMENTED,
        staff,
        DONE,
        outcome=PilotResult(PilotOutcome.SUCCEEDED, "Costs fell 12%."),
    )
    _date_last_change(printers, at(20))
    db.session.execute(
        update(Pilot).where(Pilot.idea_id == printers.id).values(concluded_at=at(20))
    )

    duplicate = make_idea(author=bob, title="Desk sharing")
    _posted(duplicate, at(11))
    merge_ideas(duplicate, desks, staff, MERGE)
    _date_last_change(duplicate, at(12))

    hidden = make_idea(author=ana, title="A hidden idea about desks")
    _posted(hidden, at(6))
    cast_vote(voters[2], hidden, 1)
    _date_votes(hidden, at(6))
    move_stage(hidden, Stage.UNDER_REVIEW, staff, REVIEW)
    _date_last_change(hidden, at(13))
    hidden.hidden = True

    april = make_idea(author=ana, title="An idea from April")
    _posted(april, at(2, month=4))
    cast_vote(voters[0], april, 1)
    _date_votes(april, at(3, month=4))
    db.session.commit()
    return World(
        staff.id, cra.id, ps.id, desks.id, forms.id, printers.id, duplicate.id, hidden.id, april.id
    )


@pytest.fixture
def world(ctx, make_user, make_department, make_idea):
    return build_world(make_user, make_department, make_idea)


def test_totals_count_the_period_and_leave_out_hidden_ideas(world):
    report = build_progress_report(MARCH)
    assert report["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert report["totals"] == {
        "ideas": 3,  # desks, forms, duplicate (not printers: January; not april; not hidden)
        "comments": 1,  # the hidden comment does not count
        "votes": 5,  # 3 on desks + 2 on forms
        "moves": 4,  # desks twice, duplicate merged, printers implemented
        "implemented": 1,
        "pilots": 2,  # desks running; printers concluded in March
    }


def test_what_was_heard_lists_top_ideas_by_theme_without_merged_ones(world):
    heard = {theme["code"]: theme for theme in build_progress_report(MARCH)["heard"]}
    assert list(heard) == [
        "innovation", "process-empowerment", "fundamentals", "people-management",
        "modern-technology",
    ]  # fmt: skip
    assert heard["innovation"]["count"] == 2
    assert [idea["id"] for idea in heard["innovation"]["ideas"]] == [world.desks]
    top = heard["innovation"]["ideas"][0]
    assert (top["up"], top["down"], top["stage"]) == (3, 0, "piloted")
    assert heard["people-management"]["count"] == 1
    assert [idea["id"] for idea in heard["people-management"]["ideas"]] == [world.forms]
    assert heard["fundamentals"] == {**heard["fundamentals"], "count": 0, "ideas": []}
    assert heard["innovation"]["names"] == {"en": "Innovation", "fr": "Innovation", "zh": "創新"}


def test_what_moved_lists_every_stage_change_of_the_period_with_its_rationale(world):
    report = build_progress_report(MARCH)
    moves = [(m["idea"]["id"], m["from"], m["to"], m["rationale"]) for m in report["moved"]]
    assert moves == [
        (world.desks, "proposed", "under_review", REVIEW),
        (world.duplicate, "proposed", "merged", MERGE),
        (world.desks, "assessed", "piloted", PILOT),
        (world.printers, "piloted", "implemented", DONE),
    ]
    assert report["moved_total"] == 4
    assert report["moved"][0]["at"] == "2026-03-10T12:00:00"


def test_what_was_piloted_and_implemented(world):
    report = build_progress_report(MARCH)
    pilots = {p["idea"]["id"]: p for p in report["piloted"]}
    assert list(pilots) == [world.printers, world.desks]  # by start date
    assert pilots[world.printers]["outcome"] == "succeeded"
    assert pilots[world.printers]["findings"] == "Costs fell 12%."
    assert pilots[world.printers]["lead_department"]["en"] == "Public Safety Canada"
    assert pilots[world.desks]["outcome"] is None
    assert (pilots[world.desks]["starts_on"], pilots[world.desks]["ends_on"]) == (
        "2026-03-16",
        "2026-06-30",
    )
    assert [(i["idea"]["id"], i["rationale"]) for i in report["implemented"]] == [
        (world.printers, DONE)
    ]


def test_counts_by_theme_and_department(world):
    report = build_progress_report(MARCH)
    measures = ("ideas", "comments", "votes", "moves", "implemented")
    themes = {row["code"]: tuple(row[m] for m in measures) for row in report["by_theme"]}
    assert themes == {
        "innovation": (2, 1, 3, 4, 1),
        "process-empowerment": (0, 0, 0, 0, 0),
        "fundamentals": (0, 0, 0, 0, 0),
        "people-management": (1, 0, 2, 0, 0),
        "modern-technology": (0, 0, 0, 0, 0),
    }
    departments = [
        (row["names"]["en"], *(row[m] for m in measures)) for row in report["by_department"]
    ]
    assert departments == [
        ("Public Safety Canada", 2, 0, 2, 1, 0),  # forms and the duplicate, by Bob
        ("Canada Revenue Agency", 1, 1, 3, 3, 1),  # desks and printers, by Ana
    ]


def test_scope_filters_narrow_the_report(world):
    report = build_progress_report(DashboardFilters(start=START, end=END, department_id=world.cra))
    assert report["totals"]["ideas"] == 1
    assert report["scope"]["department"]["fr"] == "Agence du revenu du Canada"
    assert {m["idea"]["id"] for m in report["moved"]} == {world.desks, world.printers}


def test_an_empty_period_is_a_report_with_nothing_in_it(world):
    report = build_progress_report(DashboardFilters(start=date(2020, 1, 1), end=date(2020, 1, 31)))
    assert report["moved"] == report["piloted"] == report["implemented"] == []
    assert report["by_department"] == []
    assert set(report["totals"].values()) == {0}


@pytest.mark.parametrize(
    ("args", "start", "end", "errors"),
    [
        ({}, date(2026, 3, 4), date(2026, 3, 31), 0),  # the last 28 days
        ({"from": "2026-01-01", "to": "2026-01-31"}, date(2026, 1, 1), date(2026, 1, 31), 0),
        ({"from": "yesterday", "to": "2026-02-30"}, date(2026, 3, 4), date(2026, 3, 31), 2),
        ({"from": "2026-02-01", "to": "2026-01-01"}, date(2026, 3, 4), date(2026, 3, 31), 1),
        ({"from": "0001-01-01", "to": "9999-12-31"}, date(1900, 1, 1), date(9999, 1, 1), 0),
    ],
)
def test_the_period_always_has_both_dates(args, start, end, errors):
    filters = report_filters(args, date(2026, 3, 31))
    assert (filters.start, filters.end, len(filters.errors)) == (start, end, errors)


def test_a_far_future_period_builds_without_error(ctx):
    filters = report_filters({"from": "9998-12-31", "to": "9999-12-31"}, date(2026, 3, 31))
    assert build_progress_report(filters)["totals"]["ideas"] == 0


def test_publishing_freezes_the_report_and_audits_it(world):
    staff = db.session.get(User, world.staff)
    published = publish_report(staff, MARCH, "  Progress,   March 2026 ")
    db.session.commit()
    assert published.title == "Progress, March 2026"
    assert (published.period_start, published.period_end) == (START, END)
    frozen = build_progress_report(MARCH)
    assert {k: v for k, v in published.snapshot.items() if k != "generated_at"} == {
        k: v for k, v in frozen.items() if k != "generated_at"
    }
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "report.publish")
    ).one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        world.staff,
        "published_report",
        published.id,
    )
    assert entry.details["period_start"] == "2026-03-01"


def test_a_published_report_stays_frozen_when_the_data_changes(world, make_user):
    staff = db.session.get(User, world.staff)
    report_id = publish_report(staff, MARCH, "March 2026").id
    db.session.commit()
    before = db.session.get(PublishedReport, report_id).snapshot

    # Later: a title changes, an idea is hidden, another moves and gets votes in March.
    desks = db.session.get(Idea, world.desks)
    desks.title = "Renamed after publication"
    forms = db.session.get(Idea, world.forms)
    cast_vote(make_user(), forms, 1)
    db.session.execute(update(Vote).values(created_at=at(20)).where(Vote.idea_id == forms.id))
    db.session.get(Idea, world.printers).hidden = True
    db.session.execute(update(Comment).values(created_at=at(21)))
    db.session.commit()
    db.session.expire_all()

    live = build_progress_report(MARCH)
    assert live["totals"]["votes"] != before["totals"]["votes"]
    assert live["implemented"] == []
    stored = db.session.get(PublishedReport, report_id)
    assert stored.snapshot == before
    assert (
        stored.snapshot["heard"][0]["ideas"][0]["title"] == "Shared desks in every regional office"
    )
    assert stored.snapshot["implemented"][0]["idea"]["id"] == world.printers
    assert stored.snapshot["totals"]["votes"] == 5


def test_only_secretariat_and_admins_publish(world, make_user):
    for role in (Role.MEMBER, Role.EXECUTIVE):
        with pytest.raises(PermissionDenied):
            publish_report(make_user(role=role), MARCH, "Not allowed")
    admin = make_user(role=Role.ADMIN)
    assert publish_report(admin, MARCH, "Allowed").id


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_published_report_needs_a_sensible_title(world, title):
    with pytest.raises(DomainError) as error:
        publish_report(db.session.get(User, world.staff), MARCH, title)
    assert error.value.field == "title"


def test_the_markdown_download_says_everything_the_page_does(world, app):
    with app.test_request_context():
        text = report_markdown(build_progress_report(MARCH), title="March 2026")
    assert text.startswith("# March 2026\n")
    for fragment in (
        "## What was heard", "### Innovation", "## What moved", REVIEW, MERGE,
        "## What was piloted", "Costs fell 12%.", "## What was implemented", DONE,
        "## Counts by theme", "## Counts by department",
        "| Public Safety Canada | 2 | 0 | 2 | 1 | 0 |",
    ):  # fmt: skip
        assert fragment in text, fragment
    assert f"/ideas/{world.desks})" in text
    assert "Ana Author" not in text and "@example.gc.ca" not in text


def test_markdown_escapes_what_members_wrote(world, app):
    db.session.get(Idea, world.desks).title = "Desks [click](http://evil.example) <b>now</b> | x"
    db.session.commit()
    with app.test_request_context():
        text = report_markdown(build_progress_report(MARCH))
    assert "[click](http" not in text
    assert r"\[click\]\(http://evil.example\) \<b\>now\</b\> \| x" in text


def test_the_csv_download_has_one_section_per_part_and_is_escaped(world):
    db.session.get(Idea, world.forms).title = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    text = report_csv(build_progress_report(MARCH))
    assert text.startswith("\ufeffsection,theme,department,idea_id,title")
    sections = [line.split(",", 1)[0] for line in text.lstrip("\ufeff").splitlines()[1:]]
    assert sections.count("heard") == 2
    assert sections.count("moved") == 4
    assert sections.count("piloted") == 2
    assert sections.count("implemented") == 1
    assert sections.count("by_theme") == 5
    assert sections.count("by_department") == 2
    assert '"\'=HYPERLINK(""http://evil.example"")"' in text
    assert "@example.gc.ca" not in text
