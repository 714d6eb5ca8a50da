"""Bulk progress from CSV: every row validated first, all rows imported or none (no HTTP)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.board.services import follow_idea
from ideas.domain import DomainError, PermissionDenied
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.workflow.models import Milestone
from ideas.workflow.progress import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    MILESTONE_MAX,
    export_progress_csv,
    import_progress_csv,
    read_upload,
    record_progress,
    today,
)
from ideas.workflow.stages import Stage

pytestmark = pytest.mark.usefixtures("ctx")

HEADER = "idea_id,progress,milestone,date"


@pytest.fixture
def staff(make_user):
    return make_user(role=Role.SECRETARIAT)


@pytest.fixture
def ideas(make_user, make_idea):
    """Three ideas: piloted (a), implemented (b), and proposed (c, not open to progress)."""
    author = make_user()
    a, b, c = (make_idea(author=author, title=f"Idea {name}") for name in "abc")
    a.stage, b.stage = Stage.PILOTED, Stage.IMPLEMENTED
    db.session.commit()
    return a, b, c


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _assert_nothing_imported(*ideas_before):
    db.session.rollback()
    for idea, progress in ideas_before:
        assert db.session.get(Idea, idea.id).progress == progress
    assert _count(Milestone) == 0
    assert _count(AuditEntry, AuditEntry.action == "idea.progress") == 0
    assert _count(Notification, Notification.kind == "progress_updated") == 0


# A valid file ---------------------------------------------------------------------------


def test_a_valid_file_applies_every_row_in_order(ideas, staff, make_user):
    a, b, _ = ideas
    follower = make_user()
    follow_idea(follower, a)
    db.session.commit()
    text = _csv(
        HEADER,
        f"{a.id},40,Pilot running in two offices,2025-03-03",
        f'{a.id},60,"Training delivered to 40 staff, in both languages",2025-04-14',
        f"{b.id},100,,",
        f"{b.id},100,,",  # changes nothing once the row above applied: skipped
    )
    report = import_progress_csv(text, staff)
    db.session.commit()

    assert report.ok and report.problems == []
    assert (report.rows, report.applied, report.unchanged, report.milestones) == (4, 3, 1, 2)
    assert [idea.id for idea in report.ideas] == [a.id, b.id]
    assert db.session.get(Idea, a.id).progress == 60
    assert db.session.get(Idea, b.id).progress == 100
    milestones = db.session.scalars(select(Milestone).order_by(Milestone.id)).all()
    assert [(m.idea_id, m.description, m.happened_on.isoformat()) for m in milestones] == [
        (a.id, "Pilot running in two offices", "2025-03-03"),
        (a.id, "Training delivered to 40 staff, in both languages", "2025-04-14"),
    ]
    assert {m.recorded_by_id for m in milestones} == {staff.id}

    # One audit entry per applied row, saying where it came from.
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "idea.progress").order_by(AuditEntry.id)
    ).all()
    assert [(e.idea_id, e.details["previous"], e.details["progress"]) for e in entries] == [
        (a.id, 0, 40),
        (a.id, 40, 60),
        (b.id, 0, 100),
    ]
    assert [e.details["line"] for e in entries] == [2, 3, 4]
    assert {e.details["source"] for e in entries} == {"csv"}

    # One notification per idea and recipient for the whole import.
    notes = db.session.scalars(
        select(Notification).where(Notification.kind == "progress_updated")
    ).all()
    by_idea = {(n.idea_id, n.user_id): n.data for n in notes}
    assert by_idea == {
        (a.id, a.author_id): {"previous": 0, "progress": 60, "milestones": 2},
        (a.id, follower.id): {"previous": 0, "progress": 60, "milestones": 2},
        (b.id, b.author_id): {"previous": 0, "progress": 100, "milestones": 0},
    }


def test_an_empty_date_means_today_and_columns_may_come_in_any_order(ideas, staff):
    a, _, _ = ideas
    text = _csv("Date ; Milestone ; IDEA_ID ; progress ; notes", f" ; Kick-off ; {a.id} ; 5 ; x")
    report = import_progress_csv(text, staff)
    assert report.ok, report.problems
    assert report.ignored_columns == ["notes"]
    milestone = db.session.scalar(select(Milestone))
    assert (milestone.description, milestone.happened_on) == ("Kick-off", today())


def test_rows_may_leave_out_trailing_cells_of_ignored_columns(ideas, staff):
    a, _, _ = ideas
    report = import_progress_csv(_csv(HEADER + ",notes,", f"{a.id},50,,"), staff)
    assert report.ok, report.problems
    assert report.ignored_columns == ["notes"]
    assert db.session.get(Idea, a.id).progress == 50


def test_bom_crlf_quoted_newlines_and_blank_lines_are_understood(ideas, staff):
    a, b, _ = ideas
    text = (
        f"\ufeff{HEADER}\r\n"
        f'{a.id},10,"First line\r\nsecond line",2025-01-02\r\n'
        "\r\n"
        ",,,\r\n"
        f"{b.id},20,,\r\n"
    )
    report = import_progress_csv(text, staff)
    assert report.ok, report.problems
    assert report.rows == 2
    assert db.session.scalar(select(Milestone.description)) == "First line second line"


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+SUM(A1:A9)",
        "-2+3",
        "@cmd",
        '<script>alert("x")</script><b>bold</b>',
        "Tom &amp; Jerry's &lt;plan&gt;",
    ],
)
def test_formula_looking_and_html_cells_are_stored_as_the_text_they_are(ideas, staff, cell):
    a, _, _ = ideas
    quoted = '"' + cell.replace('"', '""') + '"'
    report = import_progress_csv(_csv(HEADER, f"{a.id},50,{quoted},2025-01-02"), staff)
    assert report.ok, report.problems
    assert db.session.scalar(select(Milestone.description)) == cell


def test_the_row_limit_itself_is_accepted(ideas, staff):
    a, _, _ = ideas
    rows = [f"{a.id},{n % 2},," for n in range(1, IMPORT_MAX_ROWS + 1)]
    report = import_progress_csv(_csv(HEADER, *rows), staff)
    assert report.ok, report.problems[:3]
    assert report.applied == IMPORT_MAX_ROWS


# Invalid rows: each kind is reported with its line, and nothing is imported -------------


BAD_ROWS = {
    "unknown idea": ("{missing},50,,", "No idea has the id"),
    "wrong stage": ("{c},50,,", "progress is recorded only for piloted and implemented"),
    "idea id not a number": ("abc,50,,", "The idea id must be a whole number"),
    "idea id empty": (",50,Done,", "The idea id must be a whole number"),
    "progress text": ("{a},fifty,,", "Progress must be a whole number from 0 to 100"),
    "progress decimal": ("{a},50.5,,", "Progress must be a whole number from 0 to 100"),
    "progress negative": ("{a},-5,,", "Progress must be a whole number from 0 to 100"),
    "progress above 100": ("{a},101,,", "Progress must be a whole number from 0 to 100"),
    "progress percent sign": ("{a},50%,,", "Progress must be a whole number from 0 to 100"),
    "progress empty": ("{a},,Done,2025-01-01", "Progress must be a whole number from 0 to 100"),
    "date impossible": ("{a},50,Done,2025-02-30", "YYYY-MM-DD"),
    "date month 13": ("{a},50,Done,2025-13-01", "YYYY-MM-DD"),
    "date other format": ("{a},50,Done,03/01/2025", "YYYY-MM-DD"),
    "date compact": ("{a},50,Done,20250301", "YYYY-MM-DD"),
    "date in the future": ("{a},50,Done,{future}", "cannot be in the future"),
    "date without milestone": ("{a},50,,2025-01-01", "A date needs a milestone"),
    "milestone too long": ("{a},50,{long},2025-01-01", "at most 500 characters"),
    "too few cells": ("{a},50", "This line has 2 cells; the header has 4"),
    "too many cells": ("{a},50,Done,2025-01-01,extra", "This line has 5 cells; the header has 4"),
    "header repeated": ("idea_id,progress,milestone,date", "repeats the header row"),
    "repeated line": ("{a},30,Kick-off,2025-01-01", "This line repeats line 2"),
    "already recorded": ("{a},50,Recorded before,2024-12-01", "already recorded"),
}


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_each_kind_of_bad_row_is_reported_with_its_line_and_nothing_is_imported(ideas, staff, kind):
    a, b, c = ideas
    if kind == "already recorded":
        record_progress(a, staff, 10, "Recorded before", date(2024, 12, 1))
        db.session.commit()
    before = [(a, a.progress), (b, b.progress)]
    template, expected = BAD_ROWS[kind]
    bad = template.format(
        a=a.id,
        c=c.id,
        missing=c.id + 1000,
        future=(today() + timedelta(days=3)).isoformat(),
        long="x" * (MILESTONE_MAX + 1),
    )
    text = _csv(HEADER, f"{a.id},30,Kick-off,2025-01-01", bad, f"{b.id},70,,")
    audit_before = _count(AuditEntry)

    report = import_progress_csv(text, staff)

    assert not report.ok
    assert [problem.line for problem in report.problems] == [3]
    assert any(expected in message for message in report.problems[0].messages), report.problems
    assert report.applied == 0 and report.ideas == []
    assert _count(AuditEntry) == audit_before
    if kind != "already recorded":
        _assert_nothing_imported(*before)
    else:
        db.session.rollback()
        assert db.session.get(Idea, b.id).progress == 0
        assert _count(Milestone) == 1


def test_every_bad_row_is_listed_in_line_order_with_all_its_reasons(ideas, staff):
    a, b, c = ideas
    text = _csv(
        HEADER,
        f"{a.id},200,,31/12/2024",  # line 2: two problems
        f"{b.id},50,,",  # line 3: fine
        "",  # line 4: blank, skipped
        f"{c.id},10,,",  # line 5: wrong stage
        f'{a.id},20,"spans\ntwo lines",nope',  # lines 6-7: bad date
        "x,y,,",  # line 8
    )
    report = import_progress_csv(text, staff)
    assert [problem.line for problem in report.problems] == [2, 5, 6, 8]
    assert len(report.problems[0].messages) == 3  # progress, date format, date without milestone
    assert len(report.problems[3].messages) == 2
    assert report.problems[0].cells == {
        "idea_id": str(a.id),
        "progress": "200",
        "milestone": "",
        "date": "31/12/2024",
    }
    _assert_nothing_imported((a, 0), (b, 0))


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("", 1, "The file is empty"),
        ("  \n\n", 1, "The file is empty"),
        ("\ufeff", 1, "The file is empty"),
        (HEADER + "\n", 2, "no rows to import"),
        ("idea_id,progress,milestone\n1,2,3\n", 1, "lacks the columns: date"),
        ("idea,percent\n1,2\n", 1, "The first line must be the header"),
        ("12,50,Done,2025-01-01\n", 1, "The first line must be the header"),
        (
            "idea_id,progress,milestone,date,progress\n1,2,,,3\n",
            1,
            "names the column progress twice",
        ),
        (HEADER + "\n1,50,bad\x00byte,\n", 2, "NUL"),
    ],
)
def test_file_level_problems_are_reported(ideas, staff, text, line, expected):
    report = import_progress_csv(text, staff)
    assert not report.ok
    assert report.problems[0].line == line
    assert expected in report.problems[0].messages[0]
    _assert_nothing_imported((ideas[0], 0))


def test_more_than_the_row_limit_is_refused_whole(ideas, staff):
    a, _, _ = ideas
    rows = [f"{a.id},{n % 2},," for n in range(1, IMPORT_MAX_ROWS + 2)]
    report = import_progress_csv(_csv(HEADER, *rows), staff)
    assert [problem.line for problem in report.problems] == [IMPORT_MAX_ROWS + 2]
    assert "more than 5000 rows" in report.problems[0].messages[0]
    _assert_nothing_imported((a, 0))


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_only_staff_import(ideas, make_user, role):
    a, _, _ = ideas
    with pytest.raises(PermissionDenied):
        import_progress_csv(_csv(HEADER, f"{a.id},50,,"), make_user(role=role))
    _assert_nothing_imported((a, 0))


# Reading the upload, and the export ------------------------------------------------------


def test_read_upload_accepts_utf8_with_or_without_bom():
    assert read_upload("idea_id,é\n".encode()) == "idea_id,é\n"
    assert read_upload("\ufeffidea_id,進度\n".encode()) == "idea_id,進度\n"


def test_read_upload_refuses_other_encodings_and_large_files():
    with pytest.raises(DomainError) as caught:
        read_upload("idea_id,progrès\n".encode("cp1252"))
    assert caught.value.field == "file" and "UTF-8" in str(caught.value)
    with pytest.raises(DomainError) as caught:
        read_upload(b"x" * (IMPORT_MAX_BYTES + 1))
    assert caught.value.field == "file" and "1 MB" in str(caught.value)
    assert read_upload(b"x" * IMPORT_MAX_BYTES)  # the limit itself is fine


def test_export_lists_open_ideas_with_formula_titles_defused_and_imports_back(make_idea, staff):
    formula = make_idea(title='=HYPERLINK("http://evil.example")')
    plain = make_idea(title="Shared desks, fewer leases")
    proposed = make_idea(title="Not yet piloted")
    formula.stage, plain.stage = Stage.PILOTED, Stage.IMPLEMENTED
    plain.progress = 80
    db.session.commit()

    text = export_progress_csv()

    assert text.startswith("\ufeffidea_id,title,stage,progress,milestone,date\r\n")
    assert f'{formula.id},"\'=HYPERLINK(""http://evil.example"")",piloted,0,,\r\n' in text
    assert f'{plain.id},"Shared desks, fewer leases",implemented,80,,\r\n' in text
    assert str(proposed.title) not in text
    report = import_progress_csv(text, staff)
    assert report.ok and report.applied == 0 and report.unchanged == 2
    assert report.ignored_columns == ["title", "stage"]
