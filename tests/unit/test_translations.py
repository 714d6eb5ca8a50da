"""The translation catalogs are complete, correct and current; templates wrap their text.

The locale switcher promises a page with no English left in it: every catalog has every
message of the code translated (no empty or fuzzy entry), with the same placeholders, and
no template carries text outside the translation functions.
"""

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from config import Config

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "ideas" / "translations"
TEMPLATES = ROOT / "templates"
SCRIPTS = ROOT / "static" / "js"
CATALOGS = {path.parts[-3]: path for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
# The same keywords as `make i18n` (pybabel's defaults plus the lazy form we import as _l).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# Python's %-format placeholders: %(name)s, %d, %%...
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
LETTER = re.compile(r"[^\W\d_]")

# Text in templates that is rightly not wrapped for translation, by template. Keep each
# entry explained; anything else the scan finds is a string someone forgot to wrap.
ALLOWED_TEMPLATE_TEXT = {
    # The CSV format is a file format, not prose: its column names and sample rows are
    # what the importer reads, the same in every language.
    "workflow/progress_import.html": {
        "idea_id",
        "progress",
        "milestone",
        "date",
        "idea_id,progress,milestone,date 12,40,Pilot running in two regional offices,2025-03-03"
        ' 12,60,"Training delivered to 40 staff, in both languages",2025-04-14 15,100,,',
    },
}
# Attributes whose text a browser shows or a screen reader reads out.
SPOKEN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}


def _catalog(locale: str):
    with CATALOGS[locale].open("rb") as handle:
        return read_po(handle, locale=locale)


def _entries(catalog):
    return [message for message in catalog if message.id]


def test_every_offered_language_but_the_source_one_has_a_catalog():
    assert set(CATALOGS) == set(Config.LANGUAGES) - {Config.BABEL_DEFAULT_LOCALE}


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_the_catalog_has_no_untranslated_or_fuzzy_entry(locale):
    catalog = _catalog(locale)
    untranslated = [
        message.id
        for message in _entries(catalog)
        if not (all(message.string) if message.pluralizable else message.string)
    ]
    fuzzy = [message.id for message in _entries(catalog) if message.fuzzy]
    assert untranslated == [], f"{len(untranslated)} untranslated in {locale}: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {locale} (review them, then drop the flag)"


def _placeholders(text: str) -> list[str]:
    return sorted(token for token in PLACEHOLDER.findall(text) if token != "%%")


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_translation_keeps_the_placeholders_of_its_message(locale):
    wrong = []
    for message in _entries(_catalog(locale)):
        if message.pluralizable:
            singular, plural = message.id
            allowed = set(_placeholders(singular)) | set(_placeholders(plural))
            forms = [form for form in message.string if form]
            # A language may name "one" without its number (French "un commentaire"),
            # but never use a placeholder the code does not pass; the last form, used for
            # the bigger numbers, must show them all.
            if any(not set(_placeholders(form)) <= allowed for form in forms) or (
                forms and _placeholders(forms[-1]) != _placeholders(plural)
            ):
                wrong.append((message.id, message.string))
        elif message.string and _placeholders(message.string) != _placeholders(message.id):
            wrong.append((message.id, message.string))
    assert wrong == []


@cache
def _messages_in_the_code() -> frozenset:
    """Every message the code and templates mark for translation, as `make i18n` finds them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    skipped = {".venv", "node_modules", "tests", "bench", "migrations", "instance"}

    def searched(directory: str) -> bool:
        name = Path(directory).name
        return not name.startswith(".") and name not in skipped

    found = extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=searched
    )
    return frozenset((context, message) for _file, _line, message, _notes, context in found)


def _catalog_ids(catalog) -> set:
    return {(message.context, message.id) for message in _entries(catalog)}


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_the_catalog_is_up_to_date_with_the_code(locale):
    in_code, in_catalog = _messages_in_the_code(), _catalog_ids(_catalog(locale))
    missing = sorted((message for _context, message in in_code - in_catalog), key=str)
    stale = sorted((message for _context, message in in_catalog - in_code), key=str)
    hint = "run `make i18n` and translate the new entries"
    assert missing == [], f"{len(missing)} messages of the code missing from {locale} ({hint})"
    assert stale == [], f"{len(stale)} messages in {locale} the code no longer uses ({hint})"


def _forms(message) -> tuple[str, ...]:
    """A message's texts: itself, or its singular and plural."""
    return (message,) if isinstance(message, str) else tuple(message)


def _unnamed_placeholders(text: str) -> list[str]:
    return [t for t in PLACEHOLDER.findall(text) if not t.startswith(("%(", "%%"))]


