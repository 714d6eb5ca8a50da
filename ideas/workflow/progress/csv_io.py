"""Bulk progress from CSV: validate every row, then import all of them or none; and export."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ideas.accounts.models import User
from ideas.board.models import Follow, Idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.services import notify
from ideas.workflow.models import Milestone
from ideas.workflow.permissions import can_record_progress, is_staff
from ideas.workflow.progress.services import (
    PROGRESS_STAGES,
    ProgressChange,
    accepts_progress,
    apply_progress,
    check_milestone_date,
    clean_milestone,
)

IMPORT_MAX_ROWS = 5_000
IMPORT_MAX_BYTES = 1024 * 1024
COLUMNS = ("idea_id", "progress", "milestone", "date")

_WHOLE_NUMBER = re.compile(r"\d{1,9}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Ideas loaded per query, well under every backend's limit on bound parameters.
_CHUNK = 500


@dataclass
class ImportProblem:
    """One line of the file that cannot be imported, with its cells and the reasons."""

    line: int
    messages: list[str]
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import found (problems) or did (counts and the ideas it changed)."""

    problems: list[ImportProblem] = field(default_factory=list)
    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    milestones: int = 0
    ideas: list[Idea] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was valid (and so every row was applied)."""
        return not self.problems

    def fail(self, line: int, message, cells: dict[str, str] | None = None) -> None:
        """Note a problem on a line."""
        self.problems.append(ImportProblem(line, [str(message)], cells or {}))


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    messages: list[str] = field(default_factory=list)
    idea_id: int | None = None
    idea: Idea | None = None
    progress: int | None = None
    text: str | None = None
    on: date | None = None


def read_upload(data: bytes) -> str:
    """The text of an uploaded CSV file: at most 1 MB, UTF-8 (a byte-order mark is fine)."""
    if len(data) > IMPORT_MAX_BYTES:
        raise DomainError(_l("The file is larger than 1 MB; split it into smaller files."), "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            _l('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.'),
            field="file",
        ) from None


def _delimiter(first_line: str) -> str:
    # Spreadsheets in French locales save CSV with semicolons; accept what the header uses.
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_header(names: list[str], report: ImportReport) -> dict[str, int] | None:
    """Map each required column to its position, or note what is wrong with the header."""
    names = [name.strip().lower() for name in names]
    if not set(COLUMNS) & set(names):
        report.fail(1, _l("The first line must be the header: idea_id,progress,milestone,date."))
        return None
    positions: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            continue
        if name in positions:
            report.fail(1, _l("The header names the column %(name)s twice.", name=name))
        positions.setdefault(name, position)
    missing = [name for name in COLUMNS if name not in positions]
    if missing:
        report.fail(1, _l("The header lacks the columns: %(names)s.", names=", ".join(missing)))
    report.ignored_columns = [name for name in positions if name not in COLUMNS]
    return None if report.problems else {name: positions[name] for name in COLUMNS}


def _parse(file_text: str, report: ImportReport) -> list[_Row]:
    """Read the header and every row, checking what can be checked without the database."""
    file_text = file_text.lstrip("\ufeff")
    if "\x00" in file_text:
        line = file_text[: file_text.index("\x00")].count("\n") + 1
        report.fail(line, _l("The file contains a character that is not text (NUL)."))
        return []
    if not file_text.strip():
        report.fail(1, _l("The file is empty: it needs a header row and at least one row."))
        return []
    reader = csv.reader(
        io.StringIO(file_text, newline=""), delimiter=_delimiter(file_text.splitlines()[0])
    )
    try:
        header = next(reader)
    except csv.Error as error:
        report.fail(1, _l("This line cannot be read as CSV (%(error)s).", error=error))
        return []
    header_names = [name.strip().lower() for name in header]
    positions = _read_header(header, report)
    if positions is None:
        return []
    rows: list[_Row] = []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            end = reader.line_num
            report.fail(start, _l("This line cannot be read as CSV (%(error)s).", error=error))
            continue
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and empty spreadsheet rows
        if len(rows) == IMPORT_MAX_ROWS:
            report.fail(
                start,
                _l("The file has more than %(count)d rows; split it.", count=IMPORT_MAX_ROWS),
            )
            break
        rows.append(_parse_row(start, cells, header_names, positions))
    report.rows = len(rows)
    if not rows and not report.problems:
        report.fail(2, _l("The file has a header but no rows to import."))
    return rows


def _parse_row(line: int, cells: list[str], header: list[str], positions) -> _Row:
    row = _Row(line, {name: (cells[i] if i < len(cells) else "") for name, i in positions.items()})
    problems = row.messages
    if [cell.strip().lower() for cell in cells] == header:
        problems.append(str(_l("This line repeats the header row.")))
        return row
    # Missing trailing cells of ignored columns are harmless; missing required ones are not.
    too_short = len(cells) <= max(positions.values())
    if too_short or any(cell.strip() for cell in cells[len(header) :]):
        problems.append(
            str(
                _l(
                    "This line has %(cells)d cells; the header has %(columns)d.",
                    cells=len(cells),
                    columns=len(header),
                )
            )
        )
    raw_id = row.cells["idea_id"].strip()
    if _WHOLE_NUMBER.fullmatch(raw_id):
        row.idea_id = int(raw_id)
    else:
        problems.append(str(_l("The idea id must be a whole number.")))
    raw_progress = row.cells["progress"].strip()
    if _WHOLE_NUMBER.fullmatch(raw_progress) and int(raw_progress) <= 100:
        row.progress = int(raw_progress)
    else:
        problems.append(str(_l("Progress must be a whole number from 0 to 100.")))
    try:
        row.text = clean_milestone(row.cells["milestone"])
    except DomainError as error:
        problems.append(str(error.message))
    raw_date = row.cells["date"].strip()
    if raw_date:
        try:
            if not _ISO_DATE.fullmatch(raw_date):
                raise ValueError(raw_date)
            row.on = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(str(_l("Write the date as YYYY-MM-DD, for example 2025-03-31.")))
    if row.text is not None:
        try:
            row.on = check_milestone_date(row.on)
        except DomainError as error:
            problems.append(str(error.message))
    elif raw_date:
        problems.append(str(_l("A date needs a milestone; leave the date empty otherwise.")))
    return row


def _load_ideas(ids: set[int]) -> dict[int, Idea]:
    ideas: dict[int, Idea] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        ideas.update(
            (idea.id, idea) for idea in db.session.scalars(select(Idea).where(Idea.id.in_(chunk)))
        )
    return ideas


def _known_milestones(idea_ids) -> set[tuple[int, str, date]]:
    known: set[tuple[int, str, date]] = set()
    ordered = sorted(idea_ids)
    for start in range(0, len(ordered), _CHUNK):
        query = select(Milestone.idea_id, Milestone.description, Milestone.happened_on).where(
            Milestone.idea_id.in_(ordered[start : start + _CHUNK])
        )
        known.update(tuple(found) for found in db.session.execute(query))
    return known


def _authors_and_followers(ideas: list[Idea]) -> dict[int, set[int]]:
    """Each idea's author and followers, read in a few queries rather than one per idea."""
    recipients = {idea.id: {idea.author_id} - {None} for idea in ideas}
    ordered = sorted(recipients)
    for start in range(0, len(ordered), _CHUNK):
        query = select(Follow.idea_id, Follow.user_id).where(
            Follow.idea_id.in_(ordered[start : start + _CHUNK])
        )
        for idea_id, user_id in db.session.execute(query):
            recipients[idea_id].add(user_id)
    return recipients


