"""core, work queue, ledger, org model

Revision ID: 0001
Revises: 
Create Date: 2026-12-04

The first schema: portals and inbound events, the work queue, the ledger, the org model.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('auth_kind', sa.String(length=16), nullable=False),
    sa.Column('client_endpoint', sa.String(length=512), nullable=False),
    sa.Column('server_endpoint', sa.String(length=512), nullable=False),
    sa.Column('webhook_url', sa.String(length=512), nullable=False),
    sa.Column('access_token', sa.String(length=255), nullable=False),
    sa.Column('refresh_token', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('application_token', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.String(length=1024), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('installed_by', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('app_version', sa.Integer(), nullable=False),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal')),
    sa.UniqueConstraint('member_id', name=op.f('uq_portal_member_id'))
    )
    op.create_table('fanout_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline_days', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('position_keys', sa.JSON(), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=True),
    sa.Column('store_ids', sa.JSON(), nullable=False),
    sa.Column('include_late_joiners', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('run_key', sa.String(length=64), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_round', sa.Integer(), nullable=False),
    sa.Column('action_round', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tracked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_fanout_campaign_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fanout_campaign')),
    sa.UniqueConstraint('portal_id', 'run_key', name=op.f('uq_fanout_campaign_portal_id_run_key'))
    )
    with op.batch_alter_table('fanout_campaign', schema=None) as batch_op:
        batch_op.create_index('ix_fanout_campaign_portal_created', ['portal_id', 'created_at'], unique=False)

    op.create_table('fanout_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_fanout_pool_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fanout_pool')),
    sa.UniqueConstraint('portal_id', 'owner_id', 'name', name=op.f('uq_fanout_pool_portal_id_owner_id_name'))
    )
    op.create_table('fanout_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_fanout_template_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fanout_template'))
    )
    op.create_table('inbound_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_inbound_event_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_event')),
    sa.UniqueConstraint('portal_id', 'dedupe_key', name=op.f('uq_inbound_event_portal_id_dedupe_key'))
    )
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_event_pending', ['status', 'received_at'], unique=False)

    op.create_table('ledger_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('routine', sa.String(length=32), nullable=False),
    sa.Column('slot_key', sa.String(length=255), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=True),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('work_item_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_ledger_slot_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_slot')),
    sa.UniqueConstraint('portal_id', 'routine', 'slot_key', name=op.f('uq_ledger_slot_portal_id_routine_slot_key'))
    )
    with op.batch_alter_table('ledger_slot', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_slot_store_date', ['portal_id', 'routine', 'local_date', 'store_id'], unique=False)

    op.create_table('org_department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('b24_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('parent_b24_id', sa.Integer(), nullable=True),
    sa.Column('head_user_id', sa.Integer(), nullable=True),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('is_store', sa.Boolean(), nullable=False),
    sa.Column('store_override', sa.Boolean(), nullable=True),
    sa.Column('country', sa.String(length=255), nullable=False),
    sa.Column('region', sa.String(length=255), nullable=False),
    sa.Column('city', sa.String(length=255), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('time_zone_override', sa.String(length=64), nullable=True),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_org_department_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_department')),
    sa.UniqueConstraint('portal_id', 'b24_id', name=op.f('uq_org_department_portal_id_b24_id'))
    )
    with op.batch_alter_table('org_department', schema=None) as batch_op:
        batch_op.create_index('ix_org_department_portal_path', ['portal_id', 'path'], unique=False)
        batch_op.create_index('ix_org_department_portal_store', ['portal_id', 'is_store'], unique=False)

    op.create_table('org_membership',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('department_b24_id', sa.Integer(), nullable=False),
    sa.Column('user_b24_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_org_membership_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', 'department_b24_id', 'user_b24_id', name=op.f('pk_org_membership'))
    )
    with op.batch_alter_table('org_membership', schema=None) as batch_op:
        batch_op.create_index('ix_org_membership_portal_user', ['portal_id', 'user_b24_id'], unique=False)

    op.create_table('org_settings',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('stores_root_department_id', sa.Integer(), nullable=True),
    sa.Column('min_store_depth', sa.Integer(), nullable=False),
    sa.Column('level_names', sa.JSON(), nullable=False),
    sa.Column('deputy_positions', sa.JSON(), nullable=False),
    sa.Column('administrator_positions', sa.JSON(), nullable=False),
    sa.Column('hr_department_ids', sa.JSON(), nullable=False),
    sa.Column('merch_department_ids', sa.JSON(), nullable=False),
    sa.Column('excluded_department_ids', sa.JSON(), nullable=False),
    sa.Column('sender_policy', sa.JSON(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_attempted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sync_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_org_settings_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_org_settings'))
    )
    op.create_table('org_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('b24_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('last_name', sa.String(length=255), nullable=False),
    sa.Column('second_name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('work_position', sa.String(length=255), nullable=False),
    sa.Column('position_key', sa.String(length=255), nullable=False),
    sa.Column('departments', sa.JSON(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('personal_mobile', sa.String(length=64), nullable=False),
    sa.Column('personal_birthday', sa.String(length=32), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_org_user_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_user')),
    sa.UniqueConstraint('portal_id', 'b24_id', name=op.f('uq_org_user_portal_id_b24_id'))
    )
    with op.batch_alter_table('org_user', schema=None) as batch_op:
        batch_op.create_index('ix_org_user_portal_position', ['portal_id', 'position_key'], unique=False)

    op.create_table('so_settings',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('overdue_policy', sa.String(length=16), nullable=False),
    sa.Column('default_task_title', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_so_settings_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_so_settings'))
    )
    op.create_table('so_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('slot_key', sa.String(length=128), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('vacant_manager', sa.Boolean(), nullable=False),
    sa.Column('superior_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('needs_photo', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('unticked', sa.JSON(), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('missed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_so_task_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_so_task')),
    sa.UniqueConstraint('portal_id', 'slot_key', name=op.f('uq_so_task_portal_id_slot_key'))
    )
    with op.batch_alter_table('so_task', schema=None) as batch_op:
        batch_op.create_index('ix_so_task_open', ['portal_id', 'state', 'local_date'], unique=False)

    op.create_table('so_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('task_title', sa.String(length=255), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_so_template_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_so_template')),
    sa.UniqueConstraint('portal_id', 'name', name=op.f('uq_so_template_portal_id_name'))
    )
    op.create_table('work_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=128), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_work_item_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_item')),
    sa.UniqueConstraint('portal_id', 'key', name=op.f('uq_work_item_portal_id_key'))
    )
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.create_index('ix_work_item_portal_kind_status', ['portal_id', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_work_item_ready', ['status', 'next_attempt_at'], unique=False)

    op.create_table('fanout_copy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('user_name', sa.String(length=255), nullable=False),
    sa.Column('store_name', sa.String(length=255), nullable=False),
    sa.Column('work_position', sa.String(length=255), nullable=False),
    sa.Column('late_joiner', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('b24_status', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_round', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['fanout_campaign.id'], name=op.f('fk_fanout_copy_campaign_id_fanout_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_fanout_copy_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fanout_copy')),
    sa.UniqueConstraint('campaign_id', 'user_id', name=op.f('uq_fanout_copy_campaign_id_user_id'))
    )
    with op.batch_alter_table('fanout_copy', schema=None) as batch_op:
        batch_op.create_index('ix_fanout_copy_campaign_status', ['campaign_id', 'status'], unique=False)

    op.create_table('fanout_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('local_time', sa.String(length=5), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_campaign_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_fanout_schedule_portal_id_portal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['fanout_template.id'], name=op.f('fk_fanout_schedule_template_id_fanout_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fanout_schedule'))
    )
    with op.batch_alter_table('fanout_schedule', schema=None) as batch_op:
        batch_op.create_index('ix_fanout_schedule_due', ['active', 'next_run_at'], unique=False)

    op.create_table('so_schedule',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('every_n_days', sa.Integer(), nullable=False),
    sa.Column('anchor_date', sa.Date(), nullable=True),
    sa.Column('closed_dates', sa.JSON(), nullable=False),
    sa.Column('create_at', sa.String(length=5), nullable=False),
    sa.Column('deadline', sa.String(length=5), nullable=False),
    sa.Column('accomplice_positions', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_so_schedule_portal_id_portal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['so_template.id'], name=op.f('fk_so_schedule_template_id_so_template'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('portal_id', 'store_id', name=op.f('pk_so_schedule'))
    )


def downgrade() -> None:
    op.drop_table('so_schedule')
    with op.batch_alter_table('fanout_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_fanout_schedule_due')

    op.drop_table('fanout_schedule')
    with op.batch_alter_table('fanout_copy', schema=None) as batch_op:
        batch_op.drop_index('ix_fanout_copy_campaign_status')

    op.drop_table('fanout_copy')
    with op.batch_alter_table('work_item', schema=None) as batch_op:
        batch_op.drop_index('ix_work_item_ready')
        batch_op.drop_index('ix_work_item_portal_kind_status')

    op.drop_table('work_item')
    op.drop_table('so_template')
    with op.batch_alter_table('so_task', schema=None) as batch_op:
        batch_op.drop_index('ix_so_task_open')

    op.drop_table('so_task')
    op.drop_table('so_settings')
    with op.batch_alter_table('org_user', schema=None) as batch_op:
        batch_op.drop_index('ix_org_user_portal_position')

    op.drop_table('org_user')
    op.drop_table('org_settings')
    with op.batch_alter_table('org_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_org_membership_portal_user')

    op.drop_table('org_membership')
    with op.batch_alter_table('org_department', schema=None) as batch_op:
        batch_op.drop_index('ix_org_department_portal_store')
        batch_op.drop_index('ix_org_department_portal_path')

    op.drop_table('org_department')
    with op.batch_alter_table('ledger_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_slot_store_date')

    op.drop_table('ledger_slot')
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_event_pending')

    op.drop_table('inbound_event')
    op.drop_table('fanout_template')
    op.drop_table('fanout_pool')
    with op.batch_alter_table('fanout_campaign', schema=None) as batch_op:
        batch_op.drop_index('ix_fanout_campaign_portal_created')

    op.drop_table('fanout_campaign')
    op.drop_table('portal')
