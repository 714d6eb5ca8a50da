"""Group forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ideas.forms import Form, OptionalIdSelectField, options
from ideas.groups.models import GroupKind
from ideas.groups.services import DESCRIPTION_MAX, NAME_MAX, NAME_MIN


class GroupForm(Form):
    """Create a group; kind and department are offered to administrators only."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the group a name.")),
            Length(
                NAME_MIN,
                NAME_MAX,
                _l("The name needs %(low)d to %(high)d characters.", low=NAME_MIN, high=NAME_MAX),
            ),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            Length(
                max=DESCRIPTION_MAX,
                message=_l(
                    "The description can have at most %(count)d characters.",
                    count=DESCRIPTION_MAX,
                ),
            )
        ],
        description=_l("What the group is for. Markdown is supported."),
    )
    kind = SelectField(
        _l("Kind"),
        choices=options(
            [
                (GroupKind.TOPIC.value, _l("Topic group")),
                (GroupKind.DEPARTMENT.value, _l("Department group")),
            ]
        ),
        default=GroupKind.TOPIC.value,
    )
    department = OptionalIdSelectField(_l("Department"))