def _check_against_database(rows: list[_Row], actor: User, report: ImportReport) -> None:
    """Check ideas, stages and duplicates; mark rows that would change nothing."""
    ideas = _load_ideas({row.idea_id for row in rows if row.idea_id is not None})
    known = _known_milestones(ideas)
    seen: dict[tuple, int] = {}
    progress_now = {idea_id: idea.progress for idea_id, idea in ideas.items()}
    for row in rows:
        if row.idea_id is not None:
            row.idea = ideas.get(row.idea_id)
            if row.idea is None:
                row.messages.append(str(_l("No idea has the id %(id)d.", id=row.idea_id)))
            elif not can_record_progress(actor, row.idea):
                row.messages.append(str(_l("You may not record progress on this idea.")))
            elif not accepts_progress(row.idea):
                row.messages.append(
                    str(
                        _l(
                            "Idea %(id)d is %(stage)s: progress is recorded only for piloted "
                            "and implemented ideas.",
                            id=row.idea_id,
                            stage=row.idea.stage.label,
                        )
                    )
                )
        if row.text is not None and row.idea_id is not None:
            key = (row.idea_id, row.text, row.on)
            if key in seen:
                row.messages.append(str(_l("This line repeats line %(line)d.", line=seen[key])))
            elif key in known:
                row.messages.append(
                    str(_l("This milestone is already recorded for this idea on that date."))
                )
            seen.setdefault(key, row.line)
        if row.messages:
            report.problems.append(ImportProblem(row.line, row.messages, row.cells))
        elif row.text is None and progress_now[row.idea_id] == row.progress:
            row.idea = None  # nothing to change: skipped, and counted as unchanged
            report.unchanged += 1
        else:
            progress_now[row.idea_id] = row.progress


