"""Every form's base: WTForms' own messages in the member's language, read once per language."""

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from ideas.forms import Form, wtforms_catalog

# WTForms' message for a value that is not a number, in each of our languages.
NOT_AN_INTEGER = {
    "en": "Not a valid integer value.",
    "fr": "N'est pas un entier valide.",
    # Traditional characters (整數值), not Simplified (整数): zh_TW, not zh.
    "zh_Hant_TW": "不是有效的整數值。",
}


class NumberForm(Form):
    """A form with one whole number, as the app's progress and merge forms have."""

    value = IntegerField()


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_form_of_the_app_has_the_shared_base(app):
    forms = {c for c in _subclasses(FlaskForm) if c.__module__.startswith("ideas.")}
    assert len(forms) > 20  # the app's modules are imported
    assert sorted(c.__qualname__ for c in forms if not issubclass(c, Form)) == []


@pytest.mark.parametrize(("locale", "message"), NOT_AN_INTEGER.items())
def test_wtforms_messages_are_in_the_language_and_read_once(app, locale, message):
    wtforms_catalog.cache_clear()
    for _ in range(3):
        with app.test_request_context("/", headers={"Accept-Language": locale.replace("_", "-")}):
            form = NumberForm(formdata=MultiDict({"value": "many"}), meta={"csrf": False})
            assert not form.validate()
            assert form.value.errors[0] == message
    assert wtforms_catalog.cache_info().misses == 1


def test_wtforms_i18n_can_be_switched_off_as_in_flask_wtf(app):
    app.config["WTF_I18N_ENABLED"] = False
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        form = NumberForm(formdata=MultiDict({"value": "many"}), meta={"csrf": False})
        assert not form.validate()
        assert form.value.errors[0] == NOT_AN_INTEGER["en"]
