"""staff cards: cards, audit log, actualization schedule and tasks, form nonces

Revision ID: staff_cards_0001
Revises: 0001
Create Date: 2026-12-04

Tables of b24app/staff_cards/models.py (routine 2, HR staff cards).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'staff_cards_0001'
down_revision = '0001'
branch_labels = ('staff_cards',)
depends_on = None


def upgrade() -> None:
    op.create_table('staff_actualization_schedule',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('day_of_month', sa.Integer(), nullable=False),
    sa.Column('deadline_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_staff_actualization_schedule_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_staff_actualization_schedule'))
    )
    op.create_table('staff_actualization_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_staff_actualization_task_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_actualization_task')),
    sa.UniqueConstraint('portal_id', 'store_id', 'period', name=op.f('uq_staff_actualization_task_portal_id_store_id_period'))
    )
    op.create_index('ix_staff_actualization_task_portal_task', 'staff_actualization_task', ['portal_id', 'task_id'], unique=False)
    op.create_table('staff_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('email_key', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('result_user_id', sa.Integer(), nullable=True),
    sa.Column('loop_state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_staff_card_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_card'))
    )
    op.create_index('ix_staff_card_portal_email', 'staff_card', ['portal_id', 'email_key'], unique=False)
    op.create_index('ix_staff_card_portal_status', 'staff_card', ['portal_id', 'status'], unique=False)
    op.create_index('ix_staff_card_portal_store_status', 'staff_card', ['portal_id', 'store_id', 'status'], unique=False)
    op.create_table('staff_card_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_staff_card_audit_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_card_audit'))
    )
    op.create_index('ix_staff_card_audit_portal_at', 'staff_card_audit', ['portal_id', 'at'], unique=False)
    op.create_table('staff_form_nonce',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_staff_form_nonce_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', 'nonce', name=op.f('pk_staff_form_nonce'))
    )


def downgrade() -> None:
    op.drop_table('staff_form_nonce')
    op.drop_index('ix_staff_card_audit_portal_at', table_name='staff_card_audit')
    op.drop_table('staff_card_audit')
    op.drop_index('ix_staff_card_portal_store_status', table_name='staff_card')
    op.drop_index('ix_staff_card_portal_status', table_name='staff_card')
    op.drop_index('ix_staff_card_portal_email', table_name='staff_card')
    op.drop_table('staff_card')
    op.drop_index('ix_staff_actualization_task_portal_task', table_name='staff_actualization_task')
    op.drop_table('staff_actualization_task')
    op.drop_table('staff_actualization_schedule')
