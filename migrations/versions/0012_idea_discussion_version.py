"""A counter on each idea that changes whenever its rendered comment list would.

The idea page keeps rendered pages of comments per worker, keyed on this counter
(ideas/board/comment_pages.py); every writer that changes what the list shows adds one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite allows it with a constant default): no table rebuild.
    op.add_column(
        'idea', sa.Column('discussion_version', sa.Integer(), server_default='0', nullable=False)
    )


def downgrade():
    with op.batch_alter_table('idea') as batch:
        batch.drop_column('discussion_version')
