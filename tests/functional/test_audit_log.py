"""Browsing the audit log: admins only, newest first, every filter, bad input, escaping."""

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from ideas.accounts.models import Role, User
from ideas.audit.services import record
from ideas.extensions import db
from tests.functional.html_dom import field_error, parse


def add_entry(app, actor, action, when, idea=None, **details):
    """Append one entry with a chosen time, the way services do; return its id."""
    with app.app_context():
        actor_row = db.session.get(User, actor.id) if actor is not None else None
        entry = record(actor_row, action, idea_id=idea.id if idea else None, **details)
        entry.created_at = when  # still pending: an insert, not a change
        db.session.commit()
        return entry.id


def rows(page):
    """The table rows of entries on a parsed log page."""
    return page.find_all("tr", class_="audit-entry")


def cells(row):
    """A row's cells as text: when, who, action, idea, details."""
    return [cell.text() for cell in row.find_all("td")]


def log(client, query=""):
    """GET the log page and parse it; returns (status, page)."""
    response = client.get(f"/admin/audit{query}")
    return response.status_code, parse(response.text)


@pytest.fixture
def entries(app, make_user, make_idea):
    """Four entries by two actors on two ideas over three days, and one by the CLI."""
    ada = make_user(email="ada@example.gc.ca", display_name="Ada Admin", role=Role.ADMIN)
    sam = make_user(email="sam@example.gc.ca", display_name="Sam Staff", role=Role.SECRETARIAT)
    first = make_idea(title="Shared calendars")
    second = make_idea(title="Paperless travel claims")
    moved = {"from_stage": "proposed", "to_stage": "under_review"}
    add_entry(app, sam, "idea.move_stage", datetime(2025, 3, 1, 9), first,
              **moved, rationale="Worth a closer look.")  # fmt: skip
    add_entry(app, sam, "idea.merge", datetime(2025, 3, 2, 23, 59), second, target_id=first.id)
    declined = {"from_stage": "proposed", "to_stage": "declined"}
    add_entry(app, ada, "idea.move_stage", datetime(2025, 3, 3, 0, 0), second,
              **declined, rationale="Already done elsewhere.")  # fmt: skip
    add_entry(app, None, "user.set_role", datetime(2025, 3, 3, 12), None, old="member", new="admin")
    return {"ada": ada, "sam": sam, "first": first, "second": second}


# --- Access -------------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE])
def test_only_admins_may_browse(client, auth, role):
    auth.as_role(role)
    assert client.get("/admin/audit").status_code == 403


def test_admin_browses_newest_first_with_readable_rows(client, auth, entries):
    auth.as_role(Role.ADMIN)
    status, page = log(client)
    assert status == 200
    assert page.one("h1").text() == "Audit log"
    listed = [cells(row) for row in rows(page)]
    assert [row[1] for row in listed] == [
        "System or command line",
        "Ada Admin",
        "Sam Staff",
        "Sam Staff",
    ]
    assert [row[2] for row in listed] == [
        "Role changed",
        "Stage moved",
        "Ideas merged",
        "Stage moved",
    ]
    assert listed[1][3] == f"#{entries['second'].id} Paperless travel claims"
    assert listed[0][3] == "—"
    # Details read as a definition list of names and values, in recorded order.
    details = rows(page)[1].one("dl", class_="audit-details")
    pairs = list(zip([dt.text() for dt in details.find_all("dt")],
                     [dd.text() for dd in details.find_all("dd")], strict=True))  # fmt: skip
    assert pairs == [
        ("From stage", "proposed"),
        ("To stage", "declined"),
        ("Rationale", "Already done elsewhere."),
    ]
    # The idea and the actor are links.
    row = rows(page)[1]
    assert row.find_all("a")[0].get("href") == f"/members/{entries['ada'].id}"
    assert row.find_all("a")[1].get("href") == f"/ideas/{entries['second'].id}"
    assert "4 entries" in page.one("p", class_="result-count").text()


def test_the_log_takes_no_posts(client, auth):
    auth.as_role(Role.ADMIN)
    assert client.post("/admin/audit").status_code == 405


# --- Filters ------------------------------------------------------------------------------


