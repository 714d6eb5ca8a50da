"""The XSS payload corpus and the check that a page holds nothing live that a payload made.

`live_injections(html)` parses a page with the standard library's HTML parser and lists
every element or attribute that could run script or load something foreign: scripts other
than our own files, event handlers, `javascript:`/`vbscript:`/`data:` addresses (entities
decoded, blanks and control characters removed, as browsers do), frames, plugins, SVG,
MathML (but for our own charts: SVG images with a text alternative), styles, <base> and
<meta http-equiv>. Our own templates contain none of these, so any hit on a page showing
a payload is an injection.
"""

from html.parser import HTMLParser
from pathlib import Path

CORPUS_FILE = Path(__file__).with_name("xss_payloads.txt")

FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style",
    "template", "isindex", "marquee", "video", "audio", "source", "img", "image",
    "animate", "set", "foreignobject", "noscript", "xmp", "plaintext", "portal",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "ping", "cite", "codebase", "lowsrc", "dynsrc", "srcset", "manifest",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
# The one kind of <meta> a page may carry besides charset and viewport: our CSRF token.
ALLOWED_META_NAMES = {"viewport", "csrf-token", "description"}


def load_corpus() -> list[str]:
    """The payloads of xss_payloads.txt (comments and blank lines left out)."""
    payloads = []
    for line in CORPUS_FILE.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        payloads.append(line.replace("\\n", "\n"))
    return payloads


def _scheme_of(value: str) -> str:
    """The address as a browser reads its scheme: blanks and control characters dropped."""
    return "".join(ch for ch in value if ch > " " and ch not in "\x7f").lower()


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:80]!r}")

    def _check(self, tag: str, attrs) -> None:
        attributes = {name: value or "" for name, value in attrs}
        where = f"<{tag} {attributes}>"
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"forbidden element {where}")
        if tag in {"svg", "math"} and not _is_our_chart(attributes):
            self.problems.append(f"foreign {tag} {where}")
        if tag == "script" and not attributes.get("src", "").startswith("/static/"):
            self.problems.append(f"script not from our static files {where}")
        if tag == "meta" and ("http-equiv" in attributes or (
            "name" in attributes and attributes["name"] not in ALLOWED_META_NAMES
        )):  # fmt: skip
            self.problems.append(f"meta {where}")
        if tag == "link" and not attributes.get("href", "").startswith("/static/"):
            self.problems.append(f"foreign link {where}")
        if tag == "form" and not attributes.get("action", "/").startswith(("/", "?")):
            self.problems.append(f"form posting elsewhere {where}")
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on {where}")
            elif name in {"style", "srcdoc"}:
                self.problems.append(f"{name} attribute on {where}")
            elif name in URL_ATTRIBUTES and _scheme_of(value).startswith(BAD_SCHEMES):
                self.problems.append(f"dangerous address in {name} on {where}")


def _is_our_chart(attributes: dict[str, str]) -> bool:
    """Our charts are images with a text alternative (see templates/dashboard)."""
    return attributes.get("role") == "img" and bool(
        attributes.get("aria-labelledby") or attributes.get("aria-label")
    )


def live_injections(html: str) -> list[str]:
    """Everything on the page that could run script or load foreign content."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems
