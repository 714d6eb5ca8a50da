"""Each idea records the language it is written in: form, service, pages, migration."""

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from ideas import create_app
from ideas.accounts.models import User
from ideas.board.models import Idea, Theme
from ideas.board.services import edit_idea, post_idea
from ideas.domain import DomainError
from ideas.extensions import db
from ideas.i18n import language_name
from tests.conftest import make_config, scratch_database, theme_id
from tests.functional.html_dom import field_error, parse


def _form(app, **overrides):
    with app.app_context():
        theme = theme_id()
    return {
        "title": "Bureaux partagés entre équipes",
        "body": "Partager des **bureaux**.",
        "theme": str(theme),
        "group": "0",
        **overrides,
    }


def _language(app, idea_id):
    with app.app_context():
        return db.session.get(Idea, idea_id).language


def _posted_id(response):
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize(
    ("locale", "tag"), [("en", "en"), ("fr", "fr"), ("zh_Hant_TW", "zh-Hant-TW")]
)
def test_the_form_offers_the_authors_language_first(client, auth, locale, tag):
    auth.as_role(locale=locale)
    select = parse(client.get("/ideas/new").text).one("select", id="language")
    assert select.value() == locale
    assert select.option_values() == ["en", "fr", "zh_Hant_TW"]
    # Each language is named in itself, marked up so a screen reader pronounces it.
    option = select.one("option", value=locale)
    assert option.get("lang") == tag


def test_an_idea_records_the_language_chosen(app, client, auth):
    auth.as_role(locale="en")
    idea_id = _posted_id(client.post("/ideas/new", data=_form(app, language="fr")))
    assert _language(app, idea_id) == "fr"


def test_a_post_without_the_field_takes_the_authors_language(app, client, auth):
    auth.as_role(locale="zh_Hant_TW")
    idea_id = _posted_id(client.post("/ideas/new", data=_form(app)))
    assert _language(app, idea_id) == "zh_Hant_TW"


def test_an_unknown_language_is_refused_next_to_the_field(app, client, auth):
    auth.as_role()
    response = client.post("/ideas/new", data=_form(app, language="de"))
    assert response.status_code == 422
    assert "Choose one of the offered languages." in field_error(parse(response.text), "language")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


def test_the_author_changes_the_language_when_editing(app, client, auth, make_idea):
    author = auth.as_role(locale="en")
    idea = make_idea(author=author)
    edit = parse(client.get(f"/ideas/{idea.id}/edit").text)
    assert edit.one("select", id="language").value() == "en"
    response = client.post(f"/ideas/{idea.id}/edit", data=_form(app, language="fr"))
    assert response.status_code == 302
    assert _language(app, idea.id) == "fr"
    # Leaving the field out keeps the idea's language, not the author's.
    client.post(f"/ideas/{idea.id}/edit", data=_form(app))
    assert _language(app, idea.id) == "fr"


@pytest.mark.parametrize(
    ("language", "tag", "label"),
    [
        ("en", "en", "Language: English"),
        ("fr", "fr", "Language: French"),
        ("zh_Hant_TW", "zh-Hant-TW", "Language: Chinese (Traditional)"),
    ],
)
def test_pages_label_the_language_and_mark_up_the_text(
    app, client, auth, make_user, language, tag, label
):
    author = make_user(locale=language)
    with app.app_context():
        theme = db.session.scalar(sa.select(Theme).where(Theme.code == "innovation"))
        idea = post_idea(db.session.get(User, author.id), "Un titre assez long", "Texte.", theme)
        db.session.commit()
        idea_id = idea.id
    auth.as_role(locale="en")

    page = parse(client.get(f"/ideas/{idea_id}").text)
    assert page.one("h1").get("lang") == tag
    assert page.one("div", class_="markdown").get("lang") == tag
    assert page.one("span", class_="idea-language").text() == label

    card = parse(client.get("/ideas").text).one("article", class_="idea-card")
    assert card.one(class_="idea-title").get("lang") == tag
    assert card.one("span", class_="idea-language").text() == label


def test_the_label_names_the_language_in_the_readers_language(app, client, auth, make_idea):
    idea = make_idea(author=auth.as_role(locale="fr"))
    label = parse(client.get(f"/ideas/{idea.id}").text).one("span", class_="idea-language")
    # Only the language's name is asserted: the label's wording is the French catalog's.
    assert "français" in label.text()


def test_the_services_check_the_language(app, ctx, make_user, make_idea):
    author = db.session.get(User, make_user(locale="fr").id)
    theme = db.session.scalar(sa.select(Theme).where(Theme.code == "innovation"))
    with pytest.raises(DomainError) as error:
        post_idea(author, "A long enough title", "Body.", theme, language="klingon")
    assert error.value.field == "language"
    idea = post_idea(author, "A long enough title", "Body.", theme)
    assert idea.language == "fr"
    edit_idea(author, idea, "A long enough title", "Body.", theme, None)
    assert idea.language == "fr"
    with pytest.raises(DomainError):
        edit_idea(author, idea, "A long enough title", "Body.", theme, None, language="")
    edit_idea(author, idea, "A long enough title", "Body.", theme, None, language="en")
    assert idea.language == "en"


def test_the_migration_gives_existing_ideas_their_authors_language(tmp_path, monkeypatch):
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(tmp_path / "instance"))
    with scratch_database(tmp_path, "ideas_language") as url:
        application = create_app(make_config(url))
        try:
            with application.app_context():
                upgrade(revision="0003")
                ids = _ideas_before_the_migration()
                upgrade(revision="0004")
                rows = db.session.execute(sa.text("SELECT id, language FROM idea")).all()
        finally:
            with application.app_context():
                db.engine.dispose()
    assert dict(rows) == {ids["fr"]: "fr", ids["zh"]: "zh_Hant_TW", ids["odd"]: "en",
                          ids["orphan"]: "en"}  # fmt: skip


def _ideas_before_the_migration() -> dict[str, int]:
    """Insert, at revision 0003, ideas by a French, a Chinese, an odd-locale and no author."""
    connection = db.session.connection()
    theme = connection.execute(sa.text("SELECT id FROM theme LIMIT 1")).scalar_one()
    ids = {}
    for key, locale in (("fr", "fr"), ("zh", "zh_Hant_TW"), ("odd", "pt"), ("orphan", None)):
        author = None
        if locale is not None:
            author = connection.execute(
                sa.text(
                    'INSERT INTO "user" (email, display_name, password_hash, role, locale, '
                    "created_at) VALUES (:email, 'Someone', 'x', 'member', :locale, "
                    "CURRENT_TIMESTAMP) RETURNING id"
                ),
                {"email": f"{key}@example.gc.ca", "locale": locale},
            ).scalar_one()
        ids[key] = connection.execute(
            sa.text(
                "INSERT INTO idea (title, body, body_html, author_id, theme_id, stage, "
                "stage_changed_at, created_at, updated_at, up_count, down_count, comment_count, "
                "follower_count, wilson, hot, controversy) VALUES ('A title', 'b', 'b', :author, "
                ":theme, 'proposed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                "0, 0, 0, 0, 0, 0, 0) RETURNING id"
            ),
            {"author": author, "theme": theme},
        ).scalar_one()
    db.session.commit()
    return ids


def test_a_code_that_is_not_a_language_shows_as_is(app):
    with app.test_request_context():
        assert language_name("fr") == "French"
        assert language_name("xx") == "xx"