def test_messages_use_named_placeholders_only():
    """Jinja %-formats every translated string, even without arguments, so a lone "%" in a
    template's message is read as a placeholder ("the % sign" showed "the {}ign"); and
    translators need names to reorder the values. A literal percent sign is written "%%".
    """
    texts = (text for _context, message in _messages_in_the_code() for text in _forms(message))
    unnamed = sorted(text for text in texts if _unnamed_placeholders(text))
    assert unnamed == []


def test_the_code_marks_messages_for_translation():
    """The extraction above really sees the code: a known message from each kind of file."""
    messages = {message for _context, message in _messages_in_the_code()}
    assert "Skip to main content" in messages  # templates/base.html, _()
    assert "Publish idea" in messages  # ideas/board/forms.py, lazy_gettext as _l
    assert ("%(num)s comment", "%(num)s comments") in messages  # ngettext


# Template scan ----------------------------------------------------------------------------

JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
JINJA_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)


class _TextCollector(HTMLParser):
    """Collects the text nodes and spoken attributes a reader would meet."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raw: list[str] = []
        self.texts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth:
            self.texts.append(data)


def unwrapped_text(source: str) -> list[str]:
    """The words of a template that no translation function wraps.

    Jinja comments, statements and expressions are cut out first (an expression is either
    translated or data); what is left is markup and literal text. Text made only of
    punctuation, symbols and numbers is ignored: nothing to translate.
    """
    markup = JINJA_TAG.sub(" ", JINJA_COMMENT.sub(" ", source))
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return [" ".join(text.split()) for text in collector.texts if LETTER.search(text)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>{{ _('Hello') }}</p>", []),
        ("<p>Hello {{ name }}</p>", ["Hello"]),
        ('<a title="Open it" href="/">{{ _("x") }}</a>', ["Open it"]),
        ("<p>{# Not shown #}{{ idea.id }} · (3)</p>", []),
        ("<script>var label = 'text';</script><style>b::before{content:'x'}</style>", []),
        ("{% if x %}<span aria-label=\"{{ _('Votes') }}\">#{{ n }}</span>{% endif %}", []),
        ("<h1>Idées {{ x }}</h1>", ["Idées"]),
    ],
)
def test_the_scan_finds_literal_text_and_only_that(source, expected):
    assert unwrapped_text(source) == expected


def test_no_template_has_user_visible_text_outside_the_translation_functions():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        allowed = ALLOWED_TEMPLATE_TEXT.get(name, set())
        texts = [text for text in unwrapped_text(path.read_text()) if text not in allowed]
        if texts:
            found[name] = texts
    assert found == {}, "wrap these in _() (or allow them above, with the reason)"


def test_the_allow_list_has_no_stale_entries():
    """An allowed text that is gone from its template would silently allow it elsewhere."""
    stale = {
        name: sorted(allowed - set(unwrapped_text((TEMPLATES / name).read_text())))
        for name, allowed in ALLOWED_TEMPLATE_TEXT.items()
    }
    assert {name: texts for name, texts in stale.items() if texts} == {}


# Script scan ------------------------------------------------------------------------------

# Where a script puts a literal string in front of the reader: element text, shown
# attributes, dialogs. Such text must come from a data- attribute the template translated.
JS_SHOWN_LITERAL = re.compile(
    r"""(?:\.(?:textContent|innerText|innerHTML|title|placeholder|alt|ariaLabel)\s*\+?=\s*"""
    r"""|setAttribute\(\s*["'](?:aria-label|title|placeholder|alt)["']\s*,\s*"""
    r"""|\b(?:alert|confirm|prompt)\(\s*)"""
    r"""(["'`])((?:(?!\1)[^\\]|\\.)*)\1"""
)


def literal_script_text(source: str) -> list[str]:
    """Literal strings a script shows to the reader (empty strings and symbols are fine)."""
    texts = (match.group(2) for match in JS_SHOWN_LITERAL.finditer(source))
    return [text for text in texts if LETTER.search(text)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('el.textContent = "Saved";', ["Saved"]),
        ("el.textContent = '';", []),
        ("el.textContent = box.dataset.label;", []),
        ("status.innerText += 'x';", ["x"]),
        ('button.setAttribute("aria-label", `Vote for`);', ["Vote for"]),
        ("alert('Oops: try again')", ["Oops: try again"]),
        ('el.textContent = "✓ " + n;', []),
    ],
)
def test_the_script_scan_finds_literal_text_and_only_that(source, expected):
    assert literal_script_text(source) == expected


def test_no_script_shows_text_that_is_not_translated():
    found = {
        path.name: texts
        for path in sorted(SCRIPTS.rglob("*.js"))
        if (texts := literal_script_text(path.read_text()))
    }
    assert found == {}, "pass the text through a data- attribute rendered with _()"
