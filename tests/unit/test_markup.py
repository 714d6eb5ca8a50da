"""The Markdown sanitiser: hostile input renders inert, ordinary Markdown survives."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from markupsafe import Markup

from ideas.markup import render_markdown, sanitize_html

DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "img",
    "frame",
    "frameset",
    "applet",
    "video",
    "audio",
    "source",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class ElementCollector(HTMLParser):
    """Collect every start tag with its attributes, as a browser's tokenizer would see it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements of an HTML fragment, parsed by the standard library."""
    parser = ElementCollector()
    parser.feed(html)
    parser.close()
    return parser.elements


def scheme_of(url: str) -> str:
    """The scheme a browser would use: it ignores ASCII whitespace and control characters."""
    cleaned = "".join(ch for ch in url if ord(ch) > 0x20 and ch != "\x7f")
    return urlsplit(cleaned).scheme.lower()


def assert_inert(html: str) -> None:
    """No active elements, no event handlers, no style, no URL with an unsafe scheme."""
    for tag, attrs in elements(html):
        assert tag not in DANGEROUS_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style", (tag, html)
            if name in URL_ATTRIBUTES:
                assert scheme_of(value or "") in SAFE_SCHEMES, (tag, name, value, html)


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "before <script>document.cookie</script> after",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<p onclick="alert(1)">click</p>',
    "<p title='x' onmouseover='alert(1)'>hover",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<body onload="alert(1)">',
    '<details open ontoggle="alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    "<a href=' javascript:alert(1)'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<style>body{display:none}</style>",
    "<style>@import 'https://evil.example/x.css';</style>text",
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>",
    "<base href='javascript:alert(1)//'>",
    "<form action='javascript:alert(1)'><button>go</button></form>",
    '<button formaction="javascript:alert(1)">x</button>',
    '<video><source onerror="alert(1)"></video>',
    # Broken and unclosed markup.
    "<scr<script>ipt>alert(1)</script>",
    "<script>alert(1)",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="javascript:alert(1)"',
    "<img src=x onerror=alert(1) ",
    '<p title="unterminated onmouseover=alert(1)>x',
    "</p><script>alert(1)</script><p>",
    "<!--<script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    # Quoted attributes that try to break out of their quotes.
    '<a href="https://ok.example" title=\'a" onmouseover="alert(1)\'>x</a>',
    '<abbr title="x&quot; onmouseover=&quot;alert(1)">x</abbr>',
    '<a title="&#34; onclick=&#34;alert(1)" href="https://ok.example">x</a>',
    # Markdown constructs carrying HTML.
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    "`<script>alert(1)</script>`",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    "> <iframe src=https://evil.example></iframe>",
    "- <svg onload=alert(1)>\n- [y](javascript:alert(2))",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_renders_xss_payloads_inert(payload):
    html = render_markdown(payload)
    assert isinstance(html, Markup)
    assert_inert(str(html))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitize_html_makes_stored_html_inert(payload):
    # The same corpus treated as already-rendered HTML (what sits in body_html).
    assert_inert(str(sanitize_html(payload)))


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", "<style>body{display:none}</style>", "<iframe>x</iframe>"],
)
def test_the_content_of_script_like_elements_is_dropped_not_shown(payload):
    # Not merely the tags: the script text must not leak into the page either.
    html = str(render_markdown(payload))
    assert "alert" not in html
    assert "display:none" not in html


def test_javascript_link_keeps_its_text_but_loses_its_href():
    tag, attrs = elements(str(render_markdown("[click me](javascript:alert(1))")))[1]
    assert tag == "a"
    assert "href" not in dict(attrs)
    assert "click me" in str(render_markdown("[click me](javascript:alert(1))"))


def test_the_assertion_helper_catches_what_it_should():
    # Guard against a vacuous helper: unsanitised payloads must fail it.
    for raw in (
        "<script>x</script>",
        '<p onclick="x">',
        '<a href="javascript:x">',
        '<a href="jav&#x09;ascript:x">',
        '<a href=" data:text/html,x">',
        '<p style="color:red">',
        "<svg>",
    ):
        with pytest.raises(AssertionError):
            assert_inert(raw)


# --- Ordinary Markdown survives ----------------------------------------------------------


def test_bold_and_emphasis():
    assert str(render_markdown("**bold** and *em* and ~~no~~")).startswith(
        "<p><strong>bold</strong> and <em>em</em>"
    )


def test_lists():
    html = str(render_markdown("- a\n- b\n\n1. one\n2. two"))
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in html
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in html


