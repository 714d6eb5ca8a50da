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
from collections.abc import Callable, Iterable, Iterator
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


def _measures(*, pilots: bool = False) -> list[tuple[str, str]]:
    """The report's measures as (snapshot key, label); the totals also count pilots."""
    measures = [
        ("ideas", _("Ideas posted")),
        ("comments", _("Comments")),
        ("votes", _("Votes")),
        ("moves", _("Stage moves")),
        ("pilots", _("Pilots")),
        ("implemented", _("Implemented")),
    ]
    return [(key, label) for key, label in measures if pilots or key != "pilots"]


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


def _moved_lines(move: dict) -> list[str]:
    return [
        "- "
        + _(
            "%(idea)s: from %(from)s to %(to)s on %(date)s. Rationale: %(rationale)s",
            idea=_idea_link(move["idea"]),
            **{"from": stage_label(move["from"])},
            to=stage_label(move["to"]),
            date=move["at"][:10],
            rationale=md_text(move["rationale"]),
        )
    ]


def _piloted_lines(pilot: dict) -> list[str]:
    lines = [
        "- "
        + _(
            "%(idea)s, from %(start)s to %(end)s, led by %(department)s. Outcome: %(outcome)s.",
            idea=_idea_link(pilot["idea"]),
            start=pilot["starts_on"],
            end=pilot["ends_on"],
            department=md_text(localized(pilot["lead_department"], _("no department"))),
            outcome=outcome_label(pilot["outcome"]),
        ),
        "  " + _("Hypothesis: %(text)s", text=md_text(pilot["hypothesis"])),
    ]
    if pilot["findings"]:
        lines.append("  " + _("Findings: %(text)s", text=md_text(pilot["findings"])))
    return lines


def _implemented_lines(item: dict) -> list[str]:
    return [
        "- "
        + _(
            "%(idea)s, on %(date)s. Rationale: %(rationale)s",
            idea=_idea_link(item["idea"]),
            date=item["at"][:10],
            rationale=md_text(item["rationale"]),
        )
    ]


def _list_sections() -> list[tuple[str, str, str, Callable[[dict], list[str]]]]:
    """The listed sections: (snapshot key, heading, sentence when empty, lines of one item)."""
    return [
        ("moved", _("What moved"), _("No idea changed stage in the period."), _moved_lines),
        ("piloted", _("What was piloted"), _("No pilot ran in the period."), _piloted_lines),
        (
            "implemented",
            _("What was implemented"),
            _("No idea was implemented in the period."),
            _implemented_lines,
        ),
    ]


def _count_sections() -> list[tuple[str, str, str, str]]:
    """The count tables: (snapshot key, heading, first column, name of a nameless row)."""
    return [
        ("by_theme", _("Counts by theme"), _("Theme"), ""),
        ("by_department", _("Counts by department"), _("Department"), _("No department")),
    ]


def _heard_lines(theme: dict) -> list[str]:
    lines = ["", f"### {md_text(localized(theme['names']))}", ""]
    lines.append(_("Ideas posted in the period: %(count)s.", count=theme["count"]))
    for position, idea in enumerate(theme["ideas"], 1):
        lines.append(
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
        [[label, totals[key]] for key, label in _measures(pilots=True)],
    )
    out += ["", f"## {_('What was heard')}"]
    for theme in snapshot["heard"]:
        out += _heard_lines(theme)
    for key, section_heading, empty, item_lines in _list_sections():
        items = snapshot[key]
        out += ["", f"## {section_heading}", ""]
        if not items:
            out.append(empty)
        for item in items:
            out += item_lines(item)
        out += _more(len(items), snapshot[f"{key}_total"])
    measures = _measures()
    for key, section_heading, first, no_name in _count_sections():
        out += ["", f"## {section_heading}", ""]
        if snapshot[key]:
            out += _table(
                [first, *(label for _key, label in measures)],
                [
                    [localized(row["names"], no_name), *(row[k] for k, _label in measures)]
                    for row in snapshot[key]
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


def _at(*path: str) -> Callable[[dict], object]:
    """A CSV cell read from a snapshot row by a path of keys."""

    def cell(row: dict) -> object:
        for key in path:
            row = row[key]
        return row

    return cell


_IDEA_CELLS = {"idea_id": _at("idea", "id"), "title": _at("idea", "title"),
               "stage": _at("idea", "stage")}  # fmt: skip
_MOVE_CELLS = {**_IDEA_CELLS, "from_stage": _at("from"), "to_stage": _at("to"),
               "date": _at("at"), "text": _at("rationale")}  # fmt: skip
_COUNT_CELLS = {"ideas_posted": _at("ideas"), "comments_posted": _at("comments"),
                "votes_cast": _at("votes"), "stage_moves": _at("moves"),
                "implemented": _at("implemented")}  # fmt: skip


def _heard_ideas(snapshot: dict) -> Iterator[dict]:
    for theme in snapshot["heard"]:
        for idea in theme["ideas"]:
            yield {"theme": theme["code"], **idea}


# The CSV's sections in order: (section, the snapshot's rows, CSV column -> cell of a row).
_CSV_SECTIONS: list[tuple[str, Callable[[dict], Iterable[dict]], dict]] = [
    ("heard", _heard_ideas,
     {"theme": _at("theme"), "idea_id": _at("id"), "title": _at("title"), "stage": _at("stage"),
      "votes_up": _at("up"), "votes_down": _at("down"), "comment_count": _at("comments")}),
    ("moved", lambda snapshot: snapshot["moved"], _MOVE_CELLS),
    ("implemented", lambda snapshot: snapshot["implemented"], _MOVE_CELLS),
    ("piloted", lambda snapshot: snapshot["piloted"],
     {**_IDEA_CELLS, "department": lambda pilot: _en(pilot["lead_department"]),
      "date": _at("starts_on"), "end_date": _at("ends_on"),
      "outcome": lambda pilot: pilot["outcome"] or "running", "text": _at("hypothesis"),
      "findings": _at("findings")}),
    ("by_theme", lambda snapshot: snapshot["by_theme"], {"theme": _at("code"), **_COUNT_CELLS}),
    ("by_department", lambda snapshot: snapshot["by_department"],
     {"department": lambda row: _en(row["names"]), **_COUNT_CELLS}),
]  # fmt: skip


def _csv_rows(snapshot: dict) -> Iterator[dict]:
    for section, rows, cells in _CSV_SECTIONS:
        for row in rows(snapshot):
            yield {"section": section, **{column: cell(row) for column, cell in cells.items()}}


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
