"""Export downloads: access by role, filters from the URL, streaming in batches."""

import csv
import io
import json

import pytest
from sqlalchemy import event

from ideas.accounts.models import Role
from ideas.extensions import db
from tests.unit.test_reports import build_world


@pytest.fixture
def world(app, make_user, make_department, make_idea):
    with app.app_context():
        return build_world(make_user, make_department, make_idea)


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.SECRETARIAT, Role.ADMIN])
def test_dashboard_roles_download_both_formats(client, auth, world, role):
    auth.as_role(role)
    sheet = client.get("/exports/ideas.csv")
    assert sheet.status_code == 200
    assert sheet.mimetype == "text/csv"
    assert 'attachment; filename="ideas-' in sheet.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    assert {int(row["id"]) for row in rows} == {
        world.desks, world.forms, world.printers, world.duplicate, world.april
    }  # fmt: skip
    document = client.get("/exports/ideas.json")
    assert document.mimetype == "application/json"
    assert len(json.loads(document.text)["ideas"]) == 5


@pytest.mark.parametrize("path", ["/exports/ideas.csv", "/exports/ideas.json"])
def test_members_get_403_and_visitors_sign_in(client, auth, world, path):
    assert client.get(path).status_code == 302
    auth.as_role(Role.MEMBER)
    assert client.get(path).status_code == 403


def test_the_dashboard_filters_in_the_url_narrow_the_export(client, auth, world):
    auth.as_role(Role.EXECUTIVE)
    march = json.loads(client.get("/exports/ideas.json?from=2026-03-01&to=2026-03-31").text)
    assert {idea["id"] for idea in march["ideas"]} == {world.desks, world.forms, world.duplicate}
    assert march["filters"] == {"from": "2026-03-01", "to": "2026-03-31"}
    cra = client.get(f"/exports/ideas.csv?department={world.cra}&from=2026-03-01").text
    assert {int(row["id"]) for row in csv.DictReader(io.StringIO(cra.lstrip("\ufeff")))} == {
        world.desks,
        world.april,
    }


@pytest.mark.parametrize("query", ["from=junk", "to=9999-12-31", "from=0001-01-01", "group=-4"])
def test_odd_filters_never_fail(client, auth, world, query):
    auth.as_role(Role.EXECUTIVE)
    assert client.get(f"/exports/ideas.json?{query}").status_code == 200
    assert client.get(f"/exports/ideas.csv?{query}").status_code == 200


def test_no_email_address_or_name_in_the_download(client, auth, world):
    auth.as_role(Role.ADMIN)
    text = client.get("/exports/ideas.csv").text + client.get("/exports/ideas.json").text
    assert "@" not in text.replace("@SUM", "")  # no email anywhere
    for name in ("Ana Author", "Bob Builder", "Sam Staff"):
        assert name not in text


def test_the_response_streams_in_batches(client, auth, world, app, make_idea):
    for _ in range(5):
        make_idea()  # 10 visible ideas
    app.config["EXPORT_BATCH_SIZE"] = 3
    auth.as_role(Role.EXECUTIVE)
    statements = []
    with app.app_context():
        engine = db.engine

    def remember(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get("/exports/ideas.csv", buffered=False)
        assert response.is_streamed
        assert not any("from idea" in s for s in statements)  # nothing read yet
        chunks = iter(response.response)
        assert next(chunks).decode().startswith("\ufeffid,title")
        next(chunks)
        assert len([s for s in statements if "from idea" in s]) == 1
        rest = b"".join(chunks)
        response.close()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert rest.count(b"\r\n") == 7  # 10 ideas, 3 in the first batch
    idea_queries = [s for s in statements if "from idea" in s]
    history_queries = [s for s in statements if "from stage_change" in s]
    assert len(idea_queries) == len(history_queries) == 4  # batches of 3, 3, 3, 1
