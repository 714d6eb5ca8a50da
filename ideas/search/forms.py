"""The search page's form: read from the query string, so results can be bookmarked."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SearchField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from ideas.forms import Form, options
from ideas.search.index import SORTS, SearchFilters
from ideas.workflow.stages import Stage

SORT_LABELS = {"relevance": _l("Relevance"), "votes": _l("Most votes"), "newest": _l("Newest")}
MAX_PAGE = 500


class SearchForm(Form):
    """Words to find, filters, a sort and a page; unknown values are reported, not fatal."""

    class Meta:
        """A GET form: nothing to protect from forgery."""

        csrf = False  # a GET form that changes nothing

    q = SearchField(_l("Search ideas"))
    theme = IntegerField(_l("Theme"), validators=[Optional()])
    group = IntegerField(_l("Group"), validators=[Optional()])
    department = IntegerField(_l("Department"), validators=[Optional()])
    # The filter selects are drawn by the shared partial; these fields only read the values.
    stage = SelectField(_l("Stage"), validate_choice=False)
    date_from = DateField(_l("Posted from"), validators=[Optional()])
    date_to = DateField(_l("Posted until"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), choices=options(SORT_LABELS.items()), validate_choice=False)
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])

    def validate_date_to(self, field):
        """The range must not end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> SearchFilters:
        """The filters that passed validation; a field with an error counts as "any"."""

        def valid(name):
            field = self[name]
            return None if field.errors else field.data

        stage = self.stage.data or ""
        return SearchFilters(
            theme_id=valid("theme"),
            group_id=valid("group"),
            department_id=valid("department"),
            stage=Stage(stage) if stage in Stage._value2member_map_ else None,
            date_from=valid("date_from"),
            date_to=None if self.date_to.errors else self.date_to.data,
        )

    def chosen_sort(self) -> str:
        """The sort asked for, or relevance."""
        return self.sort.data if self.sort.data in SORTS else "relevance"

    def chosen_page(self) -> int:
        """The page asked for, or the first."""
        return 1 if self.page.errors or not self.page.data else self.page.data
