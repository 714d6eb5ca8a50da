"""Store each group's description rendered and sanitised, as ideas and comments are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa

# The one Markdown pipeline of the app: the stored HTML must be what the app would write.
from ideas.markup import render_markdown

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_html', sa.Text(), server_default='', nullable=False))

    group = sa.table('group', sa.column('id', sa.Integer), sa.column('description', sa.Text),
                     sa.column('description_html', sa.Text))
    connection = op.get_bind()
    for row in connection.execute(sa.select(group.c.id, group.c.description)).all():
        connection.execute(
            group.update()
            .where(group.c.id == row.id)
            .values(description_html=str(render_markdown(row.description)))
        )


def downgrade():
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.drop_column('description_html')
