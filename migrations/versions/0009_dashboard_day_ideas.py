"""Ideas posted per day in the dashboard roll-up, so the key figures never scan the ideas.

The existing rows have no idea counts, so they are dropped and the watermark cleared: the
dashboard counts live (exact, slower) until the next `flask dashboard refresh`, which
rolls every day up again.

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


def downgrade():
    with op.batch_alter_table('dashboard_day') as batch_op:
        batch_op.drop_column('ideas')
