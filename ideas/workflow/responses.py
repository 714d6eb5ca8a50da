"""Official responses: the organisation's answer to an idea, pinned above its comments."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ideas.accounts.models import User
from ideas.audit.services import record
from ideas.board.idea_page import idea_has, idea_probe
from ideas.board.models import Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.markup import render_markdown
from ideas.notifications.services import author_and_followers, notify
from ideas.timeutil import utcnow
from ideas.workflow.models import OfficialResponse
from ideas.workflow.permissions import can_respond
from ideas.workflow.stages import Stage

RESPONSE_MAX = 20_000


# The responder's role as shown beside their answer.
def _check_body(body: str) -> str:
    if not (body or "").strip():
        raise DomainError(_l("Write the response first."), field="body")
    if len(body) > RESPONSE_MAX:
        raise DomainError(
            _l("A response can have at most %(count)d characters.", count=RESPONSE_MAX),
            field="body",
        )
    return body


def post_official_response(idea: Idea, actor: User, body: str) -> OfficialResponse:
    """Answer an idea on the organisation's behalf; the first answer marks it responded."""
    if not can_respond(actor, idea):
        raise PermissionDenied(
            _l("Only secretariat staff, executives and administrators post official responses.")
        )
    if idea.stage is Stage.MERGED:
        raise DomainError(_l("Respond on the idea this duplicate was merged into."))
    body = _check_body(body)
    now = utcnow()
    response = OfficialResponse(
        idea_id=idea.id,
        author_id=actor.id,
        author_role=actor.role,
        body=body,
        body_html=str(render_markdown(body)),
        created_at=now,
    )
    db.session.add(response)
    # Only the first response sets the date: the deadline was met then, not later.
    db.session.execute(
        update(Idea)
        .where(Idea.id == idea.id, Idea.responded_at.is_(None))
        .values(responded_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(idea, ["responded_at"])
    db.session.flush()
    record(
        actor,
        "idea.official_response",
        idea_id=idea.id,
        target_type="official_response",
        target_id=response.id,
    )
    notify(
        author_and_followers(idea),
        "official_response",
        idea=idea,
        actor=actor,
        response_id=response.id,
    )
    db.session.flush()
    return response


idea_probe(
    "responses",
    lambda idea_id: select(OfficialResponse.id).where(OfficialResponse.idea_id == idea_id).exists(),
)


def official_responses(idea: Idea) -> list[OfficialResponse]:
    """The idea's official responses, oldest first."""
    if not idea_has(idea, "responses"):
        return []
    query = (
        select(OfficialResponse)
        .where(OfficialResponse.idea_id == idea.id)
        .order_by(OfficialResponse.created_at, OfficialResponse.id)
    )
    return list(db.session.scalars(query))
