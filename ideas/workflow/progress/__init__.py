"""Implementation progress: a percentage and dated milestones, one by one or from a CSV file."""

from ideas.workflow.progress.csv_io import (
    COLUMNS,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    ImportProblem,
    ImportReport,
    export_progress_csv,
    import_progress_csv,
    read_upload,
)
from ideas.workflow.progress.services import (
    MILESTONE_MAX,
    PROGRESS_STAGES,
    ProgressChange,
    accepts_progress,
    apply_progress,
    check_milestone_date,
    check_progress,
    clean_milestone,
    milestones_of,
    progress_panel,
    record_progress,
    today,
)

__all__ = [
    "COLUMNS",
    "IMPORT_MAX_BYTES",
    "IMPORT_MAX_ROWS",
    "MILESTONE_MAX",
    "PROGRESS_STAGES",
    "ImportProblem",
    "ImportReport",
    "ProgressChange",
    "accepts_progress",
    "apply_progress",
    "check_milestone_date",
    "check_progress",
    "clean_milestone",
    "export_progress_csv",
    "import_progress_csv",
    "milestones_of",
    "progress_panel",
    "read_upload",
    "record_progress",
    "today",
]
