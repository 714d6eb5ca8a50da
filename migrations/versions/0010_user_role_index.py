"""An index on the account role: the triage page's reviewer list reads the few staff.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_user_role'), 'user', ['role'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_user_role'), table_name='user')
