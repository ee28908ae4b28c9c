"""merch_photos: photos posted in task comments

Revision ID: merch_0002
Revises: merch_0001
Create Date: 2026-12-05

A manager without edit rights on the week task attaches photos as a comment (the portal UI
does so for a task's responsible). ``merch_week_task.comments_seen`` is the comment count
when the comments were last read (they are re-read only when it changes);
``merch_photo.comment_id`` marks a photo that came with a comment.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'merch_0002'
down_revision = 'merch_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('merch_week_task') as batch:
        batch.add_column(sa.Column('comments_seen', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('merch_photo') as batch:
        batch.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('merch_photo') as batch:
        batch.drop_column('comment_id')
    with op.batch_alter_table('merch_week_task') as batch:
        batch.drop_column('comments_seen')
