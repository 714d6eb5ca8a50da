"""An index for a group's members in their listed order: admins, then by join date.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_membership_group_id_is_group_admin_joined_at', 'membership',
        ['group_id', 'is_group_admin', 'joined_at', 'user_id'], unique=False,
    )


def downgrade():
    op.drop_index('ix_membership_group_id_is_group_admin_joined_at', table_name='membership')
