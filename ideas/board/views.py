"""Board pages: the ranked list, posting and editing, the idea page, votes, comments."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ideas.board.cards import idea_cards
from ideas.board.comment_pages import comment_list, comment_tools
from ideas.board.forms import CommentForm, IdeaForm
from ideas.board.idea_page import panel_context
from ideas.board.models import Comment, Idea, Theme
from ideas.board.permissions import can_edit_idea
from ideas.board.reference import cached_fragment
from ideas.board.services import (
    COMMENTS_PER_PAGE,
    DEFAULT_SORT,
    SORT_COLUMNS,
    SORT_LABELS,
    IdeaFilters,
    cast_vote,
    edit_idea,
    filter_choices,
    follow_idea,
    idea_to_vote_on,
    is_following,
    list_themes,
    my_vote,
    my_votes,
    post_comment,
    post_idea,
    ranked_page,
    unfollow_idea,
)
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import NONE_CHOICE, ActionForm, options
from ideas.groups.models import Group
from ideas.groups.services import groups_of
from ideas.i18n import current_locale_code
from ideas.markup import render_markdown
from ideas.search.summaries import similar_summaries
from ideas.web import attach_error, safe_next, transaction, wants_json
from ideas.workflow.permissions import is_staff
from ideas.workflow.stages import Stage

bp = Blueprint("board", __name__)
# The idea_list macro formats its cards in one pass (the ranked list, groups, home, profiles).
bp.add_app_template_global(idea_cards, "idea_cards")


def parse_filters(args) -> IdeaFilters:
    """Read the list filters from the query string; unknown values mean "any"."""
    stage = args.get("stage", "")
    return IdeaFilters(
        theme_id=args.get("theme", type=int),
        group_id=args.get("group", type=int),
        department_id=args.get("department", type=int),
        stage=Stage(stage) if stage in Stage._value2member_map_ else None,
    )


def parse_sort(args) -> str:
    """The requested sort, or the default one."""
    sort = args.get("sort", DEFAULT_SORT)
    return sort if sort in SORT_COLUMNS else DEFAULT_SORT


def page_arguments(args) -> dict:
    """The ranked list's page size and position from the query string (?after=, ?before=)."""
    number = args.get("page", type=int)
    return {
        "per_page": current_app.config["IDEAS_PER_PAGE"],
        "after": args.get("after", "")[:80] or None,
        "before": args.get("before", "")[:80] or None,
        "number": number if number and number > 0 else 1,
    }


@bp.get("/ideas")
@login_required
def list_ideas():
    """The ranked list with its sorts and filters, paginated."""
    sort, filters = parse_sort(request.args), parse_filters(request.args)
    page = ranked_page(sort, filters, **page_arguments(request.args))
    return render_template(
        "board/list.html",
        page=page,
        sort=sort,
        sort_labels=SORT_LABELS,
        filter_fields=_filter_fields(filters),
        votes=my_votes(current_user, page.items),
    )


def _filter_fields(filters: IdeaFilters) -> str:
    """The list's filter selects: a hundred options, made once per locale and selection."""

    def render() -> str:
        macro = get_template_attribute("_macros/filters.html", "idea_filter_fields")
        return macro(filters, filter_choices())

    return cached_fragment(("ideas-filter-fields", current_locale_code(), filters), render)


def _idea_form(idea: Idea | None = None) -> IdeaForm:
    # A new idea is most likely written in the language its author reads (the idea's own
    # language wins when editing); a post without the field keeps that default.
    form = IdeaForm(obj=idea, language=current_user.locale)
    form.theme.choices = options(
        [(NONE_CHOICE, _("Choose a theme")), *((t.id, t.name) for t in list_themes())]
    )
    mine = groups_of(current_user)
    if idea is not None and idea.group is not None and idea.group not in mine:
        mine.append(idea.group)
    form.group.choices = options([(NONE_CHOICE, _("No group")), *((g.id, g.name) for g in mine)])
    if not form.is_submitted():
        form.theme.data = idea.theme_id if idea else NONE_CHOICE
        form.group.data = (idea.group_id if idea else request.args.get("group", type=int)) or 0
    return form