@pytest.mark.parametrize(
    "url",
    ["https://example.gc.ca/a?b=1&c=2", "http://example.org/", "mailto:team@example.gc.ca"],
)
def test_links_keep_their_href_and_get_rel(url):
    html = str(render_markdown(f"[the link]({url})"))
    (_, _), (tag, attrs) = elements(html)
    attrs = dict(attrs)
    assert tag == "a"
    assert attrs["href"] == url
    assert set(attrs["rel"].split()) == {"nofollow", "noopener", "noreferrer"}


def test_raw_html_link_gets_rel_even_if_it_set_its_own():
    html = str(sanitize_html('<a href="https://example.org" rel="opener" target="_blank">x</a>'))
    ((tag, attrs),) = elements(html)
    attrs = dict(attrs)
    assert tag == "a"
    assert attrs["href"] == "https://example.org"
    assert set(attrs["rel"].split()) == {"nofollow", "noopener", "noreferrer"}
    assert "target" not in attrs


def test_link_title_is_kept():
    html = str(render_markdown('[x](https://example.org "Read more")'))
    assert dict(elements(html)[1][1])["title"] == "Read more"


def test_fenced_code_is_kept_and_escaped():
    html = str(render_markdown("```python\nif a < b:\n    print('<b>')\n```"))
    assert html.startswith("<pre><code")
    assert "if a &lt; b:" in html
    assert "print('&lt;b&gt;')" in html
    # The code stays text: no <b> element came out of it.
    assert [tag for tag, _ in elements(html)] == ["pre", "code"]


def test_inline_code():
    assert "<code>x &lt; y</code>" in str(render_markdown("Use `x < y` here."))


def test_tables():
    html = str(render_markdown("| Name | Votes |\n|---|---|\n| Idea | 3 |"))
    tags = [tag for tag, _ in elements(html)]
    assert tags == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert "<th>Name</th>" in html
    assert "<td>3</td>" in html


def test_table_column_alignment_survives_sanitising():
    # td/th "align" is on the allow-list, so aligned columns must keep their alignment.
    html = str(render_markdown("| L | C | R |\n|:--|:-:|--:|\n| 1 | 2 | 3 |"))
    aligns = [dict(attrs).get("align") for tag, attrs in elements(html) if tag in ("th", "td")]
    assert aligns == ["left", "center", "right"] * 2


def test_headings_quotes_rules_and_line_breaks():
    html = str(render_markdown("## Why\n\n> quoted\n\n---\n\nline one\nline two"))
    tags = [tag for tag, _ in elements(html)]
    assert tags == ["h2", "blockquote", "p", "hr", "p", "br"]


def test_html_comments_are_stripped():
    assert "secret" not in str(render_markdown("text <!-- secret -->"))


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_input_renders_empty_markup(empty):
    assert render_markdown(empty) == Markup("")
    assert sanitize_html(empty) == Markup("")
    assert isinstance(render_markdown(empty), Markup)


def test_plain_text_is_escaped_not_interpreted():
    html = str(render_markdown("5 > 3 & 2 < 4"))
    assert html == "<p>5 &gt; 3 &amp; 2 &lt; 4</p>"


# --- sanitize_html on stored HTML --------------------------------------------------------


def test_sanitize_html_keeps_allowed_stored_html():
    stored = (
        "<h2>Plan</h2><p><strong>Bold</strong> <em>it</em></p>"
        '<ul><li><a href="https://example.org" title="t">link</a></li></ul>'
        "<pre><code>x</code></pre>"
    )
    html = str(sanitize_html(stored))
    assert [tag for tag, _ in elements(html)] == [
        "h2",
        "p",
        "strong",
        "em",
        "ul",
        "li",
        "a",
        "pre",
        "code",
    ]
    assert 'href="https://example.org"' in html
    assert 'title="t"' in html


def test_sanitize_html_strips_what_older_stored_html_may_carry():
    stored = (
        '<p class="x" id="y" onclick="steal()">Hi<script>steal()</script></p>'
        '<img src="https://tracker.example/pixel.gif">'
        '<a href="javascript:steal()">bad</a><a href="https://example.org">good</a>'
    )
    html = str(sanitize_html(stored))
    assert_inert(html)
    assert "steal" not in html
    assert 'class="x"' not in html
    assert 'id="y"' not in html
    assert "tracker.example" not in html
    anchors = [dict(attrs) for tag, attrs in elements(html) if tag == "a"]
    assert [a.get("href") for a in anchors] == [None, "https://example.org"]


def test_sanitize_html_returns_markup_so_jinja_does_not_escape_it_twice():
    html = sanitize_html("<p>a &amp; b</p>")
    assert isinstance(html, Markup)
    assert str(html) == "<p>a &amp; b</p>"
