"""record_progress: stages, permissions, bounds, milestones, audit and notifications (no HTTP)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.services import follow_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.workflow.models import Milestone
from ideas.workflow.progress import (
    MILESTONE_MAX,
    milestones_of,
    progress_panel,
    record_progress,
    today,
)
from ideas.workflow.stages import Stage

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.SECRETARIAT, display_name="Sam Secretariat")


@pytest.fixture
def piloted(make_idea):
    idea = make_idea()
    idea.stage = Stage.PILOTED
    db.session.commit()
    return idea


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _nothing_recorded(idea, progress_before=0):
    db.session.refresh(idea)
    assert idea.progress == progress_before
    assert _count(Milestone) == 0
    assert _count(AuditEntry, AuditEntry.action == "idea.progress") == 0
    assert _count(Notification, Notification.kind == "progress_updated") == 0


# Stages and roles -----------------------------------------------------------------------


@pytest.mark.parametrize("stage", list(Stage))
def test_progress_is_recorded_only_on_piloted_and_implemented_ideas(make_idea, staff, stage):
    idea = make_idea()
    idea.stage = stage
    db.session.commit()
    if stage in (Stage.PILOTED, Stage.IMPLEMENTED):
        record_progress(idea, staff, 30)
        db.session.commit()
        db.session.refresh(idea)
        assert idea.progress == 30
    else:
        with pytest.raises(DomainError) as caught:
            record_progress(idea, staff, 30, "Something done")
        assert "piloted and implemented" in str(caught.value)
        assert stage.label in str(caught.value)
        db.session.rollback()
        _nothing_recorded(idea)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_record_progress(make_user, piloted, role):
    record_progress(piloted, make_user(role=role), 55)
    db.session.commit()
    assert db.session.get(type(piloted), piloted.id).progress == 55


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_members_and_executives_may_not_record_progress(make_user, piloted, role):
    with pytest.raises(PermissionDenied):
        record_progress(piloted, make_user(role=role), 55, "Done")
    db.session.rollback()
    _nothing_recorded(piloted)


# Bounds and input -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 100, 1, 99])
def test_progress_bounds_are_inclusive(piloted, staff, value):
    record_progress(piloted, staff, value, "Step" if value == 0 else None)
    assert piloted.progress == value


@pytest.mark.parametrize("value", [-1, 101, 1000, 50.0, "50", None, True])
def test_progress_outside_0_to_100_or_not_an_integer_is_refused(piloted, staff, value):
    with pytest.raises(DomainError) as caught:
        record_progress(piloted, staff, value, "Something done")
    assert caught.value.field == "progress"
    db.session.rollback()
    _nothing_recorded(piloted)


def test_a_change_of_nothing_is_refused(piloted, staff):
    with pytest.raises(DomainError, match="Change the progress or describe a milestone"):
        record_progress(piloted, staff, 0, "   ")


def test_milestone_is_stored_as_plain_text_on_one_line(piloted, staff):
    text = '  <script>alert("x")</script>\n  =HYPERLINK("http://evil")  '
    milestone = record_progress(piloted, staff, 10, text)
    db.session.commit()
    stored = db.session.get(Milestone, milestone.id)
    assert stored.description == '<script>alert("x")</script> =HYPERLINK("http://evil")'
    assert stored.recorded_by_id == staff.id
    assert stored.happened_on == today()


def test_milestone_too_long_is_refused(piloted, staff):
    record_progress(piloted, staff, 10, "x" * MILESTONE_MAX)  # the limit itself is fine
    with pytest.raises(DomainError) as caught:
        record_progress(piloted, staff, 20, "y" * (MILESTONE_MAX + 1))
    assert caught.value.field == "milestone"


def test_milestone_with_nul_is_refused(piloted, staff):
    with pytest.raises(DomainError) as caught:
        record_progress(piloted, staff, 10, "bad\x00text")
    assert caught.value.field == "milestone"


def test_milestone_date_is_kept_and_cannot_be_in_the_future(piloted, staff):
    past = date(2024, 2, 29)
    assert record_progress(piloted, staff, 10, "Began", past).happened_on == past
    # One day of slack for staff east of UTC; two days ahead is the future everywhere.
    assert record_progress(piloted, staff, 10, "Tomorrow", today() + timedelta(days=1))
    with pytest.raises(DomainError) as caught:
        record_progress(piloted, staff, 20, "Later", today() + timedelta(days=2))
    assert caught.value.field == "happened_on"


def test_a_date_without_a_milestone_is_refused(piloted, staff):
    with pytest.raises(DomainError) as caught:
        record_progress(piloted, staff, 20, "", date(2025, 1, 1))
    assert caught.value.field == "milestone"


def test_the_same_milestone_on_the_same_date_is_refused(piloted, staff):
    record_progress(piloted, staff, 10, "Trained the team", date(2025, 1, 6))
    with pytest.raises(DomainError) as caught:
        record_progress(piloted, staff, 20, "Trained  the team", date(2025, 1, 6))
    assert caught.value.field == "milestone"
    # Another day is another milestone.
    record_progress(piloted, staff, 20, "Trained the team", date(2025, 2, 6))
    assert _count(Milestone) == 2


def test_milestone_alone_keeps_the_percentage(piloted, staff):
    record_progress(piloted, staff, 40)
    assert record_progress(piloted, staff, 40, "Bought the equipment") is not None
    assert piloted.progress == 40


# Audit and notifications ----------------------------------------------------------------


def test_each_change_writes_one_audit_entry_with_before_and_after(piloted, staff):
    record_progress(piloted, staff, 25)
    milestone = record_progress(piloted, staff, 60, "Opened in Gatineau", date(2025, 5, 2))
    db.session.commit()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "idea.progress").order_by(AuditEntry.id)
    ).all()
    assert [(e.details["previous"], e.details["progress"]) for e in entries] == [(0, 25), (25, 60)]
    assert all(e.actor_id == staff.id and e.idea_id == piloted.id for e in entries)
    assert entries[0].target_type is None and entries[0].details["milestone"] is None
    last = entries[1]
    assert (last.target_type, last.target_id) == ("milestone", milestone.id)
    assert last.details["milestone"] == "Opened in Gatineau"
    assert last.details["happened_on"] == "2025-05-02"


def test_author_and_followers_are_notified_but_not_the_actor(make_user, make_idea, staff):
    author = make_user()
    follower = make_user()
    bystander = make_user()
    idea = make_idea(author=author)
    idea.stage = Stage.IMPLEMENTED
    follow_idea(follower, idea)
    follow_idea(staff, idea)  # the actor follows too, and still hears nothing
    db.session.commit()

    record_progress(idea, staff, 80, "Rolled out everywhere")
    db.session.commit()

    notes = db.session.scalars(
        select(Notification).where(Notification.kind == "progress_updated")
    ).all()
    assert sorted(n.user_id for n in notes) == sorted([author.id, follower.id])
    assert bystander.id not in {n.user_id for n in notes}
    assert all(n.idea_id == idea.id and n.actor_id == staff.id for n in notes)
    assert notes[0].data == {"previous": 0, "progress": 80, "milestones": 1}


def test_a_refused_update_notifies_nobody(make_user, make_idea, staff):
    author = make_user()
    idea = make_idea(author=author)  # still proposed
    with pytest.raises(DomainError):
        record_progress(idea, staff, 80)
    assert _count(Notification) == 0


# Reading --------------------------------------------------------------------------------


def test_milestones_are_listed_newest_first(piloted, staff):
    record_progress(piloted, staff, 10, "Second", date(2025, 2, 1))
    record_progress(piloted, staff, 20, "First", date(2025, 1, 1))
    record_progress(piloted, staff, 30, "Third, same day as second", date(2025, 2, 1))
    assert [m.description for m in milestones_of(piloted)] == [
        "Third, same day as second",
        "Second",
        "First",
    ]


def test_progress_panel_shows_progress_for_piloted_and_implemented_ideas(make_idea, staff):
    idea = make_idea()
    assert progress_panel(idea, staff) == {
        "milestones": [],
        "progress_open": False,
        "shows_progress": False,
    }
    idea.stage = Stage.PILOTED
    record_progress(idea, staff, 50, "Half way")
    panel = progress_panel(idea, staff)
    assert panel["progress_open"] and panel["shows_progress"]
    assert [m.description for m in panel["milestones"]] == ["Half way"]
    # Declined after its pilot: the record stays visible, but no more updates.
    idea.stage = Stage.DECLINED
    panel = progress_panel(idea, staff)
    assert panel["shows_progress"] and not panel["progress_open"]
