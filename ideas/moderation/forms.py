"""Moderation forms: a member's report, and a moderator's decision with its reason."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ideas.forms import Form
from ideas.moderation.services import REASON_MAX, REASON_MIN

_LENGTH = _l("Give a reason of %(low)d to %(high)d characters.", low=REASON_MIN, high=REASON_MAX)


class FlagForm(Form):
    """Report an idea or a comment to the moderators."""

    reason = TextAreaField(
        _l("What is wrong with it?"),
        validators=[
            DataRequired(_l("Tell the moderators why you are reporting this.")),
            Length(REASON_MIN, REASON_MAX, _LENGTH),
        ],
        description=_l(
            "5 to 1000 characters. Moderators read it; the author is never told who reported."
        ),
    )


class DecisionForm(Form):
    """A moderator hides the item, dismisses its reports, or shows it again, with a reason."""

    reason = TextAreaField(
        _l("Reason for your decision"),
        validators=[
            DataRequired(_l("Give a reason for your decision.")),
            Length(REASON_MIN, REASON_MAX, _LENGTH),
        ],
        description=_l("5 to 1000 characters, kept in the audit log."),
    )
    hide = SubmitField(_l("Hide"))
    dismiss = SubmitField(_l("Dismiss the reports"))
    unhide = SubmitField(_l("Show again"))
