"""Form helpers shared by every feature."""

from functools import lru_cache

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from ideas.i18n import LOCALE_NAMES, language_tag

NONE_CHOICE = 0


@lru_cache(maxsize=16)
def wtforms_catalog(locale: str) -> NullTranslations:
    """WTForms' own messages ("Not a valid integer value.") in a language, read once."""
    parsed = Locale.parse(locale)
    # WTForms names Traditional Chinese zh_TW; looked up as zh_Hant_TW, gettext falls back
    # to zh, which is Simplified. So language_TERRITORY first, then the tag, then language.
    names = [f"{parsed.language}_{parsed.territory}"] if parsed.territory else []
    return Translations.load(messages_path(), [*names, locale, parsed.language], domain="wtforms")


class Form(FlaskForm):
    """The base of every form: Flask-WTF's, with WTForms' messages read once per language.

    Flask-WTF reads WTForms' catalogue from disk in every request that builds a form
    (about 0.3 ms, a tenth of a vote's CPU); the files do not change while the app runs.
    And it gave Taiwan's members WTForms' Simplified Chinese (see wtforms_catalog).
    """

    class Meta:
        """Options WTForms merges into every form's meta."""

        def get_translations(self, form):
            """WTForms' messages in the request's language (none outside a request).

            WTF_I18N_ENABLED=False keeps WTForms' own English, as in Flask-WTF.
            """
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            locale = get_locale()
            return wtforms_catalog(str(locale)) if locale is not None else None


def options(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into the select options WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_options() -> list[SelectChoice]:
    """Our languages, each named in itself and marked with its `lang` for screen readers."""
    return [
        SelectChoice(code, name, render_kw={"lang": language_tag(code)})
        for code, name in LOCALE_NAMES.items()
    ]


class OptionalIdSelectField(SelectField):
    """A select of database ids where 0 means "none chosen"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        """Refuse ids that were not offered (a tampered form) with a readable message."""
        offered = {self.coerce(choice.value) for choice in self.choices or []}
        if self.data not in offered:
            raise ValidationError(_l("Choose one of the offered options."))

    def process_formdata(self, valuelist):
        """Treat a non-numeric value as "not offered" rather than crashing the coercion."""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = -1


class ActionForm(Form):
    """A form with no fields: a CSRF-protected button (follow, join, sign out...)."""