def _save_idea(form: IdeaForm, idea: Idea | None, template: str):
    """Shared by post and edit: preview, validate, call the service, map errors back."""
    creating = idea is None
    preview = render_markdown(form.body.data) if form.preview.data else None
    checking = form.check_similar.data
    similar = similar_summaries(form.title.data, form.body.data) if checking else None
    if form.validate_on_submit() and not (form.preview.data or checking):
        theme = db.session.get(Theme, form.theme.data)
        group = db.session.get(Group, form.group.data) if form.group.data else None
        try:
            with transaction():
                text = (form.title.data, form.body.data, theme, group, form.language.data)
                if creating:
                    idea = post_idea(current_user, *text)
                else:
                    edit_idea(current_user, idea, *text)
        except DomainError as error:
            attach_error(form, error)
        else:
            message = _("Your idea is published.") if creating else _("Your changes are saved.")
            flash(message, "success")
            return redirect(url_for("board.show_idea", idea_id=idea.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        f"board/{template}.html", form=form, idea=idea, preview=preview, similar=similar
    ), status


@bp.route("/ideas/new", methods=["GET", "POST"])
@login_required
def new_idea():
    """Post an idea, with an optional preview of the Markdown."""
    return _save_idea(_idea_form(), None, "new")


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit_idea_page(idea_id: int):
    """The author edits a proposed idea."""
    idea = db.get_or_404(Idea, idea_id)
    if not can_edit_idea(current_user, idea):
        abort(403)
    return _save_idea(_idea_form(idea), idea, "edit")


@bp.get("/ideas/<int:idea_id>")
@login_required
def show_idea(idea_id: int):
    """The idea, its stage history, counts and a page of its comments.

    ?after=N and ?before=N page through the discussion (keyset, 50 threads a page);
    ?comment=N shows the page holding comment N, for links to #cN.
    """
    idea = db.get_or_404(Idea, idea_id)
    if idea.hidden and not is_staff(current_user):
        # Hidden pending moderation: members see a notice in place of the whole idea.
        return render_template("board/hidden.html", idea=idea)
    return _render_idea(idea, CommentForm(), comment=request.args.get("comment", type=int))


def _render_idea(
    idea: Idea, comment_form: CommentForm, status: int = 200, comment: int | None = None
):
    panels = panel_context(idea, current_user)
    comments = comment_list(
        idea,
        comment_tools(idea),
        # The assessment panel's: its experts' comments carry a badge.
        panels.get("expert_ids", set()),
        after=request.args.get("after", type=int),
        before=request.args.get("before", type=int),
        comment=comment,
        per_page=current_app.config.get("COMMENTS_PER_PAGE", COMMENTS_PER_PAGE),
    )
    return render_template(
        "board/show.html",
        idea=idea,
        comments=comments,
        my_vote=my_vote(current_user, idea),
        following=is_following(current_user, idea),
        comment_form=comment_form,
        **panels,
    ), status


@bp.post("/ideas/<int:idea_id>/vote")
@login_required
def vote(idea_id: int):
    """Cast, change or withdraw a vote; JSON for fetch(), a redirect for a plain form."""
    idea = idea_to_vote_on(idea_id) or abort(404)
    # One integer (None if it is not one), checked by cast_vote: a form object would cost
    # a tenth of the vote's CPU to parse it, and CSRFProtect checks every POST's token.
    value = request.form.get("value", type=int)
    try:
        with transaction():
            tally = cast_vote(current_user, idea, value)
    except PermissionDenied as error:  # before DomainError, which it extends
        return (jsonify(error=str(error.message)), 403) if wants_json() else abort(403)
    except DomainError as error:
        return (jsonify(error=str(error.message)), 400) if wants_json() else abort(400)
    if wants_json():
        return jsonify(up=tally.up, down=tally.down, score=tally.score, my_vote=tally.my_vote)
    # idea_id, not idea.id: the commit expired the idea, and reading it would cost a SELECT.
    return redirect(safe_next(url_for("board.show_idea", idea_id=idea_id)))


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
def add_comment(idea_id: int):
    """Post a comment or a reply; errors re-render the idea page with the text kept."""
    idea = db.get_or_404(Idea, idea_id)
    form = CommentForm()
    if form.validate_on_submit():
        parent = db.session.get(Comment, form.parent_id.data) if form.parent_id.data else None
        if form.parent_id.data and parent is None:
            abort(404)  # replying to a comment that does not exist
        try:
            with transaction():
                comment = post_comment(current_user, idea, form.body.data, parent)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your comment is posted."), "success")
            # ?comment= lands on the page of a long discussion that holds the new comment.
            return redirect(
                url_for(
                    "board.show_idea", idea_id=idea.id, comment=comment.id, _anchor=f"c{comment.id}"
                )
            )
    # A reply that failed re-renders the page holding the comment it answers.
    return _render_idea(idea, form, 422, comment=form.parent_id.data or None)


@bp.post("/ideas/<int:idea_id>/follow")
@login_required
def follow(idea_id: int):
    """Follow or (with unfollow=1) stop following an idea."""
    idea = db.get_or_404(Idea, idea_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with transaction():
        if request.form.get("unfollow"):
            unfollow_idea(current_user, idea)
        else:
            follow_idea(current_user, idea)
    return redirect(safe_next(url_for("board.show_idea", idea_id=idea.id)))
