"""Posting, previewing, editing and showing ideas through the pages."""

import re

import pytest
from sqlalchemy import func, select

from ideas.accounts.models import Role, User
from ideas.board.models import Comment, Idea
from ideas.board.services import cast_vote, post_comment
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.groups.services import leave_group
from ideas.workflow.models import StageChange
from ideas.workflow.stages import Stage
from tests.conftest import theme_id
from tests.functional.html_dom import field_error, parse

BODY = "We could share **desks** between teams.\n\n- fewer leases\n- more contact"


def _theme(app, code="innovation"):
    with app.app_context():
        return theme_id(code)


def _idea_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Idea))


def _load_idea(app, idea_id):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        db.session.expunge(idea)
        return idea


def _set_stage(app, idea_id, stage):
    with app.app_context():
        db.session.get(Idea, idea_id).stage = stage
        db.session.commit()


def _form(app, **overrides):
    data = {
        "title": "Shared desks across teams",
        "body": BODY,
        "theme": str(_theme(app)),
        "group": "0",
    }
    data.update(overrides)
    return data


# Posting -------------------------------------------------------------------------------


def test_new_idea_form_offers_themes_and_my_groups_only(app, client, auth, make_group):
    member = auth.as_role(Role.MEMBER)
    mine = make_group(creator=member, name="Desk sharers")
    other = make_group(name="Not my group")
    page = parse(client.get("/ideas/new").text)
    theme_select = page.one("select", id="theme")
    assert theme_select.value() == "0"
    assert str(_theme(app, "fundamentals")) in theme_select.option_values()
    assert len(theme_select.option_values()) == 6  # "Choose a theme" and the five themes
    group_values = page.one("select", id="group").option_values()
    assert group_values == ["0", str(mine.id)]
    assert str(other.id) not in group_values


def test_post_idea_redirects_to_the_proposed_idea_with_history(
    app, client, auth, make_user, make_department
):
    department = make_department("Health Canada")
    author = auth.sign_in(make_user(display_name="Ada Author", department=department))

    response = client.post(
        "/ideas/new", data=_form(app, theme=str(_theme(app, "people-management")))
    )

    assert response.status_code == 302
    match = re.fullmatch(r"/ideas/(\d+)", response.location)
    assert match, response.location
    idea = _load_idea(app, int(match.group(1)))
    assert idea.title == "Shared desks across teams"
    assert idea.body == BODY
    assert idea.stage is Stage.PROPOSED
    assert idea.author_id == author.id
    assert idea.department_id == department.id
    assert idea.theme_id == _theme(app, "people-management")
    assert idea.group_id is None
    assert idea.follower_count == 1
    with app.app_context():
        history = db.session.scalars(select(StageChange).where(StageChange.idea_id == idea.id))
        assert [(h.from_stage, h.to_stage, h.actor_id) for h in history] == [
            (None, Stage.PROPOSED, author.id)
        ]

    shown = client.get(response.location)
    assert shown.status_code == 200
    assert "Your idea is published." in shown.text
    page = parse(shown.text)
    assert page.one("h1").text() == "Shared desks across teams"
    assert page.one(class_="stage").text() == "Stage: Proposed"
    assert "Theme: People Management" in page.one("article", class_="idea").text()
    assert "(Health Canada)" in page.one("article", class_="idea").text()
    markdown = page.one("article", class_="idea").one("div", class_="markdown")
    assert markdown.one("strong").text() == "desks"
    assert [li.text() for li in markdown.find_all("li")] == ["fewer leases", "more contact"]
    history_items = page.one("ol", class_="history").find_all("li")
    assert len(history_items) == 1
    assert "posted as Proposed by Ada Author" in history_items[0].text()


def test_post_idea_into_a_group_i_belong_to(app, client, auth, make_group):
    member = auth.as_role(Role.MEMBER)
    group = make_group(creator=member, name="Remote work circle")
    response = client.post("/ideas/new", data=_form(app, group=str(group.id)))
    assert response.status_code == 302
    idea = _load_idea(app, int(response.location.rsplit("/", 1)[1]))
    assert idea.group_id == group.id
    page = parse(client.get(response.location).text)
    link = page.one("a", href=f"/groups/{group.slug}")
    assert link.text() == "Remote work circle"


def test_post_idea_without_department_on_profile(app, client, auth):
    auth.as_role(Role.MEMBER)
    response = client.post("/ideas/new", data=_form(app))
    assert response.status_code == 302
    assert _load_idea(app, int(response.location.rsplit("/", 1)[1])).department_id is None


def test_new_idea_needs_sign_in(client):
    response = client.get("/ideas/new")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    response = client.post("/ideas/new", data={"title": "Anonymous idea", "body": "x"})
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")


