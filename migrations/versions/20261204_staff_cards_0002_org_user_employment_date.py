"""staff cards: org_user.employment_date (UF_EMPLOYMENT_DATE, the portal's hire date)

Revision ID: staff_cards_0002
Revises: staff_cards_0001
Create Date: 2026-12-04

The staff page and the Excel exports show each person's employment date, which Bitrix24
keeps in the standard user field UF_EMPLOYMENT_DATE; the org model mirrors it like
PERSONAL_BIRTHDAY (ISO date text, "" when unset). Existing rows start empty and fill on
the next org sync.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'staff_cards_0002'
down_revision = 'staff_cards_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('org_user', sa.Column('employment_date', sa.String(length=32), nullable=False,
                                        server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('org_user') as batch:
        batch.drop_column('employment_date')
