"""Migrations: upgrade from empty, downgrade to empty and back, and no drift from the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, Integer, MetaData, inspect, select, text

from ideas import create_app
from ideas.board.models import Theme
from ideas.extensions import db
from tests.conftest import make_config, scratch_database

EXPECTED_TABLES = {
    "alembic_version", "assessment", "audit_entry", "comment", "dashboard_cohort_day",
    "dashboard_cohort_dirty_day", "dashboard_day",
    "dashboard_department_members", "dashboard_dirty_day", "dashboard_moved_account",
    "dashboard_rollup_state",
    "department",
    "expert_assignment", "flag", "follow", "group", "idea", "membership", "milestone",
    "notification", "official_response", "pilot", "published_report", "stage_change",
    "stage_tally", "theme", "user", "vote",
}  # fmt: skip


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database of the backend under test."""
    with scratch_database(tmp_path, "ideas_migrate") as url:
        yield url


@pytest.fixture
def fresh_app(empty_database_url, tmp_path, monkeypatch):
    """An app bound to the empty database."""
    monkeypatch.setenv("IDEAS_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(make_config(empty_database_url))
    yield application
    with application.app_context():
        db.engine.dispose()


def _diff(application, metadata=None):
    with application.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata if metadata is not None else db.metadata)


def test_upgrade_from_empty_builds_every_table_and_matches_the_models(fresh_app):
    with fresh_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert tables == EXPECTED_TABLES
    assert _diff(fresh_app) == []


def test_upgrade_seeds_the_five_blueprint_themes(fresh_app):
    with fresh_app.app_context():
        upgrade()
        names = db.session.scalars(select(Theme.name_en).order_by(Theme.position)).all()
    assert names == [
        "Innovation",
        "Process and Empowerment",
        "Fundamentals",
        "People Management",
        "Modern Technology",
    ]


def test_downgrade_to_empty_and_upgrade_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == EXPECTED_TABLES


def test_drift_is_detected_when_the_models_change(fresh_app):
    """The drift check itself works: a column the migrations lack shows up as a difference."""
    with fresh_app.app_context():
        upgrade()
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["theme"].append_column(Column("drift_probe", Integer))
    diff = _diff(fresh_app, changed)
    assert any(op[0] == "add_column" and op[3].name == "drift_probe" for op in diff)


def test_no_migration_runs_at_app_start(fresh_app):
    """Creating the app never touches the schema: migrations are an explicit step."""
    with fresh_app.app_context():
        assert inspect(db.engine).get_table_names() == []


def test_the_stage_tally_migration_counts_the_ideas_already_there(fresh_app):
    """Revision 0013 fills the tally from the existing ideas; its triggers take over after."""
    insert = text(
        "INSERT INTO idea (title, body, body_html, theme_id, stage, hidden, stage_changed_at,"
        " created_at, updated_at, up_count, down_count, comment_count, follower_count, wilson,"
        " hot, controversy) VALUES ('A title', 'b', 'b', :theme, :stage, :hidden,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, 0, 0, 0, 0, 0, 0)"
    )
    rows = [("proposed", False), ("proposed", False), ("proposed", True), ("declined", False)]
    with fresh_app.app_context():
        upgrade(revision="0012")
        theme = db.session.scalar(text("SELECT id FROM theme LIMIT 1"))
        for stage, hidden in rows:
            db.session.execute(insert, {"theme": theme, "stage": stage, "hidden": hidden})
        db.session.commit()
        upgrade(revision="0013")
        db.session.execute(insert, {"theme": theme, "stage": "declined", "hidden": False})
        counts = db.session.execute(text("SELECT stage, hidden, ideas FROM stage_tally")).all()
        db.session.rollback()
    assert {(stage, bool(hidden)): ideas for stage, hidden, ideas in counts} == {
        ("proposed", False): 2,
        ("proposed", True): 1,
        ("declined", False): 2,
    }
