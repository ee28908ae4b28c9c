"""Initial schema: portals, events, work queue, ledger, org model and the four routines.

Revision ID: 0001
Revises:
Create Date: 2026-12-04

The first release ships one baseline; later changes are revisions on top of it.
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
    op.create_table('hr_division',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('root_department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_hr_division_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_division')),
    sa.UniqueConstraint('portal_id', 'user_id', name=op.f('uq_hr_division_portal_id_user_id'))
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

    op.create_table('merch_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('week_task_id', sa.Integer(), nullable=False),
    sa.Column('subtask_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=True),
    sa.Column('thumb_error', sa.String(length=255), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_photo_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_photo')),
    sa.UniqueConstraint('portal_id', 'attachment_id', name=op.f('uq_merch_photo_portal_id_attachment_id'))
    )
    with op.batch_alter_table('merch_photo', schema=None) as batch_op:
        batch_op.create_index('ix_merch_photo_week_task', ['portal_id', 'week_task_id'], unique=False)

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
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_pool'))
    )
    with op.batch_alter_table('merch_pool', schema=None) as batch_op:
        batch_op.create_index('ix_merch_pool_portal_merchandiser', ['portal_id', 'merchandiser_id'], unique=False)

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
    sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_merch_settings'))
    )
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
    sa.Column('employment_date', sa.String(length=32), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_org_user_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_user')),
    sa.UniqueConstraint('portal_id', 'b24_id', name=op.f('uq_org_user_portal_id_b24_id'))
    )
    with op.batch_alter_table('org_user', schema=None) as batch_op:
        batch_op.create_index('ix_org_user_portal_position', ['portal_id', 'position_key'], unique=False)

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
    with op.batch_alter_table('own_write', schema=None) as batch_op:
        batch_op.create_index('ix_own_write_until', ['until'], unique=False)

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
    with op.batch_alter_table('staff_actualization_task', schema=None) as batch_op:
        batch_op.create_index('ix_staff_actualization_task_portal_task', ['portal_id', 'task_id'], unique=False)

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
    with op.batch_alter_table('staff_card', schema=None) as batch_op:
        batch_op.create_index('ix_staff_card_portal_email', ['portal_id', 'email_key'], unique=False)
        batch_op.create_index('ix_staff_card_portal_status', ['portal_id', 'status'], unique=False)
        batch_op.create_index('ix_staff_card_portal_store_status', ['portal_id', 'store_id', 'status'], unique=False)

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
    with op.batch_alter_table('staff_card_audit', schema=None) as batch_op:
        batch_op.create_index('ix_staff_card_audit_portal_at', ['portal_id', 'at'], unique=False)

    op.create_table('staff_form_nonce',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_staff_form_nonce_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id', 'nonce', name=op.f('pk_staff_form_nonce'))
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
    sa.UniqueConstraint('portal_id', 'pool_id', 'city_id', 'level', 'period', name=op.f('uq_merch_tree_node_portal_id_pool_id_city_id_level_period'))
    )
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
    sa.Column('comments_seen', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['merch_pool.id'], name=op.f('fk_merch_week_task_pool_id_merch_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_merch_week_task_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merch_week_task')),
    sa.UniqueConstraint('portal_id', 'store_id', 'iso_week', name=op.f('uq_merch_week_task_portal_id_store_id_iso_week'))
    )
    with op.batch_alter_table('merch_week_task', schema=None) as batch_op:
        batch_op.create_index('ix_merch_week_task_pool_week', ['portal_id', 'pool_id', 'iso_week'], unique=False)

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
    with op.batch_alter_table('merch_week_task', schema=None) as batch_op:
        batch_op.drop_index('ix_merch_week_task_pool_week')

    op.drop_table('merch_week_task')
    op.drop_table('merch_tree_node')
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
    op.drop_table('staff_form_nonce')
    with op.batch_alter_table('staff_card_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_card_audit_portal_at')

    op.drop_table('staff_card_audit')
    with op.batch_alter_table('staff_card', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_card_portal_store_status')
        batch_op.drop_index('ix_staff_card_portal_status')
        batch_op.drop_index('ix_staff_card_portal_email')

    op.drop_table('staff_card')
    with op.batch_alter_table('staff_actualization_task', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_actualization_task_portal_task')

    op.drop_table('staff_actualization_task')
    op.drop_table('staff_actualization_schedule')
    op.drop_table('so_template')
    with op.batch_alter_table('so_task', schema=None) as batch_op:
        batch_op.drop_index('ix_so_task_open')

    op.drop_table('so_task')
    op.drop_table('so_settings')
    op.drop_table('portal_setup')
    with op.batch_alter_table('own_write', schema=None) as batch_op:
        batch_op.drop_index('ix_own_write_until')

    op.drop_table('own_write')
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
    op.drop_table('merch_settings')
    with op.batch_alter_table('merch_pool', schema=None) as batch_op:
        batch_op.drop_index('ix_merch_pool_portal_merchandiser')

    op.drop_table('merch_pool')
    with op.batch_alter_table('merch_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_merch_photo_week_task')

    op.drop_table('merch_photo')
    with op.batch_alter_table('ledger_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_slot_store_date')

    op.drop_table('ledger_slot')
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_event_pending')

    op.drop_table('inbound_event')
    op.drop_table('hr_division')
    op.drop_table('fanout_template')
    op.drop_table('fanout_pool')
    with op.batch_alter_table('fanout_campaign', schema=None) as batch_op:
        batch_op.drop_index('ix_fanout_campaign_portal_created')

    op.drop_table('fanout_campaign')
    op.drop_table('portal')
