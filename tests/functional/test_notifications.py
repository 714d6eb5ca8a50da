"""The notification centre: own notifications only, marking read, the header count, each kind."""

from urllib.parse import urlsplit

from sqlalchemy import event, select

from ideas.accounts.models import Role, User
from ideas.board.models import Idea
from ideas.board.services import follow_idea
from ideas.extensions import db
from ideas.notifications.models import Notification
from ideas.notifications.services import notify
from ideas.workflow.services import move_stage
from ideas.workflow.stages import Stage
from tests.functional.html_dom import parse

# Each known kind, with its data and the English text it must read as.
KINDS = {
    "stage_moved": (
        {"from_stage": "proposed", "to_stage": "under_review"},
        "Moved from Proposed to Under review.",
    ),
    "official_response": ({}, "An official response was posted."),
    "moderated": (
        {"outcome": "hidden"},
        "Your content here was reported to the moderators: a moderator hid it from members.",
    ),
    "expert_assigned": ({}, "You were asked to assess this idea as an expert."),
    "reviewer_assigned": ({}, "You were assigned to review this idea."),
    "progress_updated": ({"previous": 10, "progress": 40}, "Implementation progress is now 40%."),
}
GENERIC = "Something happened on an idea."


def send(app, recipient, kind, idea=None, actor=None, **data):
    """Queue one notification through the service and commit; return its id."""
    with app.app_context():
        idea_row = db.session.get(Idea, idea.id) if idea is not None else None
        actor_row = db.session.get(User, actor.id) if actor is not None else None
        notify([recipient.id], kind, idea=idea_row, actor=actor_row, **data)
        db.session.commit()
        return db.session.scalar(select(Notification.id).order_by(Notification.id.desc()))


def read_state(app, notification_id):
    """Whether the notification is read, straight from the table."""
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at is not None


def items(page):
    """The notification list items of a parsed page."""
    return page.find_all("li", class_="notification")


def header_link(client):
    """The header's link to the notification centre, from the ideas page."""
    return parse(client.get("/ideas").text).one("a", class_="notifications-link")


# --- Access and ownership -----------------------------------------------------------------


def test_notification_centre_needs_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"


def test_member_sees_only_their_own_notifications_newest_first(
    app, client, auth, make_user, make_idea
):
    member = auth.as_role(Role.MEMBER)
    other = make_user()
    first = make_idea(title="First idea about forms")
    second = make_idea(title="Second idea about travel")
    send(app, member, "official_response", idea=first)
    send(app, member, "reviewer_assigned", idea=second)
    send(app, other, "expert_assigned", idea=first)

    page = parse(client.get("/notifications").text)

    listed = items(page)
    assert [item.one("h2").text() for item in listed] == [
        "Second idea about travel",
        "First idea about forms",
    ]
    texts = " ".join(item.text() for item in listed)
    assert "You were asked to assess this idea as an expert." not in texts
    # Each links to its idea.
    assert listed[0].one("h2").one("a").get("href") == f"/ideas/{second.id}"


def test_unread_items_are_marked_in_text_and_by_class(app, client, auth, make_idea):
    member = auth.as_role()
    idea = make_idea()
    read_id = send(app, member, "official_response", idea=idea)
    send(app, member, "progress_updated", idea=idea, progress=60)
    client.post(f"/notifications/{read_id}/read")

    unread, read = items(parse(client.get("/notifications").text))

    assert "notification-unread" in unread.classes
    assert unread.one("strong", class_="badge-unread").text() == "Unread"
    assert unread.find("button") is not None  # "Mark as read"
    assert "notification-unread" not in read.classes
    assert read.find("strong", class_="badge-unread") is None
    assert read.find("button") is None
    # The button says which notification it marks, for screen readers.
    button = unread.one("button")
    assert button.text() == "Mark as read"
    described = unread.one(id=button.get("aria-describedby"))
    assert "Implementation progress is now 60%." in described.text()


def test_mark_one_read(app, client, auth, make_idea):
    member = auth.as_role()
    idea = make_idea()
    keep = send(app, member, "official_response", idea=idea)
    target = send(app, member, "progress_updated", idea=idea)

    response = client.post(f"/notifications/{target}/read", data={"next": "/notifications?page=1"})

    assert response.status_code == 302
    assert response.location == "/notifications?page=1"
    assert read_state(app, target) is True
    assert read_state(app, keep) is False
    # Marking it again is harmless.
    assert client.post(f"/notifications/{target}/read").status_code == 302
    assert read_state(app, target) is True


def test_mark_read_refuses_an_outside_next(app, client, auth, make_idea):
    member = auth.as_role()
    target = send(app, member, "official_response", idea=make_idea())
    response = client.post(f"/notifications/{target}/read", data={"next": "https://evil.test/"})
    assert response.location == "/notifications"


