"""The progress pages by role: recording one idea's progress, the CSV import, the export."""

import io

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role
from ideas.audit.models import AuditEntry
from ideas.board.models import Idea
from ideas.extensions import db
from ideas.workflow.models import Milestone
from ideas.workflow.progress import IMPORT_MAX_BYTES
from ideas.workflow.stages import Stage
from tests.functional.html_dom import field_error, parse

HEADER = b"idea_id,progress,milestone,date\n"


def _idea_at(app, make_idea, stage, **kwargs):
    idea = make_idea(**kwargs)
    with app.app_context():
        db.session.get(Idea, idea.id).stage = stage
        db.session.commit()
    return idea.id


def _progress(app, idea_id):
    with app.app_context():
        return db.session.get(Idea, idea_id).progress


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, content: bytes, filename="progress.csv"):
    return client.post(
        "/progress/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


# One idea at a time ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_members_and_executives_may_not_record_progress(app, client, auth, make_idea, role):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    auth.as_role(role)
    assert client.get(f"/ideas/{idea_id}/progress").status_code == 403
    response = client.post(f"/ideas/{idea_id}/progress", data={"progress": "50"})
    assert response.status_code == 403
    assert _progress(app, idea_id) == 0


def test_signed_out_visitors_are_sent_to_sign_in(app, client, make_idea):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    response = client.get(f"/ideas/{idea_id}/progress")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_unknown_idea_is_404(client, auth):
    auth.as_role(Role.SECRETARIAT)
    assert client.get("/ideas/999999/progress").status_code == 404


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_see_the_form_with_labelled_controls(app, client, auth, make_idea, role):
    idea_id = _idea_at(app, make_idea, Stage.IMPLEMENTED)
    auth.as_role(role)
    response = client.get(f"/ideas/{idea_id}/progress")
    assert response.status_code == 200
    page = parse(response.text)
    assert len(page.find_all("h1")) == 1
    for control_id in ("progress", "milestone", "happened_on"):
        assert page.one("label", **{"for": control_id})
        assert page.one(id=control_id)
    assert page.one(id="progress").value() == "0"
    assert page.one(id="happened_on").get("type") == "date"
    assert page.one("form", class_="form").one("input", name="csrf_token")


def test_recording_progress_redirects_to_the_idea_page_showing_it(app, client, auth, make_idea):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    staff = auth.as_role(Role.SECRETARIAT, display_name="Sam Secretariat")
    response = client.post(
        f"/ideas/{idea_id}/progress",
        data={
            "progress": "40",
            "milestone": "Pilot opened in Moncton",
            "happened_on": "2025-03-03",
        },
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/ideas/{idea_id}#progress")
    assert _progress(app, idea_id) == 40
    with app.app_context():
        milestone = db.session.scalar(select(Milestone))
        assert milestone.recorded_by_id == staff.id
        assert milestone.happened_on.isoformat() == "2025-03-03"
    page = parse(client.get(f"/ideas/{idea_id}").text)
    assert page.one("progress").get("value") == "40"
    assert "Pilot opened in Moncton" in page.one("ul", class_="milestones").text()


def test_a_bad_form_answers_422_and_keeps_the_input(app, client, auth, make_idea):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        f"/ideas/{idea_id}/progress",
        data={"progress": "150", "milestone": "Kept <b>text</b>", "happened_on": "2025-01-31"},
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert "0 to 100" in field_error(page, "progress")
    assert page.one(id="progress").value() == "150"
    assert page.one(id="milestone").value() == "Kept <b>text</b>"
    assert page.one(id="happened_on").value() == "2025-01-31"
    assert _count(app, Milestone) == 0


def test_a_service_error_is_shown_next_to_its_field(app, client, auth, make_idea):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        f"/ideas/{idea_id}/progress", data={"progress": "10", "happened_on": "2025-01-31"}
    )
    assert response.status_code == 422
    assert "Describe the milestone" in field_error(parse(response.text), "milestone")


def test_ideas_not_piloted_or_implemented_take_no_progress(app, client, auth, make_idea):
    idea_id = _idea_at(app, make_idea, Stage.ASSESSED)
    auth.as_role(Role.SECRETARIAT)
    page = parse(client.get(f"/ideas/{idea_id}/progress").text)
    assert "only for piloted and implemented ideas" in page.one(class_="notice").text()
    assert page.find(id="progress") is None
    response = client.post(f"/ideas/{idea_id}/progress", data={"progress": "50"})
    assert response.status_code == 422
    assert (
        "only for piloted and implemented"
        in parse(response.text).one(class_="error-summary").text()
    )
    assert _progress(app, idea_id) == 0


def test_milestone_html_is_shown_as_text(app, client, auth, make_idea):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    auth.as_role(Role.SECRETARIAT)
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(f"/ideas/{idea_id}/progress", data={"progress": "10", "milestone": text})
    for path in (f"/ideas/{idea_id}", f"/ideas/{idea_id}/progress"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x" in html
        assert text in parse(html).one("span", class_="milestone-text").text()


# The CSV import -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE])
def test_members_may_not_import_or_export(app, client, auth, make_idea, role):
    idea_id = _idea_at(app, make_idea, Stage.PILOTED)
    auth.as_role(role)
    assert client.get("/progress/import").status_code == 403
    assert _upload(client, HEADER + f"{idea_id},50,,\n".encode()).status_code == 403
    assert client.get("/progress/export.csv").status_code == 403
    assert _progress(app, idea_id) == 0


def test_the_import_page_explains_the_format(client, auth):
    auth.as_role(Role.SECRETARIAT)
    response = client.get("/progress/import")
    assert response.status_code == 200
    page = parse(response.text)
    form = page.one("form", enctype="multipart/form-data")
    assert form.one("input", type="file", name="file").get("accept") == ".csv,text/csv"
    assert page.one("label", **{"for": "file"})
    facts = page.one("dl", class_="facts").text()
    for column in ("idea_id", "progress", "milestone", "date", "YYYY-MM-DD"):
        assert column in facts
    assert page.one("pre").text().startswith("idea_id,progress,milestone,date")


def test_a_valid_upload_imports_every_row_and_shows_a_summary(app, client, auth, make_idea):
    a = _idea_at(app, make_idea, Stage.PILOTED, title="Shared desks for every team")
    b = _idea_at(app, make_idea, Stage.IMPLEMENTED)
    auth.as_role(Role.SECRETARIAT)
    content = (
        HEADER
        + (
            f"{a},40,Pilot running,2025-03-03\n{a},60,Training done,2025-04-14\n{b},100,,\n"
        ).encode()
    )
    response = _upload(client, content)
    assert response.status_code == 200, response.text
    summary = parse(response.text).one("section", class_="import-summary")
    assert "3 rows applied" in summary.text()
    assert "2 milestones added" in summary.text()
    assert summary.one("a", href=f"/ideas/{a}#progress").text() == "Shared desks for every team"
    assert (_progress(app, a), _progress(app, b)) == (60, 100)
    assert _count(app, Milestone) == 2


def test_an_invalid_upload_lists_each_bad_line_escaped_and_imports_nothing(
    app, client, auth, make_idea
):
    a = _idea_at(app, make_idea, Stage.PILOTED)
    proposed = _idea_at(app, make_idea, Stage.PROPOSED)
    auth.as_role(Role.SECRETARIAT)
    content = (
        HEADER
        + (
            f"{a},40,Fine row,2025-03-03\n"
            f'{a},abc,"<img src=x onerror=alert(1)>",2025-03-04\n'
            f"{proposed},10,,\n"
            f'{a},50,=HYPERLINK("http://evil"),31/03/2025\n'
        ).encode()
    )
    audit_before = _count(app, AuditEntry)
    response = _upload(client, content)
    assert response.status_code == 422
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text
    page = parse(response.text)
    assert "Nothing was imported" in page.one(role="alert").text()
    rows = page.one("table", class_="report-table").find("tbody").find_all("tr")
    assert [row.one("th").text() for row in rows] == ["3", "4", "5"]
    assert "<img src=x onerror=alert(1)>" in rows[0].text()
    assert "Progress must be a whole number" in rows[0].text()
    assert "progress is recorded only for piloted" in rows[1].text()
    assert '=HYPERLINK("http://evil")' in rows[2].text() and "YYYY-MM-DD" in rows[2].text()
    assert _progress(app, a) == 0
    assert _count(app, Milestone) == 0
    assert _count(app, AuditEntry) == audit_before


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"idea_id,progress\n", "progress.txt", ".csv"),
        ("idea_id,progrès\n".encode("cp1252"), "progress.csv", "UTF-8"),
        (b"x" * (IMPORT_MAX_BYTES + 10), "progress.csv", "1 MB"),
    ],
)
def test_a_wrong_file_is_refused_on_the_field(client, auth, content, filename, expected):
    auth.as_role(Role.SECRETARIAT)
    response = _upload(client, content, filename)
    assert response.status_code == 422
    assert expected in field_error(parse(response.text), "file")


