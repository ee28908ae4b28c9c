"""merch_photos: settings, pools, tree nodes, weekly store tasks, photo cache

Revision ID: merch_0001
Revises: 0001
Create Date: 2026-12-04

Tables of b24app/merch_photos/models.py.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa



revision = 'merch_0001'
down_revision = '0001'
branch_labels = ('merch_photos',)
depends_on = None


def upgrade() -> None:
    op.create_table('merch_settings',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('project_name', sa.String(length=255), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('photo_folder_id', sa.Integer(), nullable=True),
    sa.Column('send_weekday', sa.Integer(), nullable=False),
    sa.Column('send_time', sa.String(length=5), nullable=False),
    sa.Column('deadline_weekday', sa.Integer(), nullable=False),
    sa.Column('deadline_time', sa.String(length=5), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_settings_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_merch_settings')))
    op.create_table('merch_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('merchandiser_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('city_ids', sa.JSON(), nullable=False),
    sa.Column('store_ids', sa.JSON(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_pool_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_pool')))
    op.create_index('ix_merch_pool_portal_merchandiser', 'merch_pool', ['portal_id', 'merchandiser_id'], unique=False)
    op.create_table('merch_tree_node',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['merch_pool.id'], name=op.f('fk_merch_tree_node_pool_id_merch_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_tree_node_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_tree_node')),
    sa.UniqueConstraint('portal_id', 'pool_id', 'city_id', 'level', 'period', name=op.f('uq_merch_tree_node_portal_id_pool_id_city_id_level_period')))
    op.create_table('merch_week_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('iso_week', sa.String(length=8), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('photo_count', sa.Integer(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['merch_pool.id'], name=op.f('fk_merch_week_task_pool_id_merch_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_week_task_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_week_task')),
    sa.UniqueConstraint('portal_id', 'store_id', 'iso_week', name=op.f('uq_merch_week_task_portal_id_store_id_iso_week')))
    op.create_index('ix_merch_week_task_pool_week', 'merch_week_task', ['portal_id', 'pool_id', 'iso_week'], unique=False)
    op.create_table('merch_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('week_task_id', sa.Integer(), nullable=False),
    sa.Column('subtask_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=True),
    sa.Column('thumb_error', sa.String(length=255), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_photo_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_photo')),
    sa.UniqueConstraint('portal_id', 'attachment_id', name=op.f('uq_merch_photo_portal_id_attachment_id')))
    op.create_index('ix_merch_photo_week_task', 'merch_photo', ['portal_id', 'week_task_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_merch_photo_week_task', table_name='merch_photo')
    op.drop_table('merch_photo')
    op.drop_index('ix_merch_week_task_pool_week', table_name='merch_week_task')
    op.drop_table('merch_week_task')
    op.drop_table('merch_tree_node')
    op.drop_index('ix_merch_pool_portal_merchandiser', table_name='merch_pool')
    op.drop_table('merch_pool')
    op.drop_table('merch_settings')
