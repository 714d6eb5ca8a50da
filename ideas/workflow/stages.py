"""The stages of an idea's life, from proposed to implemented, with the side exits."""

import enum

from flask_babel import lazy_gettext as _l


class Stage(enum.StrEnum):
    """Where an idea is in its life; declined, on hold and merged are side exits."""

    PROPOSED = "proposed"
    UNDER_REVIEW = "under_review"
    ASSESSED = "assessed"
    PILOTED = "piloted"
    IMPLEMENTED = "implemented"
    DECLINED = "declined"
    ON_HOLD = "on_hold"
    MERGED = "merged"

    @property
    def label(self) -> str:
        """The stage's name in the active language."""
        return str(STAGE_LABELS[self])


STAGE_LABELS = {
    Stage.PROPOSED: _l("Proposed"),
    Stage.UNDER_REVIEW: _l("Under review"),
    Stage.ASSESSED: _l("Assessed"),
    Stage.PILOTED: _l("Piloted"),
    Stage.IMPLEMENTED: _l("Implemented"),
    Stage.DECLINED: _l("Declined"),
    Stage.ON_HOLD: _l("On hold"),
    Stage.MERGED: _l("Merged"),
}

# The main path, in order; the rest are side exits.
MAIN_PATH = (Stage.PROPOSED, Stage.UNDER_REVIEW, Stage.ASSESSED, Stage.PILOTED, Stage.IMPLEMENTED)
