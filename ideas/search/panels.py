"""The idea page's "possible duplicates" panel for secretariat staff (more-like-this)."""

from ideas.accounts.models import User
from ideas.board.idea_page import idea_panel
from ideas.board.models import Idea
from ideas.search.documents import is_indexable, plain_text
from ideas.search.summaries import similar_summaries
from ideas.workflow.permissions import is_staff


@idea_panel
def possible_duplicates_panel(idea: Idea, viewer: User) -> dict:
    """Ideas resembling this one, for staff deciding whether to merge; nothing for others."""
    if not is_staff(viewer) or not is_indexable(idea):
        return {"possible_duplicates": []}
    found = similar_summaries(idea.title, plain_text(idea.body_html), exclude_id=idea.id)
    return {"possible_duplicates": found}
