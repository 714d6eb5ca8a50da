"""Dashboard roll-up: activity per day and scope, dirty days, watermark, department members.

The tables are a cache of the vote, comment and idea tables (see docs/dashboard.md): they
start empty, the dashboard stays exact without them, and `flask dashboard refresh` fills them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dashboard_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('scope', sa.String(length=1), nullable=False),
        sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('votes', sa.Integer(), nullable=False),
        sa.Column('comments', sa.Integer(), nullable=False),
        sa.Column('participants', sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("scope IN ('a', 'd', 't', 'g')",
                           name=op.f('ck_dashboard_day_scope_known')),
        sa.PrimaryKeyConstraint('day', 'scope', 'scope_id', name=op.f('pk_dashboard_day')),
    )
    op.create_table(
        'dashboard_dirty_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_dashboard_dirty_day')),
    )
    op.create_table(
        'dashboard_rollup_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rolled_until', sa.DateTime(), nullable=True),
        sa.Column('refreshed_at', sa.DateTime(), nullable=True),
        sa.Column('members_max_user_id', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_rollup_state')),
    )
    op.create_table(
        'dashboard_department_members',
        sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('members', sa.LargeBinary(), nullable=False),
        sa.Column('built_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('department_id', name=op.f('pk_dashboard_department_members')),
    )
    op.create_table(
        'dashboard_moved_account',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('moved_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_dashboard_moved_account')),
    )


def downgrade():
    op.drop_table('dashboard_moved_account')
    op.drop_table('dashboard_department_members')
    op.drop_table('dashboard_rollup_state')
    op.drop_table('dashboard_dirty_day')
    op.drop_table('dashboard_day')
