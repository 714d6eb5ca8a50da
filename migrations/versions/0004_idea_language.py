"""Record the language each idea is written in.

Existing ideas take their author's language (the default for new ones), or English where
the author is gone or has a language we do not offer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Frozen here rather than read from the config: a migration must mean the same thing forever.
LANGUAGES = ('en', 'fr', 'zh_Hant_TW')


def upgrade():
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en',
                                      nullable=False))

    idea = sa.table('idea', sa.column('author_id', sa.Integer), sa.column('language', sa.String))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('locale', sa.String))
    author_locale = (
        sa.select(user.c.locale)
        .where(user.c.id == idea.c.author_id, user.c.locale.in_(LANGUAGES))
        .scalar_subquery()
    )
    # One UPDATE for every row; ideas whose author has no offered language keep 'en'.
    op.execute(
        idea.update()
        .where(sa.exists().where(user.c.id == idea.c.author_id, user.c.locale.in_(LANGUAGES)))
        .values(language=author_locale)
    )


def downgrade():
    with op.batch_alter_table('idea', schema=None) as batch_op:
        batch_op.drop_column('language')
