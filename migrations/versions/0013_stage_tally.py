"""How many ideas stand in each stage, hidden or not, kept by triggers on the idea table.

The triage queue showed its count of new ideas by counting every proposed idea on each
view (77,000 at 100,000 ideas: 4.5 ms on SQLite, a third of the page). `stage_tally`
holds that count per (stage, hidden); triggers add one where an idea arrives and take one
away where it leaves, whatever wrote the row (the ORM, bulk UPDATEs of moderation and
merges, the benchmark generator's COPY), in the writer's own transaction. A vote does not
fire them: they watch the stage and hidden columns only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

STAGES = ('proposed', 'under_review', 'assessed', 'piloted', 'implemented', 'declined',
          'on_hold', 'merged')

# Count an idea into (stage, hidden) of the row NEW, or out of it for OLD.
_ADD = """INSERT INTO stage_tally (stage, hidden, ideas) VALUES (NEW.stage, NEW.hidden, 1)
    ON CONFLICT (stage, hidden) DO UPDATE SET ideas = stage_tally.ideas + 1"""
_REMOVE = """UPDATE stage_tally SET ideas = ideas - 1
    WHERE stage = OLD.stage AND hidden = OLD.hidden"""
_MOVED = "OLD.stage IS DISTINCT FROM NEW.stage OR OLD.hidden IS DISTINCT FROM NEW.hidden"

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER tr_idea_tally_insert AFTER INSERT ON idea BEGIN {_ADD}; END",
    f"CREATE TRIGGER tr_idea_tally_delete AFTER DELETE ON idea BEGIN {_REMOVE}; END",
    # SQLite spells IS DISTINCT FROM as IS NOT.
    "CREATE TRIGGER tr_idea_tally_update AFTER UPDATE OF stage, hidden ON idea"
    f" WHEN {_MOVED.replace('IS DISTINCT FROM', 'IS NOT')}"
    f" BEGIN {_REMOVE}; {_ADD}; END",
)
POSTGRESQL_TRIGGERS = (
    f"""CREATE FUNCTION idea_stage_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_REMOVE};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_ADD};
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER tr_idea_tally_insert_delete AFTER INSERT OR DELETE ON idea"
    " FOR EACH ROW EXECUTE FUNCTION idea_stage_tally()",
    "CREATE TRIGGER tr_idea_tally_update AFTER UPDATE OF stage, hidden ON idea"
    f" FOR EACH ROW WHEN ({_MOVED}) EXECUTE FUNCTION idea_stage_tally()",
)


def upgrade():
    op.create_table(
        'stage_tally',
        sa.Column('stage', sa.Enum(*STAGES, name='stage', native_enum=False,
                                   create_constraint=True, length=20), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('ideas', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('stage', 'hidden', name=op.f('pk_stage_tally')),
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    # The ideas already there; in the same transaction as the triggers (SQLite takes the
    # write lock, PostgreSQL's DDL locks the idea table), so no idea is counted twice.
    op.execute(
        'INSERT INTO stage_tally (stage, hidden, ideas)'
        ' SELECT stage, hidden, count(*) FROM idea GROUP BY stage, hidden'
    )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER tr_idea_tally_update ON idea')
        op.execute('DROP TRIGGER tr_idea_tally_insert_delete ON idea')
        op.execute('DROP FUNCTION idea_stage_tally()')
    else:
        for name in ('update', 'delete', 'insert'):
            op.execute(f'DROP TRIGGER tr_idea_tally_{name}')
    op.drop_table('stage_tally')
