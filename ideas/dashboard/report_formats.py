"""Showing a progress report snapshot: template helpers, Markdown and CSV downloads.

Everything here reads only the snapshot (plain data), never the database, so a live
report and a published one are shown by exactly the same code. Labels are translated
into the reader's language when shown; user-written text (titles, rationales, findings)
is shown as written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime

from flask import has_request_context, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from ideas.dashboard.exports import spreadsheet_safe
from ideas.i18n import current_locale_code, language_tag
from ideas.workflow.models import PilotOutcome
from ideas.workflow.pilots import outcome_label as _outcome_label
from ideas.workflow.stages import Stage

_LOCALE_KEYS = {"en": "en", "fr": "fr", "zh_Hant_TW": "zh"}


def localized(names: dict | None, fallback: str = "") -> str:
    """A frozen name ({"en", "fr", "zh"}) in the reader's language, English if missing."""
    if not names:
        return fallback
    return names.get(_LOCALE_KEYS.get(current_locale_code(), "en")) or names.get("en") or fallback


def stage_label(code: str | None) -> str:
    """A stage's name in the reader's language (the code itself if unknown)."""
    try:
        return Stage(code).label
    except ValueError:
        return code or ""


def outcome_label(code: str | None) -> str:
    """A pilot outcome's name, or "Running" for a pilot with no outcome yet."""
    if code is None:
        return _("Running")
    try:
        return _outcome_label(PilotOutcome(code)) or code
    except ValueError:
        return code


def as_datetime(text: str) -> datetime:
    """A snapshot's ISO timestamp back to a datetime, for the `datetime` filter."""
    return datetime.fromisoformat(text)


def as_date(text: str) -> date:
    """A snapshot's ISO date back to a date."""
    return date.fromisoformat(text)


def medium_date(text: str) -> str:
    """A snapshot's ISO date in the reader's format."""
    return format_date(as_date(text), "medium")


def template_helpers() -> dict:
    """The helpers the report templates use, passed in by the views."""
    return {
        "localized": localized,
        "stage_label": stage_label,
        "outcome_label": outcome_label,
        "as_datetime": as_datetime,
        "medium_date": medium_date,
        "language_tag": language_tag,
    }


# Markdown -------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_text(text: str | None) -> str:
    """User text on one Markdown line: whitespace collapsed, markup characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def _idea_url(idea_id: int) -> str:
    if has_request_context():
        return url_for("board.show_idea", idea_id=idea_id, _external=True)
    return f"/ideas/{idea_id}"


def _idea_link(idea: dict) -> str:
    label = _("#%(id)s %(title)s", id=idea["id"], title=md_text(idea["title"]))
    return f"[{label}]({_idea_url(idea['id'])})"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(md_text(str(cell)) for cell in header) + " |"]
    lines.append("|" + "|".join(" --- " for _cell in header) + "|")
    lines.extend("| " + " | ".join(md_text(str(cell)) for cell in row) + " |" for row in rows)
    return lines


def _count_header(first: str) -> list[str]:
    return [first, _("Ideas posted"), _("Comments"), _("Votes"), _("Stage moves"), _("Implemented")]


def _count_cells(row: dict) -> list:
    return [row["ideas"], row["comments"], row["votes"], row["moves"], row["implemented"]]


def _more(shown: int, total: int) -> list[str]:
    if total > shown:
        return ["", _("And %(count)s more not listed here.", count=total - shown)]
    return []


def scope_lines(snapshot: dict) -> list[str]:
    """Sentences saying which department, theme and group the report is narrowed to."""
    scope = snapshot.get("scope") or {}
    lines = []
    if scope.get("department"):
        lines.append(_("Department: %(name)s", name=localized(scope["department"])))
    if scope.get("theme"):
        lines.append(_("Theme: %(name)s", name=localized(scope["theme"])))
    if scope.get("group"):
        lines.append(_("Group: %(name)s", name=scope["group"]))
    return lines


def report_markdown(snapshot: dict, title: str | None = None, published: str | None = None) -> str:
    """The report as a Markdown document in the reader's language."""
    period = snapshot["period"]
    heading = title or _("Progress report")
    out = [f"# {md_text(heading)}", ""]
    out.append(_("Period: %(start)s to %(end)s.", start=period["start"], end=period["end"]))
    if published:
        out += ["", published]
    out += [f"- {md_text(line)}" for line in scope_lines(snapshot)]
    totals = snapshot["totals"]
    out += ["", f"## {_('In numbers')}", ""]
    out += _table(
        [_("Measure"), _("Count")],
        [
            [_("Ideas posted"), totals["ideas"]],
            [_("Comments"), totals["comments"]],
            [_("Votes"), totals["votes"]],
            [_("Stage moves"), totals["moves"]],
            [_("Pilots"), totals["pilots"]],
            [_("Implemented"), totals["implemented"]],
        ],
    )

    out += ["", f"## {_('What was heard')}"]
    for theme in snapshot["heard"]:
        out += ["", f"### {md_text(localized(theme['names']))}", ""]
        out.append(_("Ideas posted in the period: %(count)s.", count=theme["count"]))
        for position, idea in enumerate(theme["ideas"], 1):
            out.append(
                f"{position}. "
                + _(
                    "%(idea)s (%(stage)s; %(up)s for, %(down)s against; %(comments)s comments)",
                    idea=_idea_link(idea),
                    stage=stage_label(idea["stage"]),
                    up=idea["up"],
                    down=idea["down"],
                    comments=idea["comments"],
                )
            )

    out += ["", f"## {_('What moved')}", ""]
    if not snapshot["moved"]:
        out.append(_("No idea changed stage in the period."))
    for move in snapshot["moved"]:
        out.append(
            "- "
            + _(
                "%(idea)s: from %(from)s to %(to)s on %(date)s. Rationale: %(rationale)s",
                idea=_idea_link(move["idea"]),
                **{"from": stage_label(move["from"])},
                to=stage_label(move["to"]),
                date=move["at"][:10],
                rationale=md_text(move["rationale"]),
            )
        )
    out += _more(len(snapshot["moved"]), snapshot["moved_total"])

    out += ["", f"## {_('What was piloted')}", ""]
    if not snapshot["piloted"]:
        out.append(_("No pilot ran in the period."))
    for pilot in snapshot["piloted"]:
        out.append(
            "- "
            + _(
                "%(idea)s, from %(start)s to %(end)s, led by %(department)s. Outcome: %(outcome)s.",
                idea=_idea_link(pilot["idea"]),
                start=pilot["starts_on"],
                end=pilot["ends_on"],
                department=md_text(localized(pilot["lead_department"], _("no department"))),
                outcome=outcome_label(pilot["outcome"]),
            )
        )
        out.append("  " + _("Hypothesis: %(text)s", text=md_text(pilot["hypothesis"])))
        if pilot["findings"]:
            out.append("  " + _("Findings: %(text)s", text=md_text(pilot["findings"])))
    out += _more(len(snapshot["piloted"]), snapshot["piloted_total"])

    out += ["", f"## {_('What was implemented')}", ""]
    if not snapshot["implemented"]:
        out.append(_("No idea was implemented in the period."))
    for item in snapshot["implemented"]:
        out.append(
            "- "
            + _(
                "%(idea)s, on %(date)s. Rationale: %(rationale)s",
                idea=_idea_link(item["idea"]),
                date=item["at"][:10],
                rationale=md_text(item["rationale"]),
            )
        )
    out += _more(len(snapshot["implemented"]), snapshot["implemented_total"])

    out += ["", f"## {_('Counts by theme')}", ""]
    out += _table(
        _count_header(_("Theme")),
        [[localized(row["names"]), *_count_cells(row)] for row in snapshot["by_theme"]],
    )
    out += ["", f"## {_('Counts by department')}", ""]
    if snapshot["by_department"]:
        out += _table(
            _count_header(_("Department")),
            [
                [localized(row["names"], _("No department")), *_count_cells(row)]
                for row in snapshot["by_department"]
            ],
        )
    else:
        out.append(_("No activity in the period."))
    return "\n".join(out) + "\n"