def test_action_filter_offers_the_actions_present(client, auth, entries, app):
    add_entry(app, None, "custom.experiment", datetime(2025, 1, 1))
    auth.as_role(Role.ADMIN)
    _, page = log(client)
    select = page.one("select", id="action")
    assert select.option_values() == [
        "",
        "custom.experiment",
        "idea.merge",
        "idea.move_stage",
        "user.set_role",
    ]
    labels = [option.text() for option in select.find_all("option")]
    # Known actions are translated labels; an unknown one shows as recorded.
    assert labels == [
        "Any action",
        "custom.experiment",
        "Ideas merged",
        "Stage moved",
        "Role changed",
    ]
    assert page.one("label", **{"for": "action"}).text() == "Action"

    status, page = log(client, "?action=idea.move_stage")
    assert status == 200
    assert [cells(row)[2] for row in rows(page)] == ["Stage moved", "Stage moved"]
    assert page.one("select", id="action").value() == "idea.move_stage"

    status, page = log(client, "?action=custom.experiment")
    assert [cells(row)[2] for row in rows(page)] == ["custom.experiment"]


def test_a_tampered_action_finds_nothing_rather_than_failing(client, auth, entries):
    auth.as_role(Role.ADMIN)
    status, page = log(client, "?action=no.such.action")
    assert status == 200
    assert rows(page) == []
    assert "No entry matches these filters." in page.text()


@pytest.mark.parametrize("how", ["email", "EMAIL", "id"])
def test_actor_filter_by_email_or_id(client, auth, entries, how):
    auth.as_role(Role.ADMIN)
    sam = entries["sam"]
    value = {"email": sam.email, "EMAIL": f"  {sam.email.upper()} ", "id": str(sam.id)}[how]
    status, page = log(client, f"?actor={value.replace(' ', '+')}")
    assert status == 200
    assert [cells(row)[1] for row in rows(page)] == ["Sam Staff", "Sam Staff"]
    assert page.one("input", id="actor").value() == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nobody@example.gc.ca", "No account has this email address."),
        ("sam", "Enter an email address or a member number."),
        ("99999999999999999999", "Enter an email address or a member number."),
    ],
)
def test_actor_filter_explains_what_it_needs(client, auth, entries, value, message):
    auth.as_role(Role.ADMIN)
    status, page = log(client, f"?actor={value}")
    assert status == 422
    assert field_error(page, "actor") == message
    assert page.one("input", id="actor").value() == value
    assert rows(page) == []


def test_actor_id_of_nobody_finds_nothing(client, auth, entries):
    auth.as_role(Role.ADMIN)
    status, page = log(client, "?actor=987654")
    assert status == 200
    assert rows(page) == []


def test_idea_filter(client, auth, entries):
    auth.as_role(Role.ADMIN)
    first = entries["first"]
    status, page = log(client, f"?idea={first.id}")
    assert status == 200
    assert [cells(row)[3] for row in rows(page)] == [f"#{first.id} Shared calendars"]


@pytest.mark.parametrize("value", ["abc", "0", "-3", "99999999999999"])
def test_idea_filter_refuses_what_is_not_an_idea_number(client, auth, entries, value):
    auth.as_role(Role.ADMIN)
    status, page = log(client, f"?idea={value}")
    assert status == 422
    assert field_error(page, "idea") == "Enter a number, such as 42."
    assert page.one("input", id="idea").value() == value


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("?date_from=2025-03-02", ["user.set_role", "idea.move_stage", "idea.merge"]),
        ("?date_to=2025-03-02", ["idea.merge", "idea.move_stage"]),
        ("?date_from=2025-03-02&date_to=2025-03-02", ["idea.merge"]),
        ("?date_from=2025-03-03&date_to=2025-03-03", ["user.set_role", "idea.move_stage"]),
        ("?date_from=2025-04-01", []),
        ("?date_from=0001-01-01&date_to=9999-12-31", None),  # the calendar's ends
    ],
)
def test_date_filters_include_whole_days(client, auth, entries, query, actions):
    auth.as_role(Role.ADMIN)
    status, page = log(client, query)
    assert status == 200
    everything = ["user.set_role", "idea.move_stage", "idea.merge", "idea.move_stage"]
    expected = everything if actions is None else actions
    labels = {
        "user.set_role": "Role changed",
        "idea.move_stage": "Stage moved",
        "idea.merge": "Ideas merged",
    }
    assert [cells(row)[2] for row in rows(page)] == [labels[a] for a in expected]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_from", "yesterday"),
        ("date_from", "2025-02-30"),
        ("date_to", "03/04/2025"),
        ("date_to", "2025-13-01"),
    ],
)
def test_bad_dates_get_a_clear_message(client, auth, entries, field, value):
    auth.as_role(Role.ADMIN)
    status, page = log(client, f"?{field}={value}")
    assert status == 422
    assert field_error(page, field) == "Enter the date as YYYY-MM-DD, for example 2025-03-31."
    assert page.one("input", id=field).value() == value  # the input is kept
    assert page.one("input", id=field).get("type") == "text"  # and shown back as typed
    assert page.one("div", class_="error-summary") is not None
    assert "Correct the filters above to see entries." in page.text()