TITLE_MESSAGE = "The title needs 5 to 150 characters."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "Shor"}, "title", TITLE_MESSAGE),
        ({"title": "x" * 151}, "title", TITLE_MESSAGE),
        ({"title": ""}, "title", "Give your idea a title."),
        # Long enough as typed, too short once the service collapses the spaces.
        ({"title": "a      b"}, "title", TITLE_MESSAGE),
        ({"body": ""}, "body", "Describe your idea."),
        ({"body": "   \n  "}, "body", "Describe your idea."),
        ({"body": "x" * 20_001}, "body", "The description can have at most 20000 characters."),
        ({"theme": "0"}, "theme", "Choose a theme."),
        ({"theme": "987654"}, "theme", "Choose one of the offered options."),
        ({"theme": "innovation"}, "theme", "Choose one of the offered options."),
    ],
    ids=[
        "title-4-chars",
        "title-151-chars",
        "title-empty",
        "title-spaces",
        "body-empty",
        "body-blank",
        "body-20001-chars",
        "no-theme",
        "tampered-theme-id",
        "non-numeric-theme",
    ],
)
def test_post_idea_validation_errors(app, client, auth, overrides, field, message):
    auth.as_role(Role.MEMBER)
    data = _form(app, **overrides)

    response = client.post("/ideas/new", data=data)

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, field) == message
    assert message in page.one(class_="error-summary").text()
    # What was typed is kept.
    if field == "title":
        assert page.one("input", id="title").value() == data["title"]
    assert page.one("textarea", id="body").value() == data["body"]
    if field != "theme":
        assert page.one("select", id="theme").value() == data["theme"]
    assert _idea_count(app) == 0


def test_body_of_exactly_20000_characters_is_accepted(app, client, auth):
    auth.as_role(Role.MEMBER)
    response = client.post("/ideas/new", data=_form(app, title="x" * 150, body="y" * 20_000))
    assert response.status_code == 302
    assert _idea_count(app) == 1


def test_cannot_post_into_a_group_i_am_not_a_member_of(app, client, auth, make_group):
    auth.as_role(Role.MEMBER)
    group = make_group(name="Closed circle")

    response = client.post("/ideas/new", data=_form(app, group=str(group.id)))

    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "group") == "Choose one of the offered options."
    assert page.one("input", id="title").value() == "Shared desks across teams"
    assert _idea_count(app) == 0


def test_non_numeric_group_is_refused(app, client, auth):
    auth.as_role(Role.MEMBER)
    response = client.post("/ideas/new", data=_form(app, group="abc"))
    assert response.status_code == 422
    assert field_error(parse(response.text), "group") == "Choose one of the offered options."
    assert _idea_count(app) == 0


def test_edit_keeps_a_group_the_author_has_left(app, client, auth, make_group, make_idea):
    author = auth.as_role(Role.MEMBER)
    group = make_group(creator=author, name="Left behind")
    elsewhere = make_group(name="Never joined")
    idea = make_idea(author=author, title="Posted in a group", group=group)
    with app.app_context():
        leave_group(db.session.get(User, author.id), db.session.get(Group, group.id))
        db.session.commit()

    select_group = parse(client.get(f"/ideas/{idea.id}/edit").text).one("select", id="group")
    assert select_group.value() == str(group.id)
    assert str(elsewhere.id) not in select_group.option_values()

    response = client.post(
        f"/ideas/{idea.id}/edit", data=_form(app, title="Still in the group", group=str(group.id))
    )
    assert response.status_code == 302
    assert _load_idea(app, idea.id).group_id == group.id

    response = client.post(f"/ideas/{idea.id}/edit", data=_form(app, group=str(elsewhere.id)))
    assert response.status_code == 422
    assert _load_idea(app, idea.id).group_id == group.id


def test_preview_renders_markdown_without_saving(app, client, auth):
    auth.as_role(Role.MEMBER)
    body = "A **bold** move <script>alert('x')</script>"

    response = client.post("/ideas/new", data=_form(app, body=body, preview="Preview"))

    assert response.status_code == 200
    page = parse(response.text)
    preview = page.one("section", class_="preview")
    assert preview.one("strong").text() == "bold"
    assert preview.find("script") is None
    assert page.one("textarea", id="body").value() == body
    assert page.one("input", id="title").value() == "Shared desks across teams"
    assert _idea_count(app) == 0


def test_preview_with_errors_still_shows_them(app, client, auth):
    auth.as_role(Role.MEMBER)
    response = client.post("/ideas/new", data=_form(app, title="Shor", preview="Preview"))
    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "title") == TITLE_MESSAGE
    assert page.one("section", class_="preview").find("strong").text() == "desks"
    assert _idea_count(app) == 0


# Editing --------------------------------------------------------------------------------


