"""The corpus is worth its name: each payload is live when a page forgets to escape it.

Without this, a checker blind to some payload would let every XSS test pass. A payload
counts as live if the checker flags it placed unescaped in text, in a quoted attribute, or
rendered by Markdown without the sanitiser; the few that are inert by design (encoded or
look-alike characters, which a browser does not run either) are listed with the reason.
"""

import markdown
from markupsafe import escape

from tests.security.xss import live_injections, load_corpus

INERT_BY_DESIGN = {
    "<![CDATA[<script>alert(1)</script>]]>": "a bogus comment to an HTML parser",
    "<javascript:alert(1)>": "an autolink Markdown leaves as text; not a URL scheme we allow",
    "＜script＞alert(1)＜/script＞": "full-width brackets are not markup",
    "<scrіpt>alert(1)</scrіpt>": "a Cyrillic і: an unknown element, not a script",
    "[click](java\u200bscript:alert(1))": "a zero-width space breaks the scheme",
    "%3Cscript%3Ealert(1)%3C/script%3E": "percent-encoding is not decoded in HTML text",
    "&lt;script&gt;alert(1)&lt;/script&gt;": "already escaped: shows as text",
    "&#60;script&#62;alert(1)&#60;/script&#62;": "already escaped: shows as text",
    "{{ 7*7 }}{% raw %}${alert(1)}": "template syntax: checked to stay literal, not markup",
    '[a](https://example.com "title\\" onmouseover=\\"alert(1)")': "Markdown keeps it a title",
    '<https://example.com" onclick="alert(1)>': "Markdown turns it into an escaped autolink",
}

UNSAFE_CONTEXTS = {
    "text": "<p>{}</p>",
    "double-quoted attribute": '<input value="{}">',
    "single-quoted attribute": "<a title='{}' href='/'>x</a>",
}


def is_live_somewhere(payload: str) -> bool:
    """True if the payload makes something live in any context that forgot escaping."""
    pages = [context.format(payload) for context in UNSAFE_CONTEXTS.values()]
    pages.append(markdown.markdown(payload, extensions=["fenced_code", "tables"]))
    return any(live_injections(page) for page in pages)


def test_corpus_is_large_and_varied():
    corpus = load_corpus()
    assert len(corpus) >= 60
    assert len(set(corpus)) == len(corpus)
    for marker in ("<script", "onerror", "javascript:", "&#", "<svg", "data:", "](", "\u202e"):
        assert any(marker in payload for payload in corpus), marker


def test_every_payload_is_live_when_not_escaped():
    blind = [p for p in load_corpus() if p not in INERT_BY_DESIGN and not is_live_somewhere(p)]
    assert blind == []
    assert set(INERT_BY_DESIGN) <= set(load_corpus())


def test_every_payload_is_inert_once_escaped():
    for payload in load_corpus():
        for context in UNSAFE_CONTEXTS.values():
            assert live_injections(context.format(escape(payload))) == [], payload
