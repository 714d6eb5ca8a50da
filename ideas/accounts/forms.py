"""Account forms: registration, sign-in and profile."""

from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ideas.accounts.services import list_departments
from ideas.forms import NONE_CHOICE, Form, OptionalIdSelectField, language_options, options

# Each language named in itself (and marked with its lang), from ideas.i18n.LOCALE_NAMES.
LOCALE_CHOICES = language_options()


def department_options():
    """Departments for a chooser, by name in the active language, after "Not set"."""
    departments = sorted(list_departments(), key=lambda d: d.name.casefold())
    return options([(NONE_CHOICE, _("Not set")), *((d.id, d.name) for d in departments)])


def _strip(value):
    """A pasted or auto-completed address often ends in a space; the services trim too."""
    return value.strip() if isinstance(value, str) else value


def work_email_field(label: LazyString, required: LazyString) -> UnboundField:
    """An address to sign in with (registration, email change): valid, at most 254, trimmed."""
    return EmailField(
        label,
        validators=[
            DataRequired(required),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254, message=_l("Use at most 254 characters.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


class PasswordWording(NamedTuple):
    """What the new-password pair says: its two labels and the messages for an empty one."""

    label: LazyString
    required: LazyString
    repeat_label: LazyString
    repeat_required: LazyString


# Changing or resetting a password asks for a "new" one; registering asks for the first.
NEW_PASSWORD = PasswordWording(
    _l("New password"),
    _l("Choose a new password."),
    _l("Repeat the new password"),
    _l("Repeat your new password."),
)
FIRST_PASSWORD = PasswordWording(
    _l("Password"),
    _l("Choose a password."),
    _l("Repeat password"),
    _l("Repeat your password."),
)


def new_password_fields(
    name: str = "password", wording: PasswordWording = NEW_PASSWORD
) -> tuple[UnboundField, UnboundField]:
    """A new password and its repetition, which must match; `name` is the first one's name.

    Registration, password change and password reset all ask for the pair; the strength
    rules live in the services, so the fields only check that both are filled in and match.
    """
    password = PasswordField(
        wording.label,
        validators=[DataRequired(wording.required)],
        description=_l("At least 12 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        wording.repeat_label,
        validators=[
            DataRequired(wording.repeat_required),
            EqualTo(name, _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class ProfileForm(Form):
    """The profile facts asked once and reused: name, department, language."""

    display_name = StringField(
        _l("Display name"),
        validators=[
            DataRequired(_l("Enter the name other members will see.")),
            Length(2, 80, _l("Use %(low)d to %(high)d characters.", low=2, high=80)),
        ],
        render_kw={"autocomplete": "name"},
    )
    department = OptionalIdSelectField(_l("Department"))
    locale = SelectField(
        _l("Language"),
        choices=LOCALE_CHOICES,
        validators=[DataRequired(_l("Choose a language."))],
    )


class RegisterForm(ProfileForm):
    """Create an account."""

    email = work_email_field(_l("Work email"), _l("Enter your work email address."))
    password, confirm = new_password_fields(wording=FIRST_PASSWORD)


class SignInForm(Form):
    """Sign in with email and password."""

    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address."))],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class LanguageForm(Form):
    """The header's language switcher."""

    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)


class ReauthenticateForm(Form):
    """Type the password again before a sensitive change."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(Form):
    """Change the password: the current one, then the new one twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password, confirm = new_password_fields("new_password")


class PasswordResetRequestForm(Form):
    """Ask for a password-reset link."""

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


class PasswordResetForm(Form):
    """Choose a new password through a reset link."""

    password, confirm = new_password_fields()


class EmailChangeForm(Form):
    """Move the account to another email address (confirmed by a link sent there)."""

    email = work_email_field(_l("New work email"), _l("Enter your new work email address."))
