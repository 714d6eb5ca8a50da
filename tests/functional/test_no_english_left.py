"""Switched to French or Traditional Chinese, no page shows an English interface string.

The catalogs being complete (tests/unit/test_translations.py) is not enough: a string
translated once at import time, a label built outside the translation functions, or a
library's own messages would still reach the page in English. So every page, and the
error state of every form, is rendered in each language and its text compared with the
English messages of the catalog.
"""

import re

import pytest
from babel.messages.pofile import read_po

from ideas.accounts.models import Role
from tests.browser.site_pages import page_urls, seed_site
from tests.conftest import AuthActions
from tests.functional.html_dom import parse
from tests.unit.test_translations import CATALOGS

WORD = re.compile(r"[A-Za-z]{3,}")
# Attributes whose text is shown or read out, besides the button label kept in `value`.
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}


def english_messages(locale: str) -> set[str]:
    """The catalog's English messages whose translation reads differently (a word that is
    the same in both languages, like "Innovation", proves nothing)."""
    with CATALOGS[locale].open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    english = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        english.update(text for text in ids if WORD.search(text) and text not in strings)
    return english


def _shown_texts(element) -> list[str]:
    """The interface text of an element: text nodes and shown attributes, skipping scripts,
    styles and what members wrote (rendered Markdown, and text marked with its language)."""
    texts = [element.attrs[name] for name in SHOWN_ATTRIBUTES & element.attrs.keys()]
    if element.tag == "input" and element.get("type") in {"submit", "button"}:
        texts.append(element.get("value", ""))
    for child in element.children:
        if isinstance(child, str):
            texts.append(child)
        elif not (
            child.tag in {"script", "style"}
            or "markdown" in child.classes
            or (child.get("lang") and child.tag != "html")
        ):
            texts.extend(_shown_texts(child))
    return texts


def english_on(html: str, english: set[str]) -> list[str]:
    """The English interface strings the page shows."""
    shown = {" ".join(text.split()) for text in _shown_texts(parse(html))}
    # A message may end in a colon or carry the text that follows it in the same node.
    return sorted(text for text in shown if text in english or text.rstrip(":") in english)


def form_routes(app) -> set[str]:
    """Endpoints that show a form on GET and take it back on POST."""
    return {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= rule.methods}


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_no_page_shows_english_once_switched(app, client, make_user, locale):
    english = english_messages(locale)
    site = seed_site(app, locale)
    forms = form_routes(app)
    found: dict[str, list[str]] = {}

    # A visitor switches with the header's form; members read in their saved language.
    client.post("/language", data={"locale": locale, "next": "/"})
    for url in ["/", "/sign-in", "/register", "/no-such-page"]:
        if problems := english_on(client.get(url).text, english):
            found[f"visitor {url}"] = problems
        # Submitting the empty form shows every field's error message.
        posted = client.post(url, data={}) if url in ("/sign-in", "/register") else None
        if posted is not None and (problems := english_on(posted.text, english)):
            found[f"visitor POST {url}"] = problems

    auth = AuthActions(client, make_user)
    for role in (Role.MEMBER, Role.ADMIN):
        auth.sign_in(site.users[role])
        for url in page_urls(app, site, role):
            response = client.get(url)
            if response.status_code != 200:
                continue
            if problems := english_on(response.text, english):
                found[f"{role.value} {url}"] = problems
            if app.url_map.bind("").match(url)[0] in forms:
                posted = client.post(url, data={})
                if problems := english_on(posted.text, english):
                    found[f"{role.value} POST {url}"] = problems
        auth.sign_out()
    assert found == {}


def test_the_check_sees_english(app, client):
    """The comparison itself works: the English home page is all catalog messages."""
    english = english_messages("fr")
    assert "Skip to main content" in english_on(client.get("/").text, english)