def test_no_file_is_refused_on_the_field(client, auth):
    auth.as_role(Role.SECRETARIAT)
    response = client.post("/progress/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV file" in field_error(parse(response.text), "file")


def test_an_upload_above_the_request_limit_is_413(client, auth):
    auth.as_role(Role.SECRETARIAT)
    assert _upload(client, b"x" * (3 * 1024 * 1024)).status_code == 413


def test_the_upload_needs_a_csrf_token(app, client, auth, make_idea):
    a = _idea_at(app, make_idea, Stage.PILOTED)
    auth.as_role(Role.SECRETARIAT)
    response = client.post(
        "/progress/import",
        data={"file": (io.BytesIO(HEADER + f"{a},50,,\n".encode()), "p.csv")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert _progress(app, a) == 0


def test_staff_export_a_csv_they_can_import_again(app, client, auth, make_idea):
    a = _idea_at(app, make_idea, Stage.PILOTED, title="=cmd|' /C calc'!A0")
    auth.as_role(Role.SECRETARIAT)
    response = client.get("/progress/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"{a},'=cmd|' /C calc'!A0,piloted,0,,\r\n" in response.text
    again = _upload(client, response.data)
    assert again.status_code == 200
    assert "1 row changed nothing" in parse(again.text).one(class_="import-summary").text()