def import_progress_csv(file_text: str, actor: User) -> ImportReport:
    """Validate every row of a progress CSV, then apply them all, or none if any is wrong.

    Columns: idea_id, progress, milestone, date (YYYY-MM-DD); the header row is required.
    Each applied row gets its own audit entry; the author and followers of each changed
    idea get one notification for the whole import.
    """
    if not is_staff(actor):
        raise PermissionDenied(_l("Only secretariat staff record implementation progress."))
    report = ImportReport()
    rows = _parse(file_text, report)
    if rows:
        _check_against_database(rows, actor, report)
    if report.problems:
        report.problems.sort(key=lambda problem: problem.line)
        return report
    applied = [row for row in rows if row.idea is not None]
    before: dict[int, int] = {}
    for row in applied:
        before.setdefault(row.idea.id, row.idea.progress)
    changes = [
        ProgressChange(
            row.idea, row.progress, row.text, row.on, {"source": "csv", "line": row.line}
        )
        for row in applied
    ]
    milestones: dict[int, int] = {}
    for row, milestone in zip(applied, apply_progress(changes, actor), strict=True):
        if milestone is not None:
            milestones[row.idea.id] = milestones.get(row.idea.id, 0) + 1
    report.applied = len(applied)
    report.milestones = sum(milestones.values())
    changed = {row.idea.id: row.idea for row in applied}
    report.ideas = list(changed.values())
    recipients = _authors_and_followers(report.ideas)
    for idea in report.ideas:
        notify(
            recipients[idea.id],
            "progress_updated",
            idea=idea,
            actor=actor,
            previous=before[idea.id],
            progress=idea.progress,
            milestones=milestones.get(idea.id, 0),
        )
    db.session.flush()
    return report


# Spreadsheets run a cell starting with one of these as a formula; a quote keeps it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def export_progress_csv() -> str:
    """Every piloted and implemented idea's progress as CSV, ready to edit and import again.

    The title and stage columns help the reader and are ignored on import; the milestone
    and date columns are left empty to fill in.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["idea_id", "title", "stage", "progress", "milestone", "date"])
    ideas = db.session.scalars(
        select(Idea).where(Idea.stage.in_(PROGRESS_STAGES)).order_by(Idea.id)
    )
    for idea in ideas:
        writer.writerow(
            [idea.id, _spreadsheet_text(idea.title), idea.stage.value, idea.progress, "", ""]
        )
    # The byte-order mark tells spreadsheet programs the file is UTF-8.
    return "\ufeff" + buffer.getvalue()
