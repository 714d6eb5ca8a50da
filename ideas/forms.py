"""Form helpers shared by every feature."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ideas.i18n import LOCALE_NAMES, language_tag

NONE_CHOICE = 0


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


class ActionForm(FlaskForm):
    """A form with no fields: a CSRF-protected button (follow, join, sign out...)."""
