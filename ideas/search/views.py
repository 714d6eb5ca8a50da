"""Search pages: /search with filters and sorts, and the similar-ideas JSON for the idea form."""

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from ideas.board.services import filter_choices, my_votes
from ideas.search.forms import SORT_LABELS, SearchForm
from ideas.search.index import query as search_ideas
from ideas.search.similarity import BODY_CHARS, TITLE_CHARS
from ideas.search.summaries import similar_summaries

bp = Blueprint("search", __name__)


@bp.record
def _setup(state) -> None:
    """Default the index to the instance folder, add `flask search`, keep the index current."""
    from ideas.search import panels  # noqa: F401 - registers the idea page's panel
    from ideas.search.cli import search_cli
    from ideas.search.sync import install

    app = state.app
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = f"{app.instance_path}/search-index"
    app.cli.add_command(search_cli)
    install()


@bp.get("/search")
@login_required
def search():
    """Full-text search with its query syntax, filters, sorts, highlights and suggestions."""
    form = SearchForm(formdata=request.args)
    form.validate()
    page = None
    if "q" in request.args:
        page = search_ideas(
            form.q.data,
            form.filters(),
            form.chosen_sort(),
            form.chosen_page(),
            current_app.config["IDEAS_PER_PAGE"],
        )
    return render_template(
        "search/results.html",
        form=form,
        page=page,
        filters=form.filters(),
        filter_choices=filter_choices(include_merged=False),
        sort=form.chosen_sort(),
        sort_labels=SORT_LABELS,
        votes=my_votes(current_user, [r.idea for r in page.results]) if page else {},
    )


@bp.get("/search/similar")
@login_required
def similar_ideas():
    """Up to five existing ideas like the title (and description) being typed."""
    title = request.args.get("title", "")[:TITLE_CHARS]
    body = request.args.get("body", "")[:BODY_CHARS]
    return jsonify(ideas=similar_summaries(title, body))
