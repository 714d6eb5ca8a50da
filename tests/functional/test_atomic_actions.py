"""Every business action is one transaction: a failure injected half-way leaves nothing.

The failure is a real database error raised from inside the transaction, after the
action's first rows were written: the statement that would write a later row (the audit
entry, or the idea's counters) is refused, as a full disk or a lost connection would.
Each action is then checked row by row: nothing of it may remain.
"""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Idea, Vote
from ideas.extensions import db
from ideas.moderation.models import Flag
from ideas.notifications.models import Notification
from ideas.workflow.models import OfficialResponse, StageChange
from ideas.workflow.stages import Stage

RATIONALE = "Discussed at the weekly triage meeting with the policy team."


class InjectedFailure(Exception):
    """The fault this module injects."""


@contextmanager
def failing_on(app, pattern: str):
    """Make the first SQL statement matching `pattern` fail, and note that it was reached."""
    reached = []
    matcher = re.compile(pattern, re.IGNORECASE)
    with app.app_context():
        engine = db.engine

    def refuse(_conn, _cursor, statement, *_args):
        if matcher.search(statement) and not reached:
            reached.append(statement)
            raise InjectedFailure(statement)

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield reached
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def _counts(app, idea_id: int) -> dict:
    """Everything an action on the idea could have written."""
    with app.app_context():
        idea = db.session.get(Idea, idea_id)

        def count(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        return {
            "idea": (
                idea.stage,
                idea.up_count,
                idea.down_count,
                idea.comment_count,
                idea.hidden,
                idea.wilson,
                idea.responded_at,
            ),
            "history": count(StageChange, StageChange.idea_id == idea_id),
            "votes": count(Vote, Vote.idea_id == idea_id),
            "comments": count(Comment, Comment.idea_id == idea_id),
            "responses": count(OfficialResponse, OfficialResponse.idea_id == idea_id),
            "flags": count(Flag),
            "audit": count(AuditEntry),
            "notifications": count(Notification),
        }


ACTIONS = {
    # action: (role, path, form, statement that fails after the first rows are written)
    "stage move": (Role.SECRETARIAT, "/ideas/{id}/stage",
                   {"to_stage": "under_review", "rationale": RATIONALE},
                   r"^INSERT INTO audit_entry"),
    "official response": (Role.SECRETARIAT, "/ideas/{id}/respond",
                          {"body": "Our answer, with the reasons for it."},
                          r"^INSERT INTO audit_entry"),
    "hide an idea": (Role.SECRETARIAT, "/moderation/ideas/{id}",
                     {"hide": "1", "reason": RATIONALE}, r"^INSERT INTO audit_entry"),
    "vote": (Role.MEMBER, "/ideas/{id}/vote", {"value": "1"}, r"^UPDATE idea SET"),
    "comment": (Role.MEMBER, "/ideas/{id}/comments", {"body": "A thoughtful comment."},
                r"^UPDATE idea SET"),
}  # fmt: skip


@pytest.mark.parametrize("action", ACTIONS)
def test_a_failure_half_way_leaves_nothing_behind(app, client, auth, make_idea, action):
    role, path, form, pattern = ACTIONS[action]
    idea = make_idea()
    auth.as_role(role)
    before = _counts(app, idea.id)

    with failing_on(app, pattern) as reached:
        response = client.post(path.format(id=idea.id), data=form)

    assert reached, f"the {action} never wrote what the failure was injected into"
    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert _counts(app, idea.id) == before

    # The same action succeeds once the fault is gone: the failure was the only obstacle.
    response = client.post(path.format(id=idea.id), data=form)
    assert response.status_code in (200, 302), response.status_code
    assert _counts(app, idea.id) != before


def test_a_merge_that_fails_late_moves_no_vote(app, client, auth, make_idea, make_user):
    duplicate, target = make_idea(), make_idea()
    voter = make_user()
    with app.app_context():
        db.session.add(Vote(idea_id=duplicate.id, user_id=voter.id, value=1))
        db.session.get(Idea, duplicate.id).up_count = 1
        db.session.commit()
    auth.as_role(Role.SECRETARIAT)
    before = (_counts(app, duplicate.id), _counts(app, target.id))
    form = {"target": str(target.id), "rationale": RATIONALE, "merge": "1",
            "confirmed": str(target.id)}  # fmt: skip

    with failing_on(app, r"^INSERT INTO audit_entry") as reached:
        response = client.post(f"/ideas/{duplicate.id}/merge", data=form)

    assert reached and response.status_code == 500
    assert (_counts(app, duplicate.id), _counts(app, target.id)) == before
    with app.app_context():
        assert db.session.get(Idea, duplicate.id).stage is Stage.PROPOSED
