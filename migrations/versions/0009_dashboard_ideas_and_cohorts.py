"""Ideas posted per day and the funnel's cohorts in the dashboard roll-up.

`dashboard_day.ideas` lets the key figures and weeks count ideas without reading the idea
table; `dashboard_cohort_day` keeps, per day of posting and scope, where those ideas stand
(stage counts, stages reached, completed stays), with its own dirty marks. The existing
rows have no idea counts, so they are dropped and the watermark cleared: the dashboard
counts live (exact, slower) until the next `flask dashboard refresh`, which rolls every
day up again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.execute('DELETE FROM dashboard_day')
    op.execute('DELETE FROM dashboard_dirty_day')
    op.execute('UPDATE dashboard_rollup_state SET rolled_until = NULL')
    with op.batch_alter_table('dashboard_day') as batch_op:
        batch_op.add_column(sa.Column('ideas', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'dashboard_cohort_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('scope', sa.String(length=1), nullable=False),
        sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('funnel', sa.JSON(), nullable=False),
        sa.CheckConstraint("scope IN ('a', 'd', 't', 'g')",
                           name=op.f('ck_dashboard_cohort_day_scope_known')),
        sa.PrimaryKeyConstraint('day', 'scope', 'scope_id',
                                name=op.f('pk_dashboard_cohort_day')),
    )
    op.create_table(
        'dashboard_cohort_dirty_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_dashboard_cohort_dirty_day')),
    )


def downgrade():
    op.drop_table('dashboard_cohort_dirty_day')
    op.drop_table('dashboard_cohort_day')
    with op.batch_alter_table('dashboard_day') as batch_op:
        batch_op.drop_column('ideas')
