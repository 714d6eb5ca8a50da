"""Idea cards of the list, group and home pages, and the worker's copy of the reference names.

The cards are formatted in one pass (ideas.board.cards) and name themes and groups from a
per-worker copy of the reference rows (ideas.board.reference); these tests pin what each
card says, in English and French, and that a new or renamed theme, group or department
shows at once when this worker made the change, and after IDEAS_REFERENCE_CACHE_SECONDS
when another did.
"""

import pytest
from sqlalchemy import insert, select, update

from ideas.accounts.models import Department, GovernmentLevel, Role, User
from ideas.board.models import Idea, Theme
from ideas.board.services import cast_vote, post_comment
from ideas.extensions import db
from ideas.groups.models import Group, GroupKind
from ideas.groups.services import join_group
from ideas.privacy.services import delete_account
from tests.functional.html_dom import parse


def _cards(html: str) -> dict[str, object]:
    """Each card on the page by its title."""
    return {card.one("h2" if card.find("h2") else "h3").text(): card for card in
            parse(html).find_all("article", class_="idea-card")}  # fmt: skip


@pytest.fixture
def listed(app, make_user, make_idea, make_group):
    """An idea in a group with two votes for, one against and two comments; a reader."""
    reader = make_user(display_name="Reader Rita")
    author = make_user(display_name="Author Ann")
    group = make_group(name="Open data circle")
    with app.app_context():
        join_group(db.session.get(User, author.id), db.session.get(Group, group.id))
        db.session.commit()
    idea = make_idea(author=author, title="Publish the datasets", group=group, theme="innovation")
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        voters = [db.session.get(User, make_user().id) for _ in range(2)]
        for voter in voters:
            cast_vote(voter, row, 1)
        cast_vote(db.session.get(User, reader.id), row, -1)
        post_comment(voters[0], row, "First")
        post_comment(voters[1], row, "Second")
        db.session.commit()
    return {"reader": reader, "author": author, "group": group, "idea": idea}


@pytest.mark.parametrize("url", ["/ideas", "/", "/groups/open-data-circle"])
def test_card_says_what_the_idea_is(client, auth, listed, url):
    auth.sign_in(listed["reader"])
    card = _cards(client.get(url).text)["Publish the datasets"]
    assert card.one("a").get("href") == f"/ideas/{listed['idea'].id}"
    assert card.one("span", class_="stage").text() == "Proposed"
    assert "stage-proposed" in card.one("span", class_="stage").classes
    meta = card.one("p", class_="meta").text()
    assert "Innovation" in meta
    assert "Open data circle" in meta
    assert "Language: English" in meta
    assert "by Author Ann" in meta
    assert card.one("time").get("datetime").endswith("Z")
    counts = card.one("p", class_="counts").text()
    assert "2 votes for, 1 vote against, 2 comments" in counts
    assert card.one("span", class_="my-vote").text() == "You voted against this"


def test_card_reads_in_the_readers_language(client, auth, listed):
    auth.sign_in(listed["reader"])
    client.post("/language", data={"locale": "fr"})
    card = _cards(client.get("/ideas").text)["Publish the datasets"]
    assert card.one("span", class_="stage").text() == "Proposée"
    meta = card.one("p", class_="meta").text()
    assert "Langue : anglais" in meta
    assert "par Author Ann" in meta
    counts = card.one("p", class_="counts").text()
    assert "2 votes pour, 1 vote contre, 2 commentaires" in counts
    assert card.one("span", class_="my-vote").text() == "Vous avez voté contre"


def test_card_of_a_deleted_author_names_a_former_member(app, client, auth, listed):
    with app.app_context():
        author = db.session.get(User, listed["author"].id)
        delete_account(author, author)
        db.session.commit()
    auth.sign_in(listed["reader"])
    meta = _cards(client.get("/ideas").text)["Publish the datasets"].one("p", class_="meta")
    assert "by a former member" in meta.text()
    assert "Author Ann" not in client.get("/ideas").text


@pytest.fixture
def cached(app):
    """Turn the worker's copy of the reference names on for one test, emptied around it."""
    from ideas.board.reference import forget_reference_names

    app.config["IDEAS_REFERENCE_CACHE_SECONDS"] = 60
    with app.app_context():
        forget_reference_names()
    yield
    with app.app_context():
        forget_reference_names()


def _options(html: str, name: str) -> list[str]:
    return [option.text() for option in parse(html).one("select", name=name).find_all("option")]


def test_a_new_theme_group_or_department_shows_at_once(
    app, client, auth, listed, cached, make_group
):
    auth.sign_in(listed["reader"])
    client.get("/ideas")  # fills the copy
    with app.app_context():
        db.session.add(Theme(code="climate", name_en="Climate", name_fr="Climat", position=9))
        db.session.add(Department(name_en="Parks Canada", level=GovernmentLevel.FEDERAL))
        db.session.commit()
    page = client.get("/ideas").text
    assert "Climate" in _options(page, "theme")
    assert "Parks Canada" in _options(page, "department")
    make_group(name="Night shift")
    assert "Night shift" in _options(client.get("/ideas").text, "group")


