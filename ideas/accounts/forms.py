"""Account forms: registration, sign-in and profile."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ideas.accounts.services import list_departments
from ideas.forms import NONE_CHOICE, OptionalIdSelectField, language_options, options

# Each language named in itself (and marked with its lang), from ideas.i18n.LOCALE_NAMES.
LOCALE_CHOICES = language_options()


def department_options():
    """Departments for a chooser, by name in the active language, after "Not set"."""
    departments = sorted(list_departments(), key=lambda d: d.name.casefold())
    return options([(NONE_CHOICE, _("Not set")), *((d.id, d.name) for d in departments)])


class ProfileForm(FlaskForm):
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

    email = EmailField(
        _l("Work email"),
        validators=[
            DataRequired(_l("Enter your work email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254, message=_l("Use at most 254 characters.")),
        ],
        # A pasted or auto-completed address often ends in a space; the service trims too.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password."))],
        description=_l("At least 12 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[
            DataRequired(_l("Repeat your password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SignInForm(FlaskForm):
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


class LanguageForm(FlaskForm):
    """The header's language switcher."""

    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)


def _strip(value):
    """A pasted or auto-completed address often ends in a space; the services trim too."""
    return value.strip() if isinstance(value, str) else value


class ReauthenticateForm(FlaskForm):
    """Type the password again before a sensitive change."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    """Change the password: the current one, then the new one twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password."))],
        description=_l("At least 12 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat your new password.")),
            EqualTo("new_password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordResetRequestForm(FlaskForm):
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


class PasswordResetForm(FlaskForm):
    """Choose a new password through a reset link."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password."))],
        description=_l("At least 12 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat your new password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class EmailChangeForm(FlaskForm):
    """Move the account to another email address (confirmed by a link sent there)."""

    email = EmailField(
        _l("New work email"),
        validators=[
            DataRequired(_l("Enter your new work email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
            Length(max=254, message=_l("Use at most 254 characters.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
