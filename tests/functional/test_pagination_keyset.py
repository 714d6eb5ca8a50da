"""Keyset pagination of the ranked lists: every sort, ties, filters, both directions."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from ideas.accounts.models import Role
from ideas.board.models import Idea
from ideas.board.services import SORT_COLUMNS, IdeaFilters, ranked_ideas
from ideas.extensions import db
from ideas.timeutil import utcnow
from tests.functional.html_dom import idea_titles, parse


@pytest.fixture
def tied(app, make_user, make_idea, make_group):
    """23 ideas whose sort values repeat, so pages must break ties by id; 9 in a group."""
    author = make_user()
    group = make_group(creator=author)
    ideas = [
        make_idea(author=author, title=f"Tied idea {n:02d}", group=group if n % 3 == 0 else None)
        for n in range(23)
    ]
    base = utcnow() - timedelta(days=3)
    with app.app_context():
        for n, idea in enumerate(ideas):
            db.session.execute(
                update(Idea)
                .where(Idea.id == idea.id)
                .values(
                    wilson=(n % 4) / 10,
                    hot=(n % 3) + 0.1234567,
                    created_at=base - timedelta(days=n % 3),
                    comment_count=n % 5,
                    controversy=(n % 2) * 1.5,
                )
            )
        db.session.commit()
    return group


def _expected(app, sort, filters):
    with app.app_context():
        return [i.title for i in db.session.scalars(ranked_ideas(sort, filters))]


def _walk(client, url, rel):
    """Follow the rel=next (or prev) links from url; the titles of every page, in order."""
    pages, numbers = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = parse(response.text)
        pages.append(idea_titles(page))
        nav = page.find("nav", class_="pagination")
        numbers.append(nav.one(aria_current="page").text() if nav else None)
        link = nav.find("a", rel=rel) if nav else None
        url = link.get("href") if link else None
        assert len(pages) < 20, "the links go round in circles"
    return pages, numbers


@pytest.mark.parametrize("sort", list(SORT_COLUMNS))
def test_next_and_previous_links_cover_the_list_once(app, client, auth, tied, sort):
    auth.as_role(Role.MEMBER)
    expected = _expected(app, sort, IdeaFilters())
    forward, numbers = _walk(client, f"/ideas?sort={sort}", "next")
    assert [t for p in forward for t in p] == expected
    assert [len(p) for p in forward] == [5, 5, 5, 5, 3]
    assert numbers == [f"Page {n} of 5" for n in range(1, 6)]
    # From the last page back to the first, by the previous links.
    last = parse(client.get(f"/ideas?sort={sort}").text)
    url = None
    for _ in range(4):
        url = last.one("nav", class_="pagination").one("a", rel="next").get("href")
        last = parse(client.get(url).text)
    backward, numbers = _walk(client, url, "prev")
    assert backward == list(reversed(forward))
    assert numbers == [f"Page {n} of 5" for n in range(5, 0, -1)]


@pytest.mark.parametrize("sort", ["top", "new", "discussed"])
def test_group_page_and_filters_paginate_within_their_ideas(app, client, auth, tied, sort):
    auth.as_role(Role.MEMBER)
    expected = _expected(app, sort, IdeaFilters(group_id=tied.id))
    assert len(expected) == 8
    forward, _ = _walk(client, f"/groups/{tied.slug}?sort={sort}", "next")
    assert [t for p in forward for t in p] == expected
    forward, _ = _walk(client, f"/ideas?sort={sort}&group={tied.id}", "next")
    assert [t for p in forward for t in p] == expected


def test_cursor_links_keep_sort_and_filters_and_sorts_drop_the_cursor(app, client, auth, tied):
    auth.as_role(Role.MEMBER)
    page = parse(client.get(f"/ideas?sort=new&group={tied.id}").text)
    href = page.one("nav", class_="pagination").one("a", rel="next").get("href")
    assert "sort=new" in href and f"group={tied.id}" in href and "after=" in href
    second = parse(client.get(href).text)
    for link in second.one("nav", class_="sorts").find_all("a"):
        assert "after=" not in link.get("href") and "page=" not in link.get("href")


@pytest.mark.parametrize(
    "query", ["after=abc", "after=nan_3", "before=_", "after=1e999_2", "before=2026-13-01_x"]
)
def test_malformed_cursors_show_the_first_page(app, client, auth, tied, query):
    auth.as_role(Role.MEMBER)
    response = client.get(f"/ideas?sort=new&{query}")
    assert response.status_code == 200
    assert idea_titles(parse(response.text)) == _expected(app, "new", IdeaFilters())[:5]


def test_far_page_numbers_without_a_cursor_are_empty_with_a_way_back(client, auth, tied):
    auth.as_role(Role.MEMBER)
    response = client.get("/ideas?page=400")
    assert response.status_code == 200
    page = parse(response.text)
    assert idea_titles(page) == []
    first = page.one("nav", class_="pagination").find_all("a")[0]
    assert first.text() == "First page"
    assert "page=" not in first.get("href")


def test_a_large_list_says_more_than_instead_of_counting_everything(
    app, client, auth, tied, monkeypatch
):
    auth.as_role(Role.MEMBER)
    monkeypatch.setattr("ideas.board.services.COUNT_LIMIT", 10)
    page = parse(client.get("/ideas").text)
    assert page.one("p", class_="result-count").text() == "More than 10 ideas"
    # Without a total there is no "of N" either.
    assert page.one("nav", class_="pagination").one(aria_current="page").text() == "Page 1"
