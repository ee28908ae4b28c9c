"""edge: portal setup state, the app's own recent writes, HR divisions

Revision ID: edge_0001
Revises: 0001
Create Date: 2026-12-04

Tables of b24app/install_models.py (install, events inbox, roles).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'edge_0001'
down_revision = '0001'
branch_labels = ('edge',)
depends_on = None


def upgrade() -> None:
    op.create_table('portal_setup',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('needs_binding', sa.Boolean(), nullable=False),
    sa.Column('bound_version', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('offline_process_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_portal_setup_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_portal_setup'))
    )
    op.create_table('own_write',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_own_write_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_own_write')),
    sa.UniqueConstraint('portal_id', 'entity', 'entity_id', name=op.f('uq_own_write_portal_id_entity_entity_id'))
    )
    op.create_index('ix_own_write_until', 'own_write', ['until'], unique=False)
    op.create_table('hr_division',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('root_department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_hr_division_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_division')),
    sa.UniqueConstraint('portal_id', 'user_id', name=op.f('uq_hr_division_portal_id_user_id'))
    )


def downgrade() -> None:
    op.drop_table('hr_division')
    op.drop_index('ix_own_write_until', table_name='own_write')
    op.drop_table('own_write')
    op.drop_table('portal_setup')
