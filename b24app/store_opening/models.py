"""Tables of the store-opening routine: checklist templates, store schedules, opening tasks.

Every table is keyed by portal. Stores are identified by their Bitrix24 department ID.
Alembic revision ``store_opening_0001`` creates them.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UtcDateTime

ROUTINE = "store_opening"

# OpeningTask.state
OPEN = "open"
AWAITING_APPROVAL = "awaiting_approval"   # completed under task control: status 4
DONE = "done"                             # status 5
CLOSED_MISSED = "closed_missed"           # closed by the "close as missed" policy
GONE = "gone"                             # deleted or no longer readable in Bitrix24
STATES = (OPEN, AWAITING_APPROVAL, DONE, CLOSED_MISSED, GONE)

# OpeningSettings.overdue_policy
STAY_OPEN = "stay_open"
CLOSE_MISSED = "close_missed"
POLICIES = (STAY_OPEN, CLOSE_MISSED)


class ChecklistTemplate(Base):
    """A named checklist; tasks copy its items when they are created (a snapshot)."""
    __tablename__ = "so_template"
    __table_args__ = (UniqueConstraint("portal_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    task_title: Mapped[str] = mapped_column(String(255), default="")
    # [{"title": str, "important": bool, "photo": bool}, ...] in display order
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StoreSchedule(Base):
    """When and how one store gets its opening task; times are the store's local clock."""
    __tablename__ = "so_schedule"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    store_id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("so_template.id", ondelete="SET NULL"), nullable=True)
    frequency: Mapped[str] = mapped_column(String(16), default="daily")  # daily | weekdays | every_n
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)      # 0 = Monday
    every_n_days: Mapped[int] = mapped_column(default=1)
    anchor_date: Mapped[date | None] = mapped_column(Date(), nullable=True)
    closed_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO local dates
    create_at: Mapped[str] = mapped_column(String(5), default="08:00")
    deadline: Mapped[str] = mapped_column(String(5), default="10:00")
    # WORK_POSITION names of co-executors; empty = the org settings' deputies and administrators
    accomplice_positions: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class OpeningTask(Base):
    """One opening task sent to Bitrix24 (store × local date) and what the app knows of it."""
    __tablename__ = "so_task"
    __table_args__ = (
        UniqueConstraint("portal_id", "slot_key"),
        Index("ix_so_task_open", "portal_id", "state", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    slot_key: Mapped[str] = mapped_column(String(128))
    store_id: Mapped[int]
    local_date: Mapped[date] = mapped_column(Date())
    task_id: Mapped[int]
    responsible_id: Mapped[int]
    vacant_manager: Mapped[bool] = mapped_column(default=False)
    superior_id: Mapped[int | None] = mapped_column(nullable=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # the template's items as they were when the task was created
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    needs_photo: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(24), default=OPEN)
    unticked: Mapped[list[str]] = mapped_column(JSON, default=list)      # last seen, by title
    last_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    missed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class OpeningSettings(Base):
    """Per-portal policy of the routine."""
    __tablename__ = "so_settings"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    overdue_policy: Mapped[str] = mapped_column(String(16), default=STAY_OPEN)
    default_task_title: Mapped[str] = mapped_column(Text, default="")