def test_a_renamed_group_shows_at_once_on_cards_and_selects(app, client, auth, listed, cached):
    auth.sign_in(listed["reader"])
    client.get("/ideas")
    with app.app_context():
        db.session.get(Group, listed["group"].id).name = "Open government circle"
        db.session.commit()
    page = client.get("/ideas").text
    assert "Open government circle" in _cards(page)["Publish the datasets"].text()
    assert "Open government circle" in _options(page, "group")
    assert "Open data circle" not in page


def test_another_workers_change_shows_when_the_copy_expires(
    app, client, auth, listed, cached, monkeypatch
):
    """A write this worker did not see (Core SQL here) waits out the copy's lifetime."""
    from ideas.board import reference

    auth.sign_in(listed["reader"])
    client.get("/ideas")
    with app.app_context():
        db.session.execute(
            update(Group).where(Group.id == listed["group"].id).values(name="Renamed elsewhere")
        )
        db.session.commit()
    assert "Renamed elsewhere" not in client.get("/ideas").text  # the copy is in use
    later = reference.time.monotonic() + 61
    monkeypatch.setattr(reference.time, "monotonic", lambda: later)
    page = client.get("/ideas").text
    assert "Renamed elsewhere" in _cards(page)["Publish the datasets"].text()


def test_a_card_in_a_group_the_copy_has_not_seen_reads_it_again(
    app, client, auth, listed, cached, make_idea
):
    auth.sign_in(listed["reader"])
    client.get("/ideas")
    with app.app_context():
        # Created by another worker: this worker's copy was not told.
        group_id = db.session.execute(
            insert(Group)
            .values(name="Made elsewhere", slug="made-elsewhere", kind=GroupKind.TOPIC)
            .returning(Group.id)
        ).scalar_one()
        db.session.execute(
            update(Idea).where(Idea.id == listed["idea"].id).values(group_id=group_id)
        )
        db.session.commit()
    page = client.get("/ideas").text
    assert "Made elsewhere" in _cards(page)["Publish the datasets"].text()


def test_cached_pages_read_no_reference_rows(app, client, auth, listed, cached, monkeypatch):
    """With the copy filled, the list, group and home pages leave the three tables alone."""
    from ideas.board import reference

    auth.sign_in(listed["reader"])
    loads = []
    real_load = reference._load
    monkeypatch.setattr(reference, "_load", lambda: loads.append(1) or real_load())
    for url in ("/ideas", "/groups/open-data-circle", "/", "/ideas?sort=new&theme=1"):
        assert client.get(url).status_code == 200
    assert len(loads) == 1


def test_without_the_copy_each_request_reads_the_rows_once(app, client, auth, listed, monkeypatch):
    """IDEAS_REFERENCE_CACHE_SECONDS=0 (the tests' setting) reads them once per request."""
    from ideas.board import reference

    auth.sign_in(listed["reader"])
    loads = []
    real_load = reference._load
    monkeypatch.setattr(reference, "_load", lambda: loads.append(1) or real_load())
    for url in ("/ideas", "/ideas"):
        assert client.get(url).status_code == 200
    assert len(loads) == 2


def test_filter_choices_are_in_the_readers_language(app, client, auth, make_user):
    with app.app_context():
        db.session.add_all(
            [
                Department(
                    name_en="Zeta Agency", name_fr="Agence Alpha", level=GovernmentLevel.FEDERAL
                ),
                Department(
                    name_en="Alpha Office", name_fr="Bureau Zêta", level=GovernmentLevel.FEDERAL
                ),
            ]
        )
        db.session.commit()
        theme_names = db.session.scalars(
            select(Theme.name_fr).order_by(Theme.position, Theme.id)
        ).all()
    auth.as_role(Role.MEMBER)
    client.post("/language", data={"locale": "fr"})
    page = client.get("/ideas").text
    assert _options(page, "department")[1:] == ["Agence Alpha", "Bureau Zêta"]
    assert _options(page, "theme")[1:] == theme_names


def test_kept_filter_selects_follow_the_selection_and_language(app, client, auth, listed, cached):
    """The list's filter selects are kept per locale and selection, never one for all."""
    auth.sign_in(listed["reader"])
    with app.app_context():
        innovation = db.session.scalar(select(Theme.id).where(Theme.code == "innovation"))
    client.get("/ideas")
    page = parse(client.get(f"/ideas?theme={innovation}&stage=proposed").text)
    assert page.one("select", name="theme").find("option", selected=True).text() == "Innovation"
    assert page.one("select", name="stage").find("option", selected=True).text() == "Proposed"
    assert (
        parse(client.get("/ideas").text).one("select", name="theme").find("option", selected=True)
        is None
    )
    client.post("/language", data={"locale": "fr"})
    page = parse(client.get(f"/ideas?theme={innovation}&stage=proposed").text)
    assert page.one("select", name="stage").find("option", selected=True).text() == "Proposée"
    assert page.one("label", **{"for": "filter-theme"}).text() == "Thème"
