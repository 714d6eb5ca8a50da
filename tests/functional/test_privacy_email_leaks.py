"""Members never see each other's email addresses, and a deleted member's name is gone.

A member signs in on a site with content of every kind (the browser suite's seed, plus a
member who then deleted their account), opens every page of the URL map that their role
reaches, follows every link on those pages, and reads every answer: no other person's
email address may appear, nor the deleted member's former name, nor in the logs.
"""

import logging
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from ideas.accounts.models import Role, User
from ideas.accounts.services import register_user
from ideas.board.models import Idea, Theme
from ideas.board.services import cast_vote, follow_idea, post_comment, post_idea
from ideas.extensions import db
from ideas.groups.models import Group
from ideas.groups.services import join_group
from ideas.privacy.services import delete_account
from ideas.web import transaction
from ideas.workflow.stages import Stage
from tests.browser.site_pages import arguments, endpoint_arguments, seed_site
from tests.conftest import PASSWORD, CSRFClient, theme_id

# Enough for every page of the seeded site and the links between them, bounded all the same.
MAX_PAGES = 600
LEAVER_EMAIL = "zed.leaver@example.gc.ca"
LEAVER_NAME = "Zed Leaverton"
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HREF_PATTERN = re.compile(r'href="([^"]+)"')


def add_leaver(app) -> int:
    """A member who posted, commented, voted, followed and joined, then deleted the account."""
    with app.app_context():
        leaver = register_user(LEAVER_EMAIL, LEAVER_NAME, PASSWORD)
        theme = db.session.get(Theme, theme_id())
        open_ideas = select(Idea).where(Idea.hidden.is_(False), Idea.stage != Stage.MERGED)
        others = list(db.session.scalars(open_ideas.order_by(Idea.id).limit(3)))
        idea = post_idea(leaver, "Car-pooling board for staff", "Save on parking.", theme)
        for other in others:
            post_comment(leaver, other, "A thought on sharing desks.")
            cast_vote(leaver, other, 1)
            follow_idea(leaver, other)
        join_group(leaver, db.session.scalars(select(Group)).first())
        db.session.commit()
        with transaction():
            delete_account(leaver, actor=leaver)
        return idea.id


def every_page(app, seeded, role) -> list[str]:
    """Every GET route of the URL map, with the seeded site's rows as arguments.

    Routes whose arguments no seeded row provides (an emailed token, say) are left out:
    a member cannot reach them by browsing either.
    """
    defaults = arguments(seeded)
    specific = endpoint_arguments(seeded, role)
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if "token" in rule.arguments:
                # Emailed links: only the address's owner holds the token, and the page
                # rightly shows them their own address.
                continue
            if rule.endpoint in specific:
                sets = specific[rule.endpoint]
            elif set(rule.arguments) <= set(defaults):
                sets = [{name: defaults[name] for name in rule.arguments}]
            else:
                continue
            urls.extend(url_for(rule.endpoint, **values) for values in sets)
    return sorted(set(urls))


def walk(client, start: list[str]) -> dict[str, str]:
    """GET every start page and every same-site link found, breadth first; url -> body."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        body = response.get_data(as_text=True)
        seen[url] = body
        assert response.status_code < 500, url
        if "html" not in (response.mimetype or ""):
            continue
        for href in HREF_PATTERN.findall(body):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith("/static/") or href in seen:
                continue
            queue.append(href)
    return seen


@pytest.fixture
def site(app):
    """The browser suite's seeded site, plus a member who deleted their account."""
    seeded = seed_site(app, "en")
    leaver_idea = add_leaver(app)
    return seeded, leaver_idea


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SECRETARIAT, Role.EXECUTIVE])
def test_no_page_shows_another_persons_email_or_a_deleted_name(app, site, role, caplog):
    seeded, leaver_idea = site
    me = seeded.users[role]
    with app.app_context():
        emails = set(db.session.scalars(select(User.email))) | {LEAVER_EMAIL}
    others = emails - {me.email}
    app.test_client_class = CSRFClient
    client = app.test_client()
    response = client.post("/sign-in", data={"email": me.email, "password": PASSWORD})
    assert response.status_code == 302

    caplog.set_level(logging.DEBUG)
    start = [
        *every_page(app, seeded, role),
        f"/ideas/{leaver_idea}",
        "/search?q=car-pooling",
        "/search?q=Leaverton",
        "/search/similar?title=Car-pooling+board&body=parking",
    ]
    pages = walk(client, start)

    assert len(pages) > 40  # the walk reached the site, not just a sign-in redirect
    for url, body in pages.items():
        found = {address.lower() for address in EMAIL_PATTERN.findall(body)}
        assert not (found & others), f"{url} shows {sorted(found & others)}"
        assert LEAVER_NAME not in body, url
    assert "former member" in pages[f"/ideas/{leaver_idea}"]
    # The search index forgot the name too: searching for it finds nothing of theirs.
    assert f"/ideas/{leaver_idea}" in pages["/search?q=car-pooling"]
    assert f"/ideas/{leaver_idea}" not in pages["/search?q=Leaverton"]
    for address in others:
        assert address not in caplog.text
