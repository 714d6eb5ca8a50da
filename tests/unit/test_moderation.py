"""Moderation (no HTTP): flags, auto-hide, moderators' decisions, counts, notices, the queue."""

import pytest
from flask import current_app
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Comment, Idea
from ideas.board.permissions import can_comment, can_vote
from ideas.board.services import (
    IdeaFilters,
    cast_vote,
    hot_this_week,
    newest_ideas,
    post_comment,
    ranked_ideas,
    visible_comments,
)
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.moderation.models import Flag, FlagStatus
from ideas.moderation.permissions import can_flag, can_moderate
from ideas.moderation.services import (
    dismiss_flags,
    flag_content,
    flags_on,
    hidden_content,
    hide_content,
    moderation_queue,
    open_flag_count,
    open_flag_of,
    open_item_count,
    unhide_content,
)
from ideas.notifications.models import Notification

pytestmark = pytest.mark.usefixtures("ctx")

REASON = "Personal attack on a colleague."
DECISION = "Breaks the code of conduct."


def flags(**where) -> list[Flag]:
    query = select(Flag).filter_by(**where).order_by(Flag.id)
    return list(db.session.scalars(query))


def notices(kind="moderated") -> list[Notification]:
    query = select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    return list(db.session.scalars(query))


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def stored_comment_count(idea: Idea) -> int:
    return db.session.scalar(select(Idea.comment_count).where(Idea.id == idea.id))


def shown_comment_count(idea: Idea) -> int:
    """What members see: comments that are not hidden."""
    return db.session.scalar(
        select(func.count(Comment.id)).where(Comment.idea_id == idea.id, Comment.hidden.is_(False))
    )


def moderator(make_user):
    return make_user(role=Role.SECRETARIAT)


def flag_by_many(idea, comment=None, count=3, make_user=None):
    for _ in range(count):
        flag_content(make_user(), idea, comment, reason=REASON)


# --- flagging -------------------------------------------------------------------------------


def test_a_member_flags_an_idea_with_a_trimmed_reason(make_user, make_idea):
    idea, member = make_idea(), make_user()

    flag = flag_content(member, idea, reason=f"  {REASON}  ")

    assert (flag.user_id, flag.idea_id, flag.comment_id) == (member.id, idea.id, None)
    assert (flag.reason, flag.status) == (REASON, FlagStatus.OPEN)
    assert open_flag_of(member, idea) == flag
    assert open_flag_count(idea) == 1
    assert not idea.hidden


def test_one_open_flag_per_member_per_item(make_user, make_idea):
    idea, member = make_idea(), make_user()
    comment = post_comment(make_user(), idea, "A comment")
    flag_content(member, idea, reason=REASON)

    with pytest.raises(DomainError, match="already reported") as error:
        flag_content(member, idea, reason="Another reason, same item.")

    assert error.value.field == "reason"
    assert len(flags(idea_id=idea.id, comment_id=None)) == 1
    # The session is usable after the refused insert, and a different item is a new flag.
    flag_content(member, idea, comment, reason=REASON)
    assert len(flags(comment_id=comment.id)) == 1
    with pytest.raises(DomainError, match="already reported"):
        flag_content(member, idea, comment, reason=REASON)


def test_a_member_may_flag_again_once_the_flag_is_resolved(make_user, make_idea):
    idea, member = make_idea(), make_user()
    flag_content(member, idea, reason=REASON)
    dismiss_flags(moderator(make_user), idea, reason=DECISION)

    flag_content(member, idea, reason="It happened again after the edit.")

    assert [f.status for f in flags(idea_id=idea.id)] == [FlagStatus.DISMISSED, FlagStatus.OPEN]


