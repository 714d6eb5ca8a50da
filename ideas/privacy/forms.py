"""Privacy forms: confirming an account deletion, and an administrator's request details."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, TextAreaField
from wtforms.validators import DataRequired, Length

from ideas.forms import Form
from ideas.privacy.services import REASON_MAX, REASON_MIN


class DeleteOwnAccountForm(Form):
    """A member confirms, explicitly, that they want their account deleted."""

    confirm = BooleanField(
        _l("I understand that my account will be deleted and that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm that you want to delete it."))],
    )


class AdminDeleteAccountForm(Form):
    """An administrator deletes an account at the member's request, saying why."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Give the reason for deleting this account.")),
            Length(
                REASON_MIN,
                REASON_MAX,
                _l(
                    "Give the reason in %(low)d to %(high)d characters.",
                    low=REASON_MIN,
                    high=REASON_MAX,
                ),
            ),
        ],
        description=_l(
            "Kept in the audit log, for example the request's reference number. "
            "Do not write the person's name or email address."
        ),
    )
    confirm = BooleanField(
        _l("I confirm that this account is to be deleted and that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm the deletion."))],
    )


class FindAccountForm(Form):
    """An administrator finds the account a deletion request is about by its email."""

    email = EmailField(
        _l("Email address of the account"),
        validators=[
            DataRequired(_l("Enter the email address of the account.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
