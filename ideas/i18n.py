"""Locale selection and the localised names of reference data (themes, departments)."""

from babel import Locale, UnknownLocaleError
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept

# Our locale codes, with the BCP 47 tag used in <html lang> and what browsers send.
LOCALE_TAGS = {"en": "en-CA", "fr": "fr-CA", "zh_Hant_TW": "zh-Hant-TW"}
LOCALE_NAMES = {"en": "English", "fr": "Français", "zh_Hant_TW": "中文（繁體）"}
_BROWSER_CODES = {
    "en": "en",
    "fr": "fr",
    "zh-TW": "zh_Hant_TW",
    "zh-Hant": "zh_Hant_TW",
    "zh-HK": "zh_Hant_TW",
    "zh": "zh_Hant_TW",
}


def select_locale() -> str:
    """Pick the member's preference, else the switcher's choice, else the browser's."""
    if not has_request_context():
        # CLI commands and services run without a request: no session, no browser.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    # Take the browser's languages in its order of preference, each matched on its own:
    # a single best_match over all of them prefers an exact "en" at q=0.8 to "fr-CA" at q=1.
    for tag, quality in request.accept_languages:
        best = LanguageAccept([(tag, quality)]).best_match(list(_BROWSER_CODES))
        if best is not None:
            return _BROWSER_CODES[best]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """All members see times in the configured zone (profiles do not yet carry one)."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_locale_code() -> str:
    """Return the active locale as one of our codes (en, fr, zh_Hant_TW)."""
    locale = get_locale()
    if locale is None:
        return "en"
    if locale.language == "zh":
        return "zh_Hant_TW"
    return locale.language if locale.language in LOCALE_TAGS else "en"


def html_lang() -> str:
    """Return the BCP 47 tag for <html lang> matching the active locale."""
    return LOCALE_TAGS[current_locale_code()]


def language_tag(code: str) -> str:
    """The BCP 47 tag of one of our locale codes, for `lang` on user text (zh-Hant-TW)."""
    return code.replace("_", "-")


def language_name(code: str) -> str:
    """The name of a language (one of our codes) in the reader's language, from CLDR.

    Names come from Babel's CLDR data, so they need no catalog entries; the territory is
    left out ("Chinese (Traditional)"), since it says nothing about how the text reads.
    """
    try:
        written = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return code  # not one of ours (an old row, say): show the code rather than fail
    reader = get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])
    return Locale(written.language, script=written.script).get_display_name(reader) or code


class LocalizedNameMixin:
    """Reference data named in the three languages; falls back to English."""

    name_en: str
    name_fr: str | None
    name_zh: str | None

    @property
    def name(self) -> str:
        """The name in the active locale, or in English where no translation is stored."""
        return self.name_in(current_locale_code())

    def name_in(self, code: str) -> str:
        """The name in one of our locale codes, or in English where none is stored."""
        if code == "fr" and self.name_fr:
            return self.name_fr
        if code == "zh_Hant_TW" and self.name_zh:
            return self.name_zh
        return self.name_en