def test_another_members_notification_is_not_found(app, client, auth, make_user, make_idea):
    auth.as_role()
    other = make_user()
    theirs = send(app, other, "official_response", idea=make_idea())

    assert client.post(f"/notifications/{theirs}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert read_state(app, theirs) is False


def test_mark_read_needs_a_csrf_token(app, client, auth, make_idea):
    member = auth.as_role()
    target = send(app, member, "official_response", idea=make_idea())
    assert client.post(f"/notifications/{target}/read", csrf=False).status_code == 400
    assert client.post("/notifications/read-all", csrf=False).status_code == 400
    assert read_state(app, target) is False


def test_mark_all_read_touches_only_the_members_own(app, client, auth, make_user, make_idea):
    member = auth.as_role()
    other = make_user()
    idea = make_idea()
    mine = [send(app, member, kind, idea=idea) for kind in ("official_response", "merged")]
    theirs = send(app, other, "official_response", idea=idea)

    response = client.post("/notifications/read-all")

    assert response.status_code == 302
    assert all(read_state(app, n) for n in mine)
    assert read_state(app, theirs) is False
    page = parse(client.get("/notifications").text)
    assert "All notifications are marked as read." in page.text()
    assert "Mark all as read" not in page.one("main").text()


def test_notification_routes_refuse_get_for_changes(client, auth):
    auth.as_role()
    assert client.get("/notifications/read-all").status_code == 405


# --- The header count ---------------------------------------------------------------------


def test_header_unread_count_follows_reading(app, client, auth, make_idea):
    member = auth.as_role()
    idea = make_idea()
    ids = [send(app, member, "official_response", idea=idea) for _ in range(3)]

    link = header_link(client)
    assert link.text() == "Notifications (3 unread)"
    assert link.get("href") == "/notifications"
    assert link.one("span", class_="unread-count").text() == "(3 unread)"

    client.post(f"/notifications/{ids[0]}/read")
    assert header_link(client).text() == "Notifications (2 unread)"

    client.post("/notifications/read-all")
    link = header_link(client)
    assert link.text() == "Notifications"
    assert link.find("span", class_="unread-count") is None


def test_header_count_is_one_query_per_page_and_none_for_visitors(app, client, auth, make_idea):
    member = auth.as_role()
    send(app, member, "official_response", idea=make_idea())
    with app.app_context():
        engine = db.engine
    counts = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        lowered = statement.lower()
        # The unread count (the list page's pagination runs a count of its own).
        if "count(notification.id)" in lowered and "read_at is null" in lowered:
            counts.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert client.get("/ideas").status_code == 200
        assert len(counts) == 1
        assert client.get("/notifications").status_code == 200
        # The list page shows the count twice (header and summary) from the same query.
        assert len(counts) == 2
        client.post("/sign-out")
        counts.clear()
        assert client.get("/").status_code == 200
        assert counts == []
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def test_header_has_no_count_for_visitors(client):
    page = parse(client.get("/").text)
    assert page.find("a", class_="notifications-link") is None


def test_empty_centre_says_so(client, auth):
    auth.as_role()
    page = parse(client.get("/notifications").text)
    assert "You have no notifications yet." in page.one("main").text()
    assert page.one("h1").text() == "Notifications"
    assert page.find("ol", class_="notification-list") is None


def test_notifications_are_paginated(app, client, auth, make_idea):
    member = auth.as_role()
    idea = make_idea()
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        for n in range(23):
            notify([member.id], "stage_moved", idea=row, actor=None, from_stage="proposed",
                   to_stage="under_review", n=n)  # fmt: skip
        db.session.commit()

    first = parse(client.get("/notifications").text)
    second = parse(client.get("/notifications?page=2").text)

    assert len(items(first)) == 20
    assert len(items(second)) == 3
    nav = first.one("nav", class_="pagination")
    assert nav.one("a", rel="next").get("href") == "/notifications?page=2"
    assert "You have 23 unread notifications." in first.text()
    # Marking one read from page 2 comes back to page 2.
    form = items(second)[0].one("form")
    assert form.one("input", name="next").get("value") == "/notifications?page=2"


# --- End to end: a stage move reaches exactly the author and followers --------------------


def test_stage_move_notifies_author_and_followers_only(app, client, auth, make_user, make_idea):
    author = make_user(display_name="Ada Author")
    follower = make_user()
    bystander = make_user()
    staff = make_user(role=Role.SECRETARIAT, display_name="Sam Secretariat")
    idea = make_idea(author=author, title="Open the data catalogue")
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        follow_idea(db.session.get(User, follower.id), row)
        follow_idea(db.session.get(User, staff.id), row)  # the actor follows too
        move_stage(
            row, Stage.UNDER_REVIEW, db.session.get(User, staff.id), "Reviewing it now, thanks."
        )
        db.session.commit()
        recipients = set(db.session.scalars(select(Notification.user_id)))
    assert recipients == {author.id, follower.id}

    for user, expected in ((author, 1), (follower, 1), (bystander, 0), (staff, 0)):
        auth.sign_in(user)
        page = parse(client.get("/notifications").text)
        listed = items(page)
        assert len(listed) == expected, user.display_name
        if expected:
            assert "Moved from Proposed to Under review." in listed[0].text()
            assert "by Sam Secretariat" in listed[0].text()
        auth.sign_out()
