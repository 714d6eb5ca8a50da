"""The idea page asks once whether an idea has pilots, experts, assessments and the rest.

Each feature's panel used to query its own table on every view, though most ideas have
none of these rows. `probe_idea` answers every registered EXISTS in one statement; these
tests check that each answer is right, that the page sends that one statement in place of
the panels' queries, that a panel with rows still shows them, and that nothing outside
the page ever skips a query on the strength of a probe.
"""

from datetime import date

import pytest

from ideas.accounts.models import Role
from ideas.board.idea_page import idea_has, probe_idea
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.experts import experts_of
from ideas.workflow.models import (
    CRITERIA,
    Assessment,
    ExpertAssignment,
    Milestone,
    OfficialResponse,
    Pilot,
    Recommendation,
)
from tests.statements import StatementCounter

# What a statement reading each panel's rows contains.
PANEL_TABLES = (
    "FROM pilot",
    "FROM assessment",
    "FROM expert_assignment",
    "FROM milestone",
    "FROM official_response",
    "WHERE idea.merged_into_id =",
)


def _pilot(idea_id, user_id):
    return Pilot(
        idea_id=idea_id,
        hypothesis="Shorter forms save a day.",
        success_measure="Days saved per request.",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 3, 5),
    )


def _assessment(idea_id, user_id):
    scores = dict.fromkeys(CRITERIA, 4)
    return Assessment(
        idea_id=idea_id, assessor_id=user_id, recommendation=Recommendation.PILOT, **scores
    )


def _expert(idea_id, user_id):
    return ExpertAssignment(idea_id=idea_id, user_id=user_id)


def _milestone(idea_id, user_id):
    return Milestone(idea_id=idea_id, description="Form shortened.", happened_on=date(2026, 2, 1))


def _response(idea_id, user_id):
    return OfficialResponse(
        idea_id=idea_id,
        author_id=user_id,
        author_role=Role.SECRETARIAT,
        body="We will pilot it.",
        body_html="<p>We will pilot it.</p>",
    )


ROWS = {
    "pilot": _pilot,
    "assessments": _assessment,
    "experts": _expert,
    "milestones": _milestone,
    "responses": _response,
}


@pytest.mark.parametrize("kind", [*ROWS, "merged"])
def test_each_probe_finds_its_rows_and_only_them(app, make_user, make_idea, kind):
    staff = make_user(role=Role.SECRETARIAT)
    idea, other = make_idea(), make_idea()
    with app.app_context():
        assert not any(probe_idea(db.session.get(Idea, idea.id)).values())
        if kind == "merged":
            db.session.get(Idea, other.id).merged_into_id = idea.id
        else:
            db.session.add(ROWS[kind](idea.id, staff.id))
        db.session.commit()
        found = probe_idea(db.session.get(Idea, idea.id))
        assert {name for name, present in found.items() if present} == {kind}
        # The other idea's rows are its own: nothing found there (a merged duplicate
        # points at its target, not the other way round).
        assert not any(probe_idea(db.session.get(Idea, other.id)).values())


def _panel_statements(app, client, url) -> list[str]:
    client.get(url)  # warm-up: translations and other first-use lookups
    with StatementCounter(app) as counter:
        assert client.get(url).status_code == 200
    return [s for s in counter.statements if any(table in s for table in PANEL_TABLES)]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT])
def test_a_plain_idea_page_asks_one_statement_for_every_panel(app, client, auth, make_idea, role):
    idea = make_idea()
    auth.as_role(role)
    statements = _panel_statements(app, client, f"/ideas/{idea.id}")
    # The probe, and nothing else, reads the panels' tables (seven queries before).
    assert len(statements) == 1
    assert statements[0].count("EXISTS") == len(ROWS) + 1


def test_panels_with_rows_are_still_shown(app, client, auth, make_user, make_idea):
    expert = make_user(display_name="Erin Expert")
    idea, duplicate = make_idea(), make_idea(title="The same idea, said again")
    staff = make_user(role=Role.SECRETARIAT)
    with app.app_context():
        for build in ROWS.values():
            db.session.add(build(idea.id, staff.id))
        db.session.add(ExpertAssignment(idea_id=idea.id, user_id=expert.id))
        db.session.get(Idea, duplicate.id).merged_into_id = idea.id
        db.session.commit()
    auth.sign_in(expert)
    page = client.get(f"/ideas/{idea.id}").text
    for text in (
        "Shorter forms save a day.",
        "We will pilot it.",
        "Form shortened.",
        "The same idea, said again",
    ):
        assert text in page
    # The expert is recognised as one (the scorecard link needs is_expert_for).
    assert f"/ideas/{idea.id}/assess" in page


def test_outside_the_page_a_probe_never_skips_a_query(app, make_user, make_idea):
    idea, expert = make_idea(), make_user()
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        assert idea_has(row, "experts")  # no probe ran: the caller must query
        db.session.add(ExpertAssignment(idea_id=idea.id, user_id=expert.id))
        db.session.commit()
        assert [a.user_id for a in experts_of(row)] == [expert.id]
