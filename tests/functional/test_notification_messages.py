"""Each kind of notification reads right, in every language, with a safe fallback."""

import pytest
from flask_babel import force_locale, gettext

from ideas.accounts.models import Role
from tests.functional.html_dom import parse
from tests.functional.test_notifications import GENERIC, KINDS, items, send

# --- Each kind, in each language ------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr", "zh_Hant_TW"])
@pytest.mark.parametrize("kind", [*KINDS, "merged", "no_such_kind"])
def test_every_kind_renders_in_every_language(
    app, client, auth, make_user, make_idea, kind, locale
):
    member = auth.as_role(locale=locale)
    idea = make_idea(title="Share meeting rooms across buildings")
    target = make_idea(title="Book rooms online")
    data = {"target_id": target.id} if kind == "merged" else KINDS.get(kind, ({}, ""))[0]
    send(app, member, kind, idea=idea, actor=make_user(display_name="Sam Staff"), **data)

    response = client.get("/notifications")

    assert response.status_code == 200
    page = parse(response.text)
    item = items(page)[0]
    assert item.one("h2").one("a").get("href") == f"/ideas/{idea.id}"
    text = item.one("p", class_="notification-text").text()
    if kind == "no_such_kind":
        english = f"Unread {GENERIC}"
    elif kind == "merged":
        english = (
            "Unread Merged into Book rooms online as a duplicate; "
            "its votes and followers moved there."
        )
        assert item.one("p", class_="notification-text").one("a").get("href") == (
            f"/ideas/{target.id}"
        )
    else:
        english = f"Unread {KINDS[kind][1]}"
    if locale == "en":
        assert text == english
    else:
        # Rendered in the reader's language from the catalog, not in the English source.
        with app.test_request_context(), force_locale(locale):
            unread = gettext("Unread")
        assert text != english
        assert text.startswith(unread) and unread != "Unread"
        if kind == "merged":
            assert "Book rooms online" in text  # the target's title, as written
    lang = page.one("html").get("lang")
    assert lang == {"en": "en-CA", "fr": "fr-CA", "zh_Hant_TW": "zh-Hant-TW"}[locale]


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("stage_moved", {"from_stage": "proposed", "to_stage": "teleported"}),
        ("stage_moved", {"to_stage": "assessed"}),
        ("merged", {}),
        ("merged", {"target_id": "not a number"}),
        ("moderated", {"outcome": "shredded"}),
        ("moderated", {}),
        ("progress_updated", {}),
        ("progress_updated", {"progress": 250}),
        ("progress_updated", {"progress": "lots"}),
    ],
)
def test_unusable_data_reads_as_the_generic_message(app, client, auth, make_idea, kind, data):
    member = auth.as_role()
    send(app, member, kind, idea=make_idea(), **data)
    response = client.get("/notifications")
    assert response.status_code == 200
    text = items(parse(response.text))[0].one("p", class_="notification-text").text()
    assert text == f"Unread {GENERIC}"


def test_merge_target_that_is_gone_is_still_linked(app, client, auth, make_idea):
    member = auth.as_role()
    send(app, member, "merged", idea=make_idea(), target_id=987654)
    item = items(parse(client.get("/notifications").text))[0]
    link = item.one("p", class_="notification-text").one("a")
    assert link.text() == "idea #987654"
    assert link.get("href") == "/ideas/987654"


def test_titles_and_names_are_escaped(app, client, auth, make_user, make_idea):
    member = auth.as_role()
    idea = make_idea(title="<script>alert('idea')</script>")
    target = make_idea(title="<img src=x onerror=alert(1)>")
    actor = make_user(display_name="<b>Bold</b> Staff")
    send(app, member, "merged", idea=idea, actor=actor, target_id=target.id)
    send(app, member, "official_response", idea=idea, actor=actor)

    html = client.get("/notifications").text

    assert "<script>alert('idea')</script>" not in html
    assert "<img src=x" not in html
    assert "<b>Bold</b>" not in html
    item = items(parse(html))[1]
    assert item.one("p", class_="notification-text").one("a").text() == target.title
    assert "by <b>Bold</b> Staff" in items(parse(html))[0].text()


def test_moderation_notice_does_not_name_anyone(app, client, auth, make_user, make_idea):
    member = auth.as_role()
    moderator = make_user(role=Role.SECRETARIAT, display_name="Morgan Moderator")
    send(app, member, "moderated", idea=make_idea(), actor=moderator, outcome="dismissed")
    send(app, member, "official_response", idea=make_idea(), actor=moderator)

    moderated, responded = reversed(items(parse(client.get("/notifications").text)))

    assert "Morgan Moderator" not in moderated.text()
    assert "the reports were dismissed" in moderated.text()
    assert "by Morgan Moderator" in responded.text()


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        ({"outcome": "hidden"}, "a moderator hid it from members"),
        (
            {"outcome": "hidden", "automatic": True},
            "it is hidden from members until a moderator reviews it",
        ),
        ({"outcome": "dismissed"}, "the reports were dismissed and nothing was hidden"),
        ({"outcome": "unhidden", "comment_id": 7}, "it is visible to members again"),
    ],
)
def test_each_moderation_outcome_reads_right(app, client, auth, make_idea, data, outcome):
    member = auth.as_role()
    send(app, member, "moderated", idea=make_idea(), **data)
    text = items(parse(client.get("/notifications").text))[0].one("p", class_="notification-text")
    assert text.text() == f"Unread Your content here was reported to the moderators: {outcome}."
