"""Indexes for the dashboard's aggregate queries: activity by date, stage changes, stuck ideas.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_vote_created_at_idea_id_user_id', 'vote',
                    ['created_at', 'idea_id', 'user_id'], unique=False)
    op.create_index('ix_comment_created_at_idea_id_author_id', 'comment',
                    ['created_at', 'idea_id', 'author_id', 'hidden'], unique=False)
    op.create_index('ix_stage_change_to_stage_created_at_idea_id', 'stage_change',
                    ['to_stage', 'created_at', 'idea_id'], unique=False)
    op.create_index('ix_idea_stage_stage_changed_at', 'idea',
                    ['stage', 'stage_changed_at'], unique=False)


def downgrade():
    op.drop_index('ix_idea_stage_stage_changed_at', table_name='idea')
    op.drop_index('ix_stage_change_to_stage_created_at_idea_id', table_name='stage_change')
    op.drop_index('ix_comment_created_at_idea_id_author_id', table_name='comment')
    op.drop_index('ix_vote_created_at_idea_id_user_id', table_name='vote')