def test_own_content_cannot_be_flagged(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    commenter = make_user()
    comment = post_comment(commenter, idea, "My comment")

    with pytest.raises(PermissionDenied):
        flag_content(author, idea, reason=REASON)
    with pytest.raises(PermissionDenied):
        flag_content(commenter, idea, comment, reason=REASON)
    assert flags() == []
    # The idea's author may report someone else's comment on it, and the commenter the idea.
    flag_content(author, idea, comment, reason=REASON)
    flag_content(commenter, idea, reason=REASON)
    assert len(flags()) == 2


def test_can_flag_predicate(make_user, make_idea):
    author, other = make_user(), make_user()
    idea = make_idea(author=author)
    comment = post_comment(other, idea, "Hello")
    elsewhere = make_idea()

    assert can_flag(other, idea) and not can_flag(author, idea)
    assert can_flag(author, idea, comment) and not can_flag(other, idea, comment)
    assert not can_flag(None, idea)
    assert not can_flag(author, elsewhere, comment)  # the comment is not on that idea
    idea.hidden = True
    assert not can_flag(other, idea)


@pytest.mark.parametrize(
    ("reason", "ok"),
    [("", False), ("abcd", False), ("   abcd   ", False), ("abcde", True), ("x" * 1000, True),
     ("x" * 1001, False)],
)  # fmt: skip
def test_reason_length(make_user, make_idea, reason, ok):
    idea = make_idea()
    if ok:
        flag_content(make_user(), idea, reason=reason)
        assert open_flag_count(idea) == 1
    else:
        with pytest.raises(DomainError) as error:
            flag_content(make_user(), idea, reason=reason)
        assert error.value.field == "reason"
        assert flags() == []


# --- auto-hide --------------------------------------------------------------------------------


def test_an_idea_is_hidden_when_it_reaches_the_threshold(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    flaggers = [make_user() for _ in range(3)]
    for flagger in flaggers[:2]:
        flag_content(flagger, idea, reason=REASON)
    assert not idea.hidden
    assert idea in list(db.session.scalars(ranked_ideas("top", IdeaFilters())))
    home = [listed.id for listed in newest_ideas() + hot_this_week()]
    assert home == [idea.id, idea.id]

    flag_content(flaggers[2], idea, reason=REASON)

    assert idea.hidden
    assert idea not in list(db.session.scalars(ranked_ideas("top", IdeaFilters())))
    assert newest_ideas() == hot_this_week() == []
    entry = audit("moderation.auto_hide")[0]
    assert (entry.actor_id, entry.idea_id, entry.target_type) == (None, idea.id, "idea")
    (notice,) = notices()
    assert notice.user_id == author.id and notice.actor_id is None
    assert notice.data == {"outcome": "hidden", "automatic": True}
    # Hidden content takes no more reports.
    with pytest.raises(DomainError, match="already hidden"):
        flag_content(make_user(), idea, reason=REASON)


def test_the_threshold_comes_from_the_configuration(make_user, make_idea):
    current_app.config["AUTO_HIDE_FLAGS"] = 1
    idea = make_idea()
    flag_content(make_user(), idea, reason=REASON)
    assert idea.hidden


def test_resolved_flags_do_not_count_towards_the_threshold(make_user, make_idea):
    idea = make_idea()
    flag_by_many(idea, count=2, make_user=make_user)
    dismiss_flags(moderator(make_user), idea, reason=DECISION)
    flag_by_many(idea, count=2, make_user=make_user)
    assert not idea.hidden


def test_a_hidden_comment_leaves_the_comment_count(make_user, make_idea):
    idea = make_idea()
    comment = post_comment(make_user(), idea, "Rude comment")
    post_comment(make_user(), idea, "Fine comment")
    assert stored_comment_count(idea) == 2

    flag_by_many(idea, comment, make_user=make_user)

    assert comment.hidden
    assert stored_comment_count(idea) == 1 == shown_comment_count(idea)
    assert idea.comment_count == 1
    assert comment.id not in [c.id for c, _ in visible_comments(make_user(), idea)]
    assert not idea.hidden  # a comment's flags hide the comment only


# --- moderators' decisions -----------------------------------------------------------------


def test_hide_upholds_the_open_flags_and_tells_the_author(make_user, make_idea):
    author, flagger = make_user(), make_user()
    idea = make_idea(author=author)
    flag_content(flagger, idea, reason=REASON)
    actor = moderator(make_user)

    upheld = hide_content(actor, idea, reason=f" {DECISION} ")

    assert upheld == 1 and idea.hidden
    (flag,) = flags()
    assert (flag.status, flag.resolved_by_id, flag.resolution) == (
        FlagStatus.UPHELD,
        actor.id,
        DECISION,
    )
    assert flag.resolved_at is not None
    entry = audit("moderation.hide")[0]
    assert (entry.actor_id, entry.idea_id, entry.target_type, entry.target_id) == (
        actor.id,
        idea.id,
        "idea",
        idea.id,
    )
    assert entry.details == {"reason": DECISION, "flags_upheld": 1}
    (notice,) = notices()
    assert (notice.user_id, notice.idea_id, notice.data) == (
        author.id,
        idea.id,
        {"outcome": "hidden"},
    )


def test_the_notification_never_names_who_flagged(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    comment = post_comment(author, idea, "My comment")
    flaggers = [make_user() for _ in range(3)]
    for flagger in flaggers:
        flag_content(flagger, idea, reason=REASON)
        flag_content(flagger, idea, comment, reason=REASON)
    actor = moderator(make_user)
    hide_content(actor, idea, comment, reason=DECISION)
    dismiss_flags(actor, idea, reason=DECISION)

    flagger_ids = {f.id for f in flaggers}
    sent = notices()
    assert sent and {n.user_id for n in sent} == {author.id}
    for notice in sent:
        assert notice.actor_id not in flagger_ids
        assert set(notice.data) <= {"outcome", "automatic", "comment_id"}
        assert not flagger_ids & {v for v in notice.data.values() if isinstance(v, int)}


def test_hiding_a_comment_by_a_moderator_keeps_the_count_right(make_user, make_idea):
    idea = make_idea()
    comment = post_comment(make_user(), idea, "Rude")
    actor = moderator(make_user)

    hide_content(actor, idea, comment, reason=DECISION)
    assert stored_comment_count(idea) == 0 == shown_comment_count(idea)

    with pytest.raises(DomainError, match="already hidden"):
        hide_content(actor, idea, comment, reason=DECISION)
    assert stored_comment_count(idea) == 0

    unhide_content(actor, idea, comment, reason="Context shows it was a quote.")
    assert stored_comment_count(idea) == 1 == shown_comment_count(idea)
    assert not comment.hidden
    entry = audit("moderation.unhide")[0]
    assert (entry.target_type, entry.target_id) == ("comment", comment.id)
    assert [n.data["outcome"] for n in notices()] == ["hidden", "unhidden"]
    assert all(n.data["comment_id"] == comment.id for n in notices())


def test_hiding_an_auto_hidden_item_upholds_its_flags(make_user, make_idea):
    idea = make_idea()
    flag_by_many(idea, make_user=make_user)
    assert idea.hidden

    assert hide_content(moderator(make_user), idea, reason=DECISION) == 3

    assert idea.hidden
    assert {f.status for f in flags()} == {FlagStatus.UPHELD}
    assert moderation_queue() == []


def test_dismissing_flags_on_visible_content_leaves_it_visible(make_user, make_idea):
    author = make_user()
    idea = make_idea(author=author)
    flag_content(make_user(), idea, reason=REASON)

    assert dismiss_flags(moderator(make_user), idea, reason="Not a breach.") == 1

    assert not idea.hidden
    assert flags()[0].status is FlagStatus.DISMISSED
    entry = audit("moderation.dismiss")[0]
    assert entry.details == {"reason": "Not a breach.", "flags_dismissed": 1, "shown_again": False}
    assert [n.data for n in notices()] == [{"outcome": "dismissed"}]


def test_dismissing_shows_auto_hidden_content_again(make_user, make_idea):
    idea = make_idea()
    comment = post_comment(make_user(), idea, "Blunt but fair")
    flag_by_many(idea, comment, make_user=make_user)
    assert comment.hidden and stored_comment_count(idea) == 0

    assert dismiss_flags(moderator(make_user), idea, comment, reason="Not a breach.") == 3

    assert not comment.hidden
    assert stored_comment_count(idea) == 1 == shown_comment_count(idea)
    assert audit("moderation.dismiss")[0].details["shown_again"] is True
    assert notices()[-1].data == {"outcome": "unhidden", "comment_id": comment.id}


def test_dismissing_without_open_flags_is_refused(make_user, make_idea):
    idea = make_idea()
    with pytest.raises(DomainError, match="no open reports"):
        dismiss_flags(moderator(make_user), idea, reason=DECISION)
    assert audit("moderation.dismiss") == [] and notices() == []


def test_unhide_shows_the_idea_again_and_closes_open_flags(make_user, make_idea):
    idea = make_idea()
    flag_by_many(idea, make_user=make_user)
    actor = moderator(make_user)

    assert unhide_content(actor, idea, reason="Reviewed: acceptable.") == 3

    assert not idea.hidden
    assert {f.status for f in flags()} == {FlagStatus.DISMISSED}
    assert idea in list(db.session.scalars(ranked_ideas("top", IdeaFilters())))
    with pytest.raises(DomainError, match="not hidden"):
        unhide_content(actor, idea, reason="Reviewed: acceptable.")


def test_a_moderator_may_hide_content_nobody_reported(make_user, make_idea):
    idea = make_idea()
    assert hide_content(moderator(make_user), idea, reason=DECISION) == 0
    assert idea.hidden


@pytest.mark.parametrize("decide", [hide_content, dismiss_flags, unhide_content])
@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_moderators_decide(make_user, make_idea, decide, role):
    idea = make_idea()
    flag_content(make_user(), idea, reason=REASON)
    idea.hidden = decide is unhide_content
    db.session.flush()

    with pytest.raises(PermissionDenied):
        decide(make_user(role=role), idea, reason=DECISION)

    assert flags()[0].status is FlagStatus.OPEN
    assert notices() == []


@pytest.mark.parametrize("decide", [hide_content, dismiss_flags, unhide_content])
def test_a_decision_needs_a_reason(make_user, make_idea, decide):
    idea = make_idea()
    flag_content(make_user(), idea, reason=REASON)
    with pytest.raises(DomainError) as error:
        decide(moderator(make_user), idea, reason="  ok ")
    assert error.value.field == "reason"
    assert flags()[0].status is FlagStatus.OPEN


def test_can_moderate_is_for_staff(make_user):
    assert [can_moderate(make_user(role=role)) for role in Role] == [False, True, False, True]
    assert not can_moderate(None)


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_groups_open_flags_by_item_newest_first(make_user, make_idea):
    old_idea, new_idea, resolved_idea = make_idea(), make_idea(), make_idea()
    comment = post_comment(make_user(), old_idea, "A comment")
    flag_by_many(old_idea, count=2, make_user=make_user)
    flag_content(make_user(), resolved_idea, reason=REASON)
    flag_content(make_user(), new_idea, reason=REASON)
    flag_by_many(old_idea, comment, count=2, make_user=make_user)
    dismiss_flags(moderator(make_user), resolved_idea, reason=DECISION)

    queue = moderation_queue()

    assert [(item.idea, item.comment, len(item.flags)) for item in queue] == [
        (old_idea, comment, 2),
        (new_idea, None, 1),
        (old_idea, None, 2),
    ]
    assert all(f.status is FlagStatus.OPEN for item in queue for f in item.flags)
    assert queue[0].latest_at >= queue[1].latest_at
    assert open_item_count() == 3
    assert [len(item.flags) for item in moderation_queue(limit=1, offset=2)] == [2]
    assert len(flags_on(resolved_idea)) == 1 and len(flags_on(old_idea, comment)) == 2


def test_hidden_content_lists_hidden_ideas_and_comments(make_user, make_idea):
    idea, other = make_idea(), make_idea()
    comment = post_comment(make_user(), other, "Rude")
    actor = moderator(make_user)
    hide_content(actor, idea, reason=DECISION)
    hide_content(actor, other, comment, reason=DECISION)

    assert hidden_content() == ([idea], [comment])


def test_a_hidden_idea_takes_no_votes_or_comments_until_shown_again(make_user, make_idea):
    idea, member = make_idea(), make_user()
    actor = moderator(make_user)
    hide_content(actor, idea, reason=DECISION)

    assert not can_vote(member, idea) and not can_comment(member, idea)
    with pytest.raises(PermissionDenied):
        cast_vote(member, idea, 1)
    with pytest.raises(PermissionDenied):
        post_comment(member, idea, "Can I still say something?")
    assert (idea.up_count, idea.comment_count) == (0, 0)

    unhide_content(actor, idea, reason="Reviewed: acceptable.")
    cast_vote(member, idea, 1)
    post_comment(member, idea, "Now I can.")
    assert (idea.up_count, idea.comment_count) == (1, 1)
