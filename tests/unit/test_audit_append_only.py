"""The audit log is append-only: nothing in the code updates or deletes an entry."""

import re
from pathlib import Path

import pytest
from sqlalchemy import event, select

from ideas.accounts.models import Role, User
from ideas.accounts.services import set_role
from ideas.audit.models import AuditEntry
from ideas.audit.services import AppendOnlyError, record
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage

PACKAGE = Path(__file__).resolve().parents[2] / "ideas"
# SQL or SQLAlchemy constructs that would change or remove audit rows.
FORBIDDEN = re.compile(
    r"(update|delete)\s*\(\s*AuditEntry|(UPDATE|DELETE\s+FROM)\s+\"?audit_entry|"
    r"AuditEntry\.__table__\.(update|delete)|query\(\s*AuditEntry\s*\)[^\n]*\.(update|delete)\(",
    re.IGNORECASE,
)


def test_no_source_file_updates_or_deletes_audit_entries():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []


def test_the_pattern_would_catch_an_offender():
    # Guard against a pattern that matches nothing at all.
    for line in (
        "db.session.execute(delete(AuditEntry).where(AuditEntry.id == 1))",
        "update(AuditEntry).values(action='x')",
        'db.session.execute(text("DELETE FROM audit_entry"))',
        "AuditEntry.query(AuditEntry).filter_by(id=1).delete()",
    ):
        assert FORBIDDEN.search(line), line


def test_the_audit_blueprint_only_reads(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")]
    assert rules
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_changing_an_entry_through_the_orm_fails(ctx, make_user):
    entry = record(None, "user.set_role", old="member", new="admin")
    db.session.commit()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).action == "user.set_role"


def test_deleting_an_entry_through_the_orm_fails(ctx):
    entry = record(None, "idea.merge")
    db.session.commit()
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id) is not None


def test_workflow_actions_and_browsing_never_touch_existing_entries(
    app, client, auth, make_user, make_idea
):
    """Run audited actions and browse the log while watching every SQL statement sent."""
    staff = make_user(role=Role.SECRETARIAT)
    member = make_user()
    idea = make_idea()
    with app.app_context():
        engine = db.engine
    seen = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", spy)
    try:
        with app.app_context():
            actor = db.session.get(User, staff.id)
            row = db.session.get(Idea, idea.id)
            move_stage(row, Stage.UNDER_REVIEW, actor, "Reviewing this idea properly now.")
            db.session.commit()
            move_stage(row, Stage.ON_HOLD, actor, "Waiting for the budget decision.")
            db.session.commit()
            move_stage(row, Stage.UNDER_REVIEW, actor, "Budget approved, back to review.")
            set_role(db.session.get(User, member.id), Role.EXECUTIVE, actor=actor)
            db.session.commit()
        auth.as_role(Role.ADMIN)
        for query in ("", "?action=idea.move_stage", f"?actor={staff.id}", f"?idea={idea.id}"):
            assert client.get(f"/admin/audit{query}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)

    inserts = [s for s in seen if s.startswith("insert into audit_entry")]
    touching = [
        s for s in seen
        if re.match(r'(update|delete from)\s+"?audit_entry', s)
    ]  # fmt: skip
    assert len(inserts) >= 4  # the watch saw the audited actions
    assert touching == []
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["idea.move_stage"] * 3 + ["user.set_role"]
