"""Board forms: ideas, comments, votes."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ideas.board.services import BODY_MAX, COMMENT_MAX, TITLE_MAX, TITLE_MIN
from ideas.forms import Form, OptionalIdSelectField, language_options
from ideas.i18n import LOCALE_NAMES


class IdeaForm(Form):
    """Post or edit an idea; "preview" re-renders the form with the Markdown shown."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give your idea a title.")),
            Length(
                TITLE_MIN,
                TITLE_MAX,
                _l(
                    "The title needs %(low)d to %(high)d characters.", low=TITLE_MIN, high=TITLE_MAX
                ),
            ),
        ],
        description=_l("5 to 150 characters: say what would change."),
    )
    body = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(_l("Describe your idea.")),
            Length(
                max=BODY_MAX,
                message=_l(
                    "The description can have at most %(count)d characters.", count=BODY_MAX
                ),
            ),
        ],
        description=_l("Markdown is supported: **bold**, *italic*, lists, links."),
    )
    theme = OptionalIdSelectField(_l("Theme"))
    group = OptionalIdSelectField(_l("Group (optional)"))
    language = SelectField(
        _l("Language of the idea"),
        choices=language_options(),
        # Our message rather than WTForms' generic one; the service checks LANGUAGES too.
        validate_choice=False,
        validators=[AnyOf(LOCALE_NAMES, _l("Choose one of the offered languages."))],
        description=_l("Ideas are shown as written, never translated: say which language you use."),
    )
    preview = SubmitField(_l("Preview"))
    # Without JavaScript, the step that lists similar ideas before publishing (search feature).
    check_similar = SubmitField(_l("Check for similar ideas"))
    submit = SubmitField(_l("Publish idea"))

    def validate_theme(self, field):
        """A theme is required."""
        if not field.data:
            raise ValidationError(_l("Choose a theme."))


class CommentForm(Form):
    """Comment on an idea, or reply to a comment."""

    body = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(_l("Write a comment first.")),
            Length(
                max=COMMENT_MAX,
                message=_l("A comment can have at most %(count)d characters.", count=COMMENT_MAX),
            ),
        ],
    )
    parent_id = IntegerField(validators=[Optional()], widget=HiddenField.widget)
