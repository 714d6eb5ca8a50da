"""Covering indexes for the dashboard's idea-table sections and the group page.

The funnel's cohort, stuck ideas and response accountability read their columns from the
index alone; a group's page seeks its top ideas. Replaces the stuck-ideas
index of 0006 with a covering one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_SCOPE = ['hidden', 'department_id', 'theme_id', 'group_id']


def upgrade():
    op.drop_index('ix_idea_stage_stage_changed_at', table_name='idea')
    op.create_index('ix_idea_stage_changed_scope', 'idea',
                    ['stage', 'stage_changed_at', *_SCOPE], unique=False)
    op.create_index('ix_idea_created_at_scope', 'idea',
                    ['created_at', 'hidden', 'stage', 'department_id', 'theme_id', 'group_id'],
                    unique=False)
    op.create_index('ix_stage_change_idea_id_to_stage_created_at', 'stage_change',
                    ['idea_id', 'to_stage', 'created_at'], unique=False)
    where = sa.text('threshold_reached_at IS NOT NULL')
    op.create_index('ix_idea_responses', 'idea',
                    ['threshold_reached_at', 'responded_at', 'hidden', 'stage',
                     'department_id', 'theme_id', 'group_id'],
                    unique=False, postgresql_where=where, sqlite_where=where)
    op.create_index('ix_idea_group_id_wilson_id', 'idea', ['group_id', 'wilson', 'id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_idea_group_id_wilson_id', table_name='idea')
    op.drop_index('ix_idea_responses', table_name='idea')
    op.drop_index('ix_stage_change_idea_id_to_stage_created_at', table_name='stage_change')
    op.drop_index('ix_idea_created_at_scope', table_name='idea')
    op.drop_index('ix_idea_stage_changed_scope', table_name='idea')
    op.create_index('ix_idea_stage_stage_changed_at', 'idea', ['stage', 'stage_changed_at'],
                    unique=False)
