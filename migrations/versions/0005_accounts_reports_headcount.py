"""Session tokens and account deletion for users, department headcounts, published reports.

Every existing user gets their own random session token, so cookies issued before this
migration stop working once the application checks tokens: people sign in again once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(
            user.update().where(user.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64),
                              nullable=False)

    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headcount', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('headcount_positive', 'headcount > 0')

    op.create_table(
        'published_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('period_end >= period_start',
                           name=op.f('ck_published_report_period_order')),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id'],
                                name=op.f('fk_published_report_published_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_report')),
    )
    with op.batch_alter_table('published_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_report_published_at'), ['published_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_published_report_published_by_id'),
                              ['published_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('published_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_report_published_by_id'))
        batch_op.drop_index(batch_op.f('ix_published_report_published_at'))
    op.drop_table('published_report')

    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_constraint('headcount_positive', type_='check')
        batch_op.drop_column('headcount')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('session_token')
