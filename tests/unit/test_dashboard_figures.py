"""Every dashboard figure against a hand-built fixture whose right answers were worked out by hand.

The period is 1-30 March 2026 (30 days); the previous period is 30 January - 28 February.
"Now" is 31 March 2026 at noon. The comments beside each row say which figures it feeds.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.board.models import Comment, Idea, Theme, Vote
from ideas.dashboard.accountability import accountability
from ideas.dashboard.departments import department_rows
from ideas.dashboard.figures import key_figures
from ideas.dashboard.filters import DashboardFilters
from ideas.dashboard.funnel import build_funnel
from ideas.dashboard.participation import weekly_participation
from ideas.dashboard.rankings import ranked_ideas
from ideas.dashboard.rollup import refresh
from ideas.extensions import db
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage

NOW = datetime(2026, 3, 31, 12, 0)
PERIOD = DashboardFilters(start=date(2026, 3, 1), end=date(2026, 3, 30))
S = Stage


def at(month, day, hour=0, minute=0, year=2026):
    """A naive UTC datetime, briefly."""
    return datetime(year, month, day, hour, minute)


def _idea(author, department, created, stage, history, theme="innovation", **extra):
    theme_row = db.session.scalar(select(Theme).where(Theme.code == theme))
    idea = Idea(
        title=f"Idea by {author.display_name} on {created:%m-%d}",
        body="Body.",
        body_html="<p>Body.</p>",
        author_id=author.id,
        theme_id=theme_row.id,
        department_id=department.id if department else None,
        stage=stage,
        stage_changed_at=history[-1][1],
        created_at=created,
        updated_at=created,
        **extra,
    )
    db.session.add(idea)
    db.session.flush()
    previous = None
    for to_stage, when in history:
        db.session.add(
            StageChange(idea_id=idea.id, from_stage=previous, to_stage=to_stage, created_at=when)
        )
        previous = to_stage
    return idea


@pytest.fixture(params=["live", "rollup"])
def data(request, ctx, app):
    """The hand-built fixture: two departments, six people, six ideas, comments and votes.

    The ideas' counters match their rows, as the services keep them (totals read them).
    Every test runs twice: counted live, and read from the refreshed dashboard roll-up.
    """
    app.config["DASHBOARD_STUCK_DAYS"] = 10
    app.config["RESPONSE_DUE_DAYS"] = 30
    alpha = Department(name_en="Alpha", level=GovernmentLevel.FEDERAL, headcount=200)
    beta = Department(name_en="Beta", level=GovernmentLevel.FEDERAL)
    db.session.add_all([alpha, beta])
    db.session.flush()
    people = {}
    for name, department in [
        ("u1", alpha), ("u2", alpha), ("u3", beta), ("u4", None), ("u5", alpha), ("u6", beta)
    ]:  # fmt: skip
        user = User(
            email=f"{name}@example.gc.ca",
            display_name=name,
            password_hash="x",
            department_id=department.id if department else None,
            role=Role.MEMBER,
        )
        db.session.add(user)
        people[name] = user
    db.session.flush()
    u1, u2, u3, u4, u5, u6 = (people[f"u{n}"] for n in range(1, 7))
    ideas = {
        # In the period; implemented 20 March. Stays: proposed 2, under review 4.5,
        # assessed 0.5, piloted 8 days.
        "i1": _idea(
            u1, alpha, at(3, 5), S.IMPLEMENTED,
            [(S.PROPOSED, at(3, 5)), (S.UNDER_REVIEW, at(3, 7)), (S.ASSESSED, at(3, 11, 12)),
             (S.PILOTED, at(3, 12)), (S.IMPLEMENTED, at(3, 20))],
            up_count=2, down_count=1, comment_count=2, wilson=0.6, hot=1.0,
            threshold_reached_at=at(3, 6), responded_at=at(3, 10),
        ),
        # In the period; under review since 14 March (stuck after 10 days). Stay: proposed 4.
        "i2": _idea(
            u2, alpha, at(3, 10), S.UNDER_REVIEW,
            [(S.PROPOSED, at(3, 10)), (S.UNDER_REVIEW, at(3, 14))],
            up_count=2, down_count=1, wilson=0.3, hot=3.0, threshold_reached_at=at(3, 12),
        ),
        # In the period (a Sunday); declined. Stays: proposed 1, under review 6.
        "i3": _idea(
            u3, beta, at(3, 15), S.DECLINED,
            [(S.PROPOSED, at(3, 15)), (S.UNDER_REVIEW, at(3, 16)), (S.DECLINED, at(3, 22))],
            theme="fundamentals", wilson=0.1, hot=5.0,
        ),
        # Previous period; still proposed (stuck); owed a response since 21 Feb: overdue.
        "i4": _idea(
            u3, beta, at(2, 10), S.PROPOSED, [(S.PROPOSED, at(2, 10))],
            up_count=2, comment_count=1, threshold_reached_at=at(2, 21),
        ),
        # Hidden: counts nowhere, whatever happens to it.
        "i5": _idea(
            u1, alpha, at(3, 20), S.PROPOSED, [(S.PROPOSED, at(3, 20))],
            hidden=True, wilson=0.9, threshold_reached_at=at(3, 21),
        ),
        # Posted before both periods; implemented 15 Feb (in the previous period).
        "i6": _idea(
            u4, None, at(12, 1, year=2025), S.IMPLEMENTED,
            [(S.PROPOSED, at(12, 1, year=2025)), (S.UNDER_REVIEW, at(12, 3, year=2025)),
             (S.ASSESSED, at(12, 13, year=2025)), (S.IMPLEMENTED, at(2, 15))],
            up_count=1,
        ),
    }  # fmt: skip
    i1, i2, i3, i4, i5, i6 = (ideas[f"i{n}"] for n in range(1, 7))
    for author, idea, when, hidden in [
        (u2, i1, at(3, 6), False),  # period, week of 2 March
        (u5, i1, at(3, 8), False),  # period, Sunday: still the week of 2 March
        (u1, i3, at(3, 16), True),  # hidden comment: counts nowhere
        (u4, i4, at(2, 12), False),  # previous period
        (u3, i5, at(3, 21), False),  # on a hidden idea: counts nowhere
    ]:
        db.session.add(
            Comment(
                idea_id=idea.id, author_id=author.id, body="c", body_html="<p>c</p>",
                hidden=hidden, created_at=when, updated_at=when,
            )
        )  # fmt: skip
    for voter, idea, value, when in [
        (u2, i1, 1, at(3, 6)),  # period, week of 2 March
        (u3, i1, 1, at(3, 9)),  # period, week of 9 March
        (u4, i1, -1, at(3, 25)),  # period, week of 23 March
        (u5, i2, 1, at(3, 12)),  # period, week of 9 March
        (u1, i2, 1, at(3, 30, 23, 30)),  # last minutes of the period: week of 30 March
        (u3, i2, -1, at(3, 31, 0, 10)),  # just after the period: total only
        (u1, i4, 1, at(2, 20)),  # previous period
        (u2, i4, 1, at(2, 21)),  # previous period
        (u5, i6, 1, at(12, 5, year=2025)),  # total only
        (u6, i5, 1, at(3, 21)),  # hidden idea: u6 never participates
    ]:
        db.session.add(
            Vote(idea_id=idea.id, user_id=voter.id, value=value, created_at=when, updated_at=when)
        )
    db.session.flush()
    if request.param == "rollup":
        db.session.commit()
        refresh(now=datetime(2026, 4, 2))  # rolls up every day to 31 March
    return {"alpha": alpha, "beta": beta, **people, **ideas}


def _by_key(figures):
    return {f.key: (f.current, f.previous, f.total) for f in figures}


def test_key_figures_for_the_period_the_previous_period_and_in_total(data):
    figures = key_figures(PERIOD)
    assert _by_key(figures) == {
        # period: u1-u5 (u6 only voted on a hidden idea); previous: u1, u2, u3, u4
        "participants": (5, 4, 5),
        "ideas": (3, 1, 5),
        "comments": (2, 1, 3),
        "votes": (5, 2, 9),
        "implemented": (1, 1, 2),
    }
    changes = {f.key: (f.change, f.change_percent) for f in figures}
    assert changes["participants"] == (1, 25.0)
    assert changes["ideas"] == (2, 200.0)
    assert changes["votes"] == (3, 150.0)
    assert changes["implemented"] == (0, 0.0)


def test_previous_period_has_the_same_length():
    previous = PERIOD.previous()
    assert (previous.start, previous.end) == (date(2026, 1, 30), date(2026, 2, 28))
    assert previous.days == PERIOD.days == 30


def test_a_change_from_nothing_has_no_percentage(data):
    # 1-30 April 2026 vs March: nothing in April.
    april = DashboardFilters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    ideas = next(f for f in key_figures(april) if f.key == "ideas")
    assert (ideas.current, ideas.previous, ideas.change, ideas.change_percent) == (0, 3, -3, -100.0)
    january = DashboardFilters(start=date(2026, 1, 1), end=date(2026, 1, 31))
    votes = next(f for f in key_figures(january.previous()) if f.key == "votes")
    # 1-31 Dec 2025 vs 31 Oct-30 Nov 2025: one vote (u5 on i6), none before.
    assert (votes.current, votes.previous, votes.change_percent) == (1, 0, None)


def test_filters_narrow_every_figure(data):
    alpha = DashboardFilters(start=PERIOD.start, end=PERIOD.end, department_id=data["alpha"].id)
    # Ideas of Alpha in March: i1, i2; their comments: 2; their votes: 3 on i1, 2 on i2.
    # People acting on them: u1, u2 posted; u2, u5 commented; u2, u3, u4, u5, u1 voted.
    assert _by_key(key_figures(alpha))["ideas"] == (2, 0, 2)
    assert _by_key(key_figures(alpha))["votes"] == (5, 0, 6)
    assert _by_key(key_figures(alpha))["participants"] == (5, 0, 5)
    fundamentals = db.session.scalar(select(Theme.id).where(Theme.code == "fundamentals"))
    theme = DashboardFilters(start=PERIOD.start, end=PERIOD.end, theme_id=fundamentals)
    # Only i3 (its one comment is hidden, it has no votes).
    assert _by_key(key_figures(theme)) == {
        "participants": (1, 0, 1),
        "ideas": (1, 0, 1),
        "comments": (0, 0, 0),
        "votes": (0, 0, 0),
        "implemented": (0, 0, 0),
    }


def test_funnel_reached_conversion_and_median_days(data):
    funnel = build_funnel(PERIOD, NOW)
    steps = {step.stage: step for step in funnel.steps}
    # Cohort: i1, i2, i3. All were proposed and reviewed; only i1 went further.
    assert [(s.stage, s.reached) for s in funnel.steps] == [
        (S.PROPOSED, 3), (S.UNDER_REVIEW, 3), (S.ASSESSED, 1), (S.PILOTED, 1), (S.IMPLEMENTED, 1)
    ]  # fmt: skip
    assert steps[S.PROPOSED].conversion is None
    assert steps[S.UNDER_REVIEW].conversion == 100.0
    assert steps[S.ASSESSED].conversion == pytest.approx(100 / 3)
    assert steps[S.IMPLEMENTED].conversion == 100.0
    # Proposed stays 2, 4, 1 -> 2 (odd count: the middle one).
    assert steps[S.PROPOSED].median_days == pytest.approx(2.0)
    # Under review: 4.5 (i1) and 6 (i3); i2's stay is still open -> mean of the two: 5.25.
    assert steps[S.UNDER_REVIEW].median_days == pytest.approx(5.25)
    assert steps[S.ASSESSED].median_days == pytest.approx(0.5)
    assert steps[S.PILOTED].median_days == pytest.approx(8.0)
    assert steps[S.IMPLEMENTED].median_days is None
    assert funnel.exits == {S.DECLINED: 1, S.ON_HOLD: 0, S.MERGED: 0}


def test_median_days_in_total_include_older_ideas(data):
    funnel = build_funnel(DashboardFilters(), NOW)
    medians = {step.stage: step.median_days for step in funnel.steps}
    # Proposed stays: 2, 4, 1 and i6's 2 -> 1, 2, 2, 4 -> 2; assessed: 0.5 and i6's 64 -> 32.25.
    assert medians[S.PROPOSED] == pytest.approx(2.0)
    assert medians[S.ASSESSED] == pytest.approx(32.25)
    # i4 never left proposed; i6 skipped piloted, but reaching implemented counts as passing it.
    assert [s.reached for s in funnel.steps] == [5, 4, 2, 2, 2]


def test_stuck_ideas_use_the_configured_days(data, app):
    funnel = build_funnel(PERIOD, NOW)
    # i4 proposed since 10 Feb, i2 under review since 14 March; hidden i5 is left out.
    assert funnel.stuck_days == 10
    assert funnel.stuck[S.PROPOSED] == 1
    assert funnel.stuck[S.UNDER_REVIEW] == 1
    assert [idea.id for idea in funnel.stuck_ideas] == [data["i4"].id, data["i2"].id]
    app.config["DASHBOARD_STUCK_DAYS"] = 20  # i2 has waited 17.5 days: no longer stuck
    assert build_funnel(PERIOD, NOW).stuck_total == 1


def test_weekly_participation(data):
    weeks = weekly_participation(PERIOD)
    got = [(w.starts_on.isoformat(), w.ideas, w.comments, w.votes, w.participants) for w in weeks]
    # 1 March is a Sunday: weeks start on Monday 23 Feb and run to Monday 30 March.
    assert got == [
        ("2026-02-23", 0, 0, 0, 0),
        ("2026-03-02", 1, 2, 1, 3),  # i1 by u1; comments u2, u5; vote u2
        ("2026-03-09", 2, 0, 2, 3),  # i2 by u2, i3 by u3; votes u3, u5
        ("2026-03-16", 0, 0, 0, 0),  # only hidden things
        ("2026-03-23", 0, 0, 1, 1),  # vote u4
        ("2026-03-30", 0, 0, 1, 1),  # vote u1 at 23:30 on the last day
    ]


def test_departments_absolute_and_per_head(data):
    rows = department_rows(PERIOD)
    got = [
        (r.department.name_en if r.department else None, r.participants, r.ideas, r.implemented)
        for r in rows
    ]
    # People by their own department: Alpha u1, u2, u5; Beta u3; none u4.
    assert got == [("Alpha", 3, 2, 1), ("Beta", 1, 1, 0), (None, 1, 0, 0)]
    alpha, beta = rows[0], rows[1]
    assert alpha.participation_rate == pytest.approx(1.5)  # 3 of 200 staff
    assert alpha.ideas_per_thousand == pytest.approx(10.0)  # 2 ideas for 200 staff
    assert beta.participation_rate is None
    only_beta = department_rows(
        DashboardFilters(start=PERIOD.start, end=PERIOD.end, department_id=data["beta"].id)
    )
    assert [(r.department.name_en, r.participants, r.ideas) for r in only_beta] == [("Beta", 1, 1)]


def test_response_accountability(data):
    state = accountability(PERIOD, NOW)
    # Over the threshold: i1 (responded), i2 (due 11 April: awaiting), i4 (due 23 March:
    # overdue); hidden i5 is left out.
    assert (state.over_threshold, state.responded, state.awaiting, state.overdue) == (3, 1, 1, 1)
    assert state.responded_percent == pytest.approx(100 / 3)


def test_rankings(data):
    def titles(**kwargs):
        return [r.idea.id for r in ranked_ideas(PERIOD, now=NOW, **kwargs)]

    i1, i2, i3 = data["i1"].id, data["i2"].id, data["i3"].id
    assert titles(ranking="wilson") == [i1, i2, i3]  # hidden i5 (0.9) is left out
    assert titles(ranking="hot") == [i3, i2, i1]
    assert titles(ranking="discussed") == [i1, i3, i2]
    assert titles(ranking="wilson", stage=S.UNDER_REVIEW) == [i2]
    ages = {r.idea.id: r.age_days for r in ranked_ideas(PERIOD, now=NOW)}
    assert ages == {i1: 26, i2: 21, i3: 16}
