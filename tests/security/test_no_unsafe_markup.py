"""No `|safe`, `Markup()` or turned-off autoescaping on user data outside the one sanitiser.

Jinja escapes everything it prints unless told the text is markup. This test reads every
template and every Python module of the application and fails on each way of saying so
that is not in the allow-list below, where every entry gives its reason. Markup built from
a string literal is our own HTML (`Markup("<mark>%s</mark>") % text` still escapes `text`),
so only Markup() of a computed value needs an entry.
"""

import ast
import re
from pathlib import Path

from ideas.markup import render_markdown, sanitize_html
from tests.security.xss import live_injections, load_corpus

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PYTHON_SOURCES = [*(ROOT / "ideas").rglob("*.py"), ROOT / "wsgi.py", ROOT / "config.py"]

# (file, function) -> why Markup() of a computed value is safe there.
ALLOWED_COMPUTED_MARKUP = {
    ("ideas/markup.py", "sanitize_html"): (
        "the one sanitising filter: nh3 has just cleaned the HTML with an explicit allow-list "
        "of tags, attributes and URL schemes"
    ),
    ("ideas/board/comment_pages.py", "_personalise"): (
        "the idea page's comment list as board/_comments.html rendered it (autoescaped, kept "
        "per worker), with only the module's own marks replaced: by nothing, by the "
        "template's HTML between two marks, or by the escaped CSRF token"
    ),
    ("ideas/templating.py", "stored_html"): (
        "the `sanitized` template filter: it only shows *_html columns (a test below checks "
        "every use), which render_markdown cleaned when they were written; "
        "tests/unit/test_stored_html.py checks every writer"
    ),
}
# Templates may never mark text safe: stored HTML goes through the `sanitized` filter.
TEMPLATE_PATTERNS = {
    "|safe filter": re.compile(r"\|\s*safe\b"),
    "autoescape turned off": re.compile(r"{%-?\s*autoescape\s+(false|False|0)"),
    "filter block marking text safe": re.compile(r"{%-?\s*filter\s+safe"),
    "Markup() in a template": re.compile(r"\bMarkup\s*\("),
}
# What the `sanitized` filter may be applied to: HTML columns written by render_markdown.
SANITIZED_OPERAND = re.compile(r"([\w.]+)\s*\|\s*sanitized")
FORBIDDEN_CALLS = {"render_template_string", "from_string", "Template"}


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_templates_never_mark_text_safe():
    found = []
    for template in sorted(TEMPLATES.rglob("*")):
        if not template.is_file():
            continue
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            found.extend(
                f"{relative(template)}:{number}: {name}: {line.strip()}"
                for name, pattern in TEMPLATE_PATTERNS.items()
                if pattern.search(line)
            )
    assert found == []


def test_the_sanitising_filter_is_only_applied_to_stored_html():
    uses = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for operand in SANITIZED_OPERAND.findall(template.read_text(encoding="utf-8")):
            uses.append(operand)
            assert operand.endswith("_html"), f"{relative(template)}: {operand}|sanitized"
    assert uses, "no template uses the sanitized filter any more: update this test"


class _MarkupCalls(ast.NodeVisitor):
    """Markup() calls of computed values, forbidden calls and autoescape=False, by function."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.function = "<module>"
        self.markup_names = {"Markup"}
        self.found: list[tuple[str, str, int, str]] = []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "Markup" and alias.asname:
                self.markup_names.add(alias.asname)

    def visit_FunctionDef(self, node) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 - the name ast.NodeVisitor calls

    def visit_Call(self, node: ast.Call) -> None:
        name = _called_name(node.func)
        literal = all(isinstance(arg, ast.Constant) for arg in node.args) and not node.keywords
        if name in self.markup_names and not literal:
            self.found.append((self.path, self.function, node.lineno, "Markup() of a value"))
        if name in FORBIDDEN_CALLS:
            self.found.append((self.path, self.function, node.lineno, f"{name}()"))
        for keyword in node.keywords:
            if keyword.arg == "autoescape" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is True
            ):
                self.found.append((self.path, self.function, node.lineno, "autoescape off"))
        self.generic_visit(node)


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def test_python_code_marks_only_sanitised_html_safe():
    found = []
    for source in sorted(PYTHON_SOURCES):
        visitor = _MarkupCalls(relative(source))
        visitor.visit(ast.parse(source.read_text(encoding="utf-8")))
        found.extend(visitor.found)
    unexplained = [
        f"{path}:{line} in {function}(): {what}"
        for path, function, line, what in found
        if (path, function) not in ALLOWED_COMPUTED_MARKUP
    ]
    assert unexplained == []
    # An entry whose code has gone would silently allow a new use in that function.
    used = {(path, function) for path, function, _line, _what in found}
    assert set(ALLOWED_COMPUTED_MARKUP) <= used, set(ALLOWED_COMPUTED_MARKUP) - used


def test_autoescaping_is_on_for_every_template(app):
    for template in TEMPLATES.rglob("*"):
        if template.is_file():
            assert app.jinja_env.autoescape(template.name), relative(template)
    rendered = app.jinja_env.from_string("{{ text }}").render(text="<script>alert(1)</script>")
    assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_sanitiser_leaves_every_payload_inert():
    for payload in load_corpus():
        assert live_injections(str(render_markdown(payload))) == [], payload
        assert live_injections(str(sanitize_html(payload))) == [], payload


# What the Content-Security-Policy would block (or, for styles set from script, not block):
# none of it may be in a template or our JavaScript.
CSP_BREAKERS = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}
SCRIPT_SINKS = {
    "HTML parsed from a string": re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML"),
    "document.write": re.compile(r"document\.write"),
    "code from a string": re.compile(r"\beval\(|new Function\(|setTimeout\(\s*['\"]"),
    "inline style from script": re.compile(
        r"\.style\.|\.style\s*=|cssText|setAttribute\(\s*['\"]style"
    ),
}


def test_templates_keep_to_the_content_security_policy():
    found = [
        f"{relative(template)}: {name}"
        for template in sorted(TEMPLATES.rglob("*.html"))
        for name, pattern in CSP_BREAKERS.items()
        if pattern.search(template.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_our_javascript_builds_no_html_from_strings_and_sets_no_inline_style():
    scripts = sorted((ROOT / "static" / "js").rglob("*.js"))
    assert scripts
    found = [
        f"{relative(script)}: {name}"
        for script in scripts
        for name, pattern in SCRIPT_SINKS.items()
        if pattern.search(script.read_text(encoding="utf-8"))
    ]
    assert found == []