def test_author_edits_a_proposed_idea(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author, title="First wording", body="Old *text*")

    form = parse(client.get(f"/ideas/{idea.id}/edit").text)
    assert form.one("input", id="title").value() == "First wording"
    assert form.one("textarea", id="body").value() == "Old *text*"
    assert form.one("select", id="theme").value() == str(_theme(app))

    response = client.post(
        f"/ideas/{idea.id}/edit",
        data=_form(
            app, title="Second wording", body="New **text**", theme=str(_theme(app, "fundamentals"))
        ),
    )

    assert response.status_code == 302
    assert response.location == f"/ideas/{idea.id}"
    edited = _load_idea(app, idea.id)
    assert edited.title == "Second wording"
    assert edited.body == "New **text**"
    assert "<strong>text</strong>" in edited.body_html
    assert edited.theme_id == _theme(app, "fundamentals")
    assert edited.updated_at > edited.created_at
    assert edited.stage is Stage.PROPOSED
    page = parse(client.get(response.location).text)
    flash = page.one("p", class_="flash-success").text()
    assert flash
    assert flash != "Your idea is published."
    article = page.one("article", class_="idea")
    assert article.one("h1").text() == "Second wording"
    assert "edited" in article.text()
    assert "Theme: Fundamentals" in article.text()


def test_edit_validation_error_keeps_the_idea_unchanged(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author, title="Original title")
    response = client.post(f"/ideas/{idea.id}/edit", data=_form(app, title="Tiny"))
    assert response.status_code == 422
    page = parse(response.text)
    assert field_error(page, "title") == TITLE_MESSAGE
    assert page.one("input", id="title").value() == "Tiny"
    assert _load_idea(app, idea.id).title == "Original title"


def test_edit_button_only_for_the_author(app, client, auth, make_idea, make_user):
    author = make_user()
    idea = make_idea(author=author)
    auth.sign_in(author)
    assert parse(client.get(f"/ideas/{idea.id}").text).find(href=f"/ideas/{idea.id}/edit")
    auth.sign_out()
    auth.as_role(Role.MEMBER)
    assert not parse(client.get(f"/ideas/{idea.id}").text).find(href=f"/ideas/{idea.id}/edit")


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.ADMIN])
def test_someone_elses_idea_cannot_be_edited(app, client, auth, make_idea, role):
    idea = make_idea(title="Not yours to edit")
    auth.as_role(role)

    response = client.get(f"/ideas/{idea.id}/edit")
    assert response.status_code == 403
    assert "You do not have permission to do this." in response.text

    response = client.post(f"/ideas/{idea.id}/edit", data=_form(app, title="Hijacked title"))
    assert response.status_code == 403
    assert _load_idea(app, idea.id).title == "Not yours to edit"


@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.PROPOSED])
def test_author_cannot_edit_once_the_stage_moved(app, client, auth, make_idea, stage):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author, title="Moved along")
    _set_stage(app, idea.id, stage)

    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    response = client.post(f"/ideas/{idea.id}/edit", data=_form(app, title="Changed later"))
    assert response.status_code == 403
    assert _load_idea(app, idea.id).title == "Moved along"
    assert not parse(client.get(f"/ideas/{idea.id}").text).find(href=f"/ideas/{idea.id}/edit")


@pytest.mark.parametrize("path", ["/ideas/987654", "/ideas/987654/edit"])
def test_unknown_idea_is_404(client, auth, path):
    auth.as_role(Role.MEMBER)
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_edit_without_csrf_token_is_refused(app, client, auth, make_idea):
    author = auth.as_role(Role.MEMBER)
    idea = make_idea(author=author, title="Guarded title")
    response = client.post(f"/ideas/{idea.id}/edit", data=_form(app, title="Forged"), csrf=False)
    assert response.status_code == 400
    assert _load_idea(app, idea.id).title == "Guarded title"


# Showing -------------------------------------------------------------------------------

HOSTILE_BODY = """\
Hello <script>alert('body')</script> world.

[click me](javascript:alert('md-link'))

<a href="javascript:alert('raw-link')">raw link</a>
<a href=" JaVaScRiPt:alert('spaced')">spaced link</a>

<img src="x" onerror="alert('img')">
<p onclick="alert('p')" style="color:red">clickable paragraph</p>
<iframe src="https://evil.example/"></iframe>
<svg onload="alert('svg')"></svg>
<object data="https://evil.example/x.swf"></object>

[fine link](https://example.gc.ca/page)
"""


def _assert_inert(page):
    """No scripts but our own, no frames, no event handlers, no javascript: URLs."""
    for script in page.find_all("script"):
        assert script.get("src") == "/static/js/site.js"
        assert script.raw_text().strip() == ""
    for tag in ("iframe", "object", "embed", "svg", "img", "style"):
        assert page.find_all(tag) == [], tag
    for element in page.iter():
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element, name)
            assert name != "style", element
            assert "javascript:" not in "".join(value.split()).lower(), (element, name)


