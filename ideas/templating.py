"""Jinja helpers: the Markdown filter, permission predicates, formatting, i18n."""

from flask import Flask, request, url_for
from flask_babel import format_datetime, format_decimal, get_locale
from flask_login import current_user
from markupsafe import Markup

from ideas.accounts.forms import LanguageForm
from ideas.board.permissions import can_comment, can_edit_idea, can_follow, can_vote
from ideas.forms import ActionForm
from ideas.groups.permissions import can_create_group
from ideas.i18n import LOCALE_NAMES, current_locale_code, html_lang, language_name
from ideas.workflow.permissions import (
    can_assess,
    can_assign_experts,
    can_merge,
    can_move_stage,
    can_record_progress,
    can_respond,
    can_triage,
    is_staff,
)


def stored_html(value: str | None) -> Markup:
    """HTML sanitised when it was written (a *_html column), marked safe for the template."""
    return Markup(value or "")  # noqa: S704 - cleaned by render_markdown at write time


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    """Register filters, globals and the context processor."""
    app.jinja_env.add_extension("jinja2.ext.do")
    # Stored *_html columns are rendered and sanitised once, when written (every writer
    # goes through render_markdown; tests/unit/test_stored_html.py proves it for each), so
    # showing them only marks them safe: cleaning 500 comments again on every view cost
    # more than the rest of the idea page. After tightening the allow-list, re-render the
    # stored HTML once rather than on every view.
    app.jinja_env.filters["sanitized"] = stored_html
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt)
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.globals.update(
        can_comment=can_comment,
        can_edit_idea=can_edit_idea,
        can_follow=can_follow,
        can_vote=can_vote,
        can_create_group=can_create_group,
        can_assess=can_assess,
        can_assign_experts=can_assign_experts,
        can_merge=can_merge,
        can_move_stage=can_move_stage,
        can_record_progress=can_record_progress,
        can_respond=can_respond,
        can_triage=can_triage,
        is_staff=is_staff,
        url_with=url_with,
        html_lang=html_lang,
        language_name=language_name,
        locale_names=LOCALE_NAMES,
        current_locale_code=current_locale_code,
        get_locale=get_locale,
    )

    @app.context_processor
    def forms():
        return {
            # Display-only forms: never read the request body here, or an oversized POST
            # would raise again while its own 413 page renders.
            "action_form": ActionForm(formdata=None),
            "language_form": LanguageForm(formdata=None, locale=current_locale_code()),
            "current_user": current_user,
        }
