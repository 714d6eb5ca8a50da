"""The audit log's filter form, read from the query string so filtered views can be shared."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from ideas.accounts.services import get_user_by_email
from ideas.forms import Form

# Ids are compared with integer columns; PostgreSQL refuses larger numbers.
MAX_ID = 2**31 - 1


class IsoDateField(DateField):
    """A YYYY-MM-DD date typed as text, whose error says which format is expected.

    A text box rather than a date picker: pickers show the browser's own format, which
    contradicts the label, and blank out a mistyped value instead of showing it back.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Parse the date, replacing WTForms' terse message with one that shows the format."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(
                str(_l("Enter the date as YYYY-MM-DD, for example 2025-03-31."))
            ) from error


class IdField(IntegerField):
    """A positive record number, with a readable message for anything else.

    A text box, so that a mistyped value is shown back next to its message.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Parse the number, explaining what is expected when it is not one."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Enter a number, such as 42."))) from error

    def pre_validate(self, form):
        """Stop at the parsing message; the range check would only repeat it."""
        if self.process_errors:
            raise StopValidation()


class AuditFilterForm(Form):
    """Filters for the audit log; every one is optional."""

    class Meta:
        """A GET search form changes nothing, so it carries no CSRF token."""

        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    actor = StringField(
        _l("Who"),
        validators=[Optional(), Length(max=254)],
        description=_l("An email address or a member number."),
    )
    idea = IdField(
        _l("Idea number"),
        validators=[Optional(), NumberRange(1, MAX_ID, _l("Enter a number, such as 42."))],
        render_kw={"inputmode": "numeric"},
    )
    date_from = IsoDateField(_l("From (YYYY-MM-DD)"), validators=[Optional()])
    date_to = IsoDateField(_l("To (YYYY-MM-DD, included)"), validators=[Optional()])

    actor_id: int | None = None

    def validate_actor(self, field) -> None:
        """Accept a member number or the email of an existing account."""
        text = (field.data or "").strip()
        if not text:
            return
        if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
            self.actor_id = int(text)
        elif "@" in text:
            user = get_user_by_email(text)
            if user is None:
                raise ValidationError(_l("No account has this email address."))
            self.actor_id = user.id
        else:
            raise ValidationError(_l("Enter an email address or a member number."))

    def validate_date_to(self, field) -> None:
        """The period cannot end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