def test_hostile_markdown_renders_inert(app, client, auth, make_idea):
    idea = make_idea(title="<script>alert('title')</script> title", body=HOSTILE_BODY)
    auth.as_role(Role.MEMBER)

    response = client.get(f"/ideas/{idea.id}")

    assert response.status_code == 200
    page = parse(response.text)
    _assert_inert(page)
    # The title is shown as text, not markup.
    assert page.one("h1").text() == "<script>alert('title')</script> title"
    markdown = page.one("article", class_="idea").one("div", class_="markdown")
    assert "clickable paragraph" in markdown.text()
    assert "raw link" in markdown.text()
    fine = markdown.one("a", href="https://example.gc.ca/page")
    assert set(fine.get("rel").split()) == {"nofollow", "noopener", "noreferrer"}


def test_hostile_comment_renders_inert(app, client, auth, make_idea):
    idea = make_idea()
    auth.as_role(Role.MEMBER)
    response = client.post(f"/ideas/{idea.id}/comments", data={"body": HOSTILE_BODY})
    assert response.status_code == 302
    page = parse(client.get(f"/ideas/{idea.id}").text)
    _assert_inert(page)
    assert "clickable paragraph" in page.one("article", class_="comment").text()


def test_idea_page_shows_everything_about_the_idea(
    app, client, auth, make_user, make_department, make_group, make_idea
):
    department = make_department("Statistics Canada")
    author = make_user(display_name="Grace Author", department=department)
    group = make_group(creator=author, name="Open data people")
    idea = make_idea(author=author, title="Publish raw survey data", group=group)
    voters = [make_user() for _ in range(3)]
    secretary = make_user(role=Role.SECRETARIAT, display_name="Sam Secretary")
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        for voter, value in zip(voters, (1, 1, -1), strict=True):
            cast_vote(db.session.get(User, voter.id), row, value)
        post_comment(db.session.get(User, voters[0].id), row, "Yes please")
        row.stage = Stage.UNDER_REVIEW
        db.session.add(
            StageChange(
                idea_id=row.id,
                from_stage=Stage.PROPOSED,
                to_stage=Stage.UNDER_REVIEW,
                actor_id=secretary.id,
                rationale="Strong support from two departments.",
            )
        )
        db.session.commit()

    auth.as_role(Role.MEMBER)
    response = client.get(f"/ideas/{idea.id}")

    assert response.status_code == 200
    page = parse(response.text)
    article = page.one("article", class_="idea")
    assert article.one("h1").text() == "Publish raw survey data"
    assert page.one("title").text() == "Publish raw survey data · Ideas"
    assert article.one(class_="stage").text() == "Stage: Under review"
    assert "stage-under_review" in article.one(class_="stage").classes
    assert "Theme: Innovation" in article.text()
    assert article.one("a", href=f"/groups/{group.slug}").text() == "Open data people"
    assert article.one("a", href=f"/members/{author.id}").text() == "Grace Author"
    assert "(Statistics Canada)" in article.text()
    tally = page.one("p", class_="tally")
    assert tally.one(data_up=True).text() == "2 for"
    assert tally.one(data_down=True).text() == "1 against"
    assert "1 follower" in article.one(class_="idea-actions").text()
    assert page.one("h2", id="comments-heading").text() == "1 comment"
    assert "Yes please" in page.one("article", class_="comment").text()
    history = [li.text() for li in page.one("ol", class_="history").find_all("li")]
    assert len(history) == 2
    assert "posted as Proposed by Grace Author" in history[0]
    assert "moved from Proposed to Under review by Sam Secretary" in history[1]
    assert "Strong support from two departments." in history[1]


def test_idea_page_for_a_deleted_author(app, client, auth, make_idea, make_user):
    author = make_user(display_name="Gone Soon")
    idea = make_idea(author=author, title="Orphaned but kept")
    with app.app_context():
        db.session.delete(db.session.get(User, author.id))
        db.session.commit()
    auth.as_role(Role.MEMBER)
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200
    text = parse(response.text).one("article", class_="idea").text()
    assert "Posted by a former member" in text
    assert "Gone Soon" not in response.text


def test_idea_page_needs_sign_in(client, make_idea):
    idea = make_idea()
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")


def test_comment_count_heading_matches_rows(app, client, auth, make_idea, make_user):
    idea = make_idea()
    commenter = make_user()
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        for n in range(3):
            post_comment(db.session.get(User, commenter.id), row, f"Comment {n}")
        db.session.commit()
        rows = db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.idea_id == idea.id)
        )
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas/{idea.id}").text)
    assert page.one("h2", id="comments-heading").text() == f"{rows} comments"
    assert len(page.find_all("article", class_="comment")) == 3