def test_a_period_ending_before_it_starts_is_refused(client, auth, entries):
    auth.as_role(Role.ADMIN)
    status, page = log(client, "?date_from=2025-03-03&date_to=2025-03-01")
    assert status == 422
    assert field_error(page, "date_to") == "The end date cannot be before the start date."


def test_filters_combine(client, auth, entries):
    auth.as_role(Role.ADMIN)
    sam = entries["sam"]
    status, page = log(client, f"?action=idea.move_stage&actor={sam.email}&date_to=2025-03-01")
    assert status == 200
    assert [cells(row)[1:3] for row in rows(page)] == [["Sam Staff", "Stage moved"]]


def test_dates_follow_the_sites_time_zone(client, auth, app, make_user):
    # 2025-03-02 02:00 UTC is still 1 March in Toronto (UTC-5).
    add_entry(app, None, "idea.merge", datetime(2025, 3, 2, 2, 0))
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/Toronto"
    auth.as_role(Role.ADMIN)
    _, page = log(client, "?date_from=2025-03-01&date_to=2025-03-01")
    assert len(rows(page)) == 1
    _, page = log(client, "?date_from=2025-03-02")
    assert rows(page) == []


# --- Pagination ---------------------------------------------------------------------------


def test_fifty_entries_a_page_with_filters_kept(client, auth, app, make_user):
    sam = make_user(email="sam@example.gc.ca", display_name="Sam Staff", role=Role.SECRETARIAT)
    with app.app_context():
        actor = db.session.get(User, sam.id)
        for n in range(51):
            entry = record(actor, "idea.assess", number=n)
            entry.created_at = datetime(2025, 1, 1, 0, n)
        record(None, "user.set_role", old="member", new="admin")  # filtered out below
        db.session.commit()
    auth.as_role(Role.ADMIN)

    status, first = log(client, f"?action=idea.assess&actor={sam.email}")

    assert status == 200
    assert len(rows(first)) == 50
    # Newest first: the entry made last (number 50) leads.
    assert rows(first)[0].one("dd").text() == "50"
    link = first.one("nav", class_="pagination").one("a", rel="next").get("href")
    query = parse_qs(urlsplit(link).query)
    assert query == {"action": ["idea.assess"], "actor": [sam.email], "page": ["2"]}
    _, second = log(client, "?" + urlsplit(link).query)
    assert [row.one("dd").text() for row in rows(second)] == ["0"]
    assert "51 entries" in second.one("p", class_="result-count").text()


def test_a_page_past_the_end_is_empty_not_an_error(client, auth, entries):
    auth.as_role(Role.ADMIN)
    status, page = log(client, "?page=99")
    assert status == 200
    assert rows(page) == []


# --- Escaping -----------------------------------------------------------------------------


def test_details_and_names_are_escaped(client, auth, app, make_user, make_idea):
    villain = make_user(display_name="<b>Mallory</b>", role=Role.SECRETARIAT)
    idea = make_idea(title="<img src=x onerror=alert(1)>")
    add_entry(
        app,
        villain,
        "<script>alert('action')</script>",
        datetime(2025, 5, 1),
        idea,
        **{"<i>key</i>": "<script>alert('value')</script>", "list": ["<a>", 1, None, True]},
    )
    auth.as_role(Role.ADMIN)

    response = client.get("/admin/audit")

    html = response.text
    assert response.status_code == 200
    for raw in ("<script>alert", "<b>Mallory</b>", "<img src=x", "<i>key</i>", "<a>,"):
        assert raw not in html
    row = rows(parse(html))[0]
    assert cells(row)[1] == "<b>Mallory</b>"
    assert cells(row)[2] == "<script>alert('action')</script>"
    details = row.one("dl")
    assert [dt.text() for dt in details.find_all("dt")] == ["<i>key</i>", "list"]
    assert [dd.text() for dd in details.find_all("dd")] == [
        "<script>alert('value')</script>",
        "<a>, 1, —, yes",
    ]
