"""Similar ideas as plain summaries: the JSON of the idea form, its no-JS list, staff panels."""

from flask import url_for

from ideas.search.index import similar


def summarise(ideas) -> list[dict]:
    """What a member needs to recognise an idea and go vote on it."""
    return [
        {
            "id": idea.id,
            "title": idea.title,
            "stage": idea.stage.value,
            "stage_label": idea.stage.label,
            "votes": idea.up_count - idea.down_count,
            "url": url_for("board.show_idea", idea_id=idea.id),
        }
        for idea in ideas
    ]


def similar_summaries(
    title: str, body: str = "", limit: int = 5, exclude_id: int | None = None
) -> list[dict]:
    """Up to `limit` existing ideas like this title and description, summarised."""
    if len((title or "").strip()) < 3 and not (body or "").strip():
        return []
    return summarise(similar(title, body, limit=limit, exclude_id=exclude_id))