# CSV ------------------------------------------------------------------------------------

# Column names are a file format, the same in every language (like the progress export).
CSV_COLUMNS = [
    "section", "theme", "department", "idea_id", "title", "stage", "from_stage", "to_stage",
    "date", "end_date", "outcome", "text", "findings", "votes_up", "votes_down",
    "comment_count", "ideas_posted", "comments_posted", "votes_cast", "stage_moves",
    "implemented",
]  # fmt: skip


def _en(names: dict | None) -> str:
    return (names or {}).get("en") or ""


def _csv_rows(snapshot: dict) -> Iterator[dict]:
    for theme in snapshot["heard"]:
        for idea in theme["ideas"]:
            yield {
                "section": "heard", "theme": theme["code"], "idea_id": idea["id"],
                "title": idea["title"], "stage": idea["stage"], "votes_up": idea["up"],
                "votes_down": idea["down"], "comment_count": idea["comments"],
            }  # fmt: skip
    for section in ("moved", "implemented"):
        for move in snapshot[section]:
            yield {
                "section": section, "idea_id": move["idea"]["id"],
                "title": move["idea"]["title"], "stage": move["idea"]["stage"],
                "from_stage": move["from"], "to_stage": move["to"], "date": move["at"],
                "text": move["rationale"],
            }  # fmt: skip
    for pilot in snapshot["piloted"]:
        yield {
            "section": "piloted", "idea_id": pilot["idea"]["id"],
            "title": pilot["idea"]["title"], "stage": pilot["idea"]["stage"],
            "department": _en(pilot["lead_department"]), "date": pilot["starts_on"],
            "end_date": pilot["ends_on"], "outcome": pilot["outcome"] or "running",
            "text": pilot["hypothesis"], "findings": pilot["findings"],
        }  # fmt: skip
    counts = {
        "ideas_posted": "ideas", "comments_posted": "comments", "votes_cast": "votes",
        "stage_moves": "moves", "implemented": "implemented",
    }  # fmt: skip
    for row in snapshot["by_theme"]:
        yield {
            "section": "by_theme",
            "theme": row["code"],
            **{k: row[v] for k, v in counts.items()},
        }
    for row in snapshot["by_department"]:
        yield {
            "section": "by_department",
            "department": _en(row["names"]),
            **{k: row[v] for k, v in counts.items()},
        }


def report_csv(snapshot: dict) -> str:
    """The report as one CSV table (a `section` column says which part each row is from)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _csv_rows(snapshot):
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in CSV_COLUMNS])
    # The byte-order mark tells spreadsheet programs the file is UTF-8.
    return "\ufeff" + buffer.getvalue()


def published_line(published_at: datetime, publisher: str | None) -> str:
    """The "Published on … by …" line of a published report's Markdown download."""
    when = format_datetime(published_at, "medium")
    if publisher:
        return _("Published on %(date)s by %(name)s.", date=when, name=publisher)
    return _("Published on %(date)s.", date=when)
