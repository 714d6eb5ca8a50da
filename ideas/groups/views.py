"""Group pages: the list and search, creating, the group page, join and leave."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ideas.accounts.forms import department_options
from ideas.accounts.models import Department
from ideas.board.services import SORT_LABELS, IdeaFilters, my_votes, ranked_page
from ideas.board.views import page_arguments, parse_sort
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.forms import ActionForm
from ideas.groups.forms import GroupForm
from ideas.groups.models import Group, GroupKind
from ideas.groups.services import (
    create_group,
    first_members,
    group_members,
    is_member,
    join_group,
    leave_group,
    search_groups,
)
from ideas.web import attach_error, safe_next, transaction

bp = Blueprint("groups", __name__)
MEMBERS_ON_GROUP_PAGE = 24


def _group_or_404(slug: str) -> Group:
    return db.session.scalar(select(Group).where(Group.slug == slug)) or abort(404)


@bp.get("/groups")
@login_required
def list_groups():
    """All groups, searchable by name and filterable by kind."""
    query = request.args.get("q", "")[:80]
    kind = request.args.get("kind", "")
    kind_filter = GroupKind(kind) if kind in GroupKind._value2member_map_ else None
    page = db.paginate(
        search_groups(query, kind_filter),
        per_page=current_app.config["GROUPS_PER_PAGE"],
        error_out=False,
    )
    return render_template("groups/list.html", page=page, q=query, kind=kind_filter)


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    """Create a topic group (any member) or a department group (administrators)."""
    form = GroupForm()
    form.department.choices = department_options()
    # Both kinds stay valid choices: the service's permission check answers a member
    # who posts kind=department anyway with a 403, not a puzzling "not a valid choice".
    if form.validate_on_submit():
        kind = GroupKind(form.kind.data)
        department = db.session.get(Department, form.department.data) or None
        try:
            with transaction():
                group = create_group(
                    current_user, form.name.data, form.description.data or "", kind, department
                )
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The group %(name)s is created.", name=group.name), "success")
            return redirect(url_for("groups.show_group", slug=group.slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("groups/new.html", form=form), status


@bp.get("/groups/<slug>")
@login_required
def show_group(slug: str):
    """The group's ranked ideas and its first members."""
    group = _group_or_404(slug)
    sort = parse_sort(request.args)
    page = ranked_page(sort, IdeaFilters(group_id=group.id), **page_arguments(request.args))
    members = first_members(group, MEMBERS_ON_GROUP_PAGE)
    return render_template(
        "groups/show.html",
        group=group,
        page=page,
        sort=sort,
        sort_labels=SORT_LABELS,
        members=members,
        member=is_member(current_user, group),
        votes=my_votes(current_user, page.items),
    )


@bp.get("/groups/<slug>/members")
@login_required
def list_members(slug: str):
    """Every member of a group, paginated."""
    group = _group_or_404(slug)
    page = db.paginate(group_members(group), per_page=50, error_out=False)
    return render_template("groups/members.html", group=group, page=page)


@bp.post("/groups/<slug>/membership")
@login_required
def membership(slug: str):
    """Join the group, or leave it with leave=1."""
    group = _group_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    with transaction():
        if request.form.get("leave"):
            left = leave_group(current_user, group)
        else:
            joined = join_group(current_user, group)
    if request.form.get("leave"):
        flash(_("You left %(name)s.", name=group.name) if left else _("You were not a member."))
    else:
        flash(
            _("You joined %(name)s.", name=group.name) if joined else _("You are already a member.")
        )
    return redirect(safe_next(url_for("groups.show_group", slug=group.slug)))
