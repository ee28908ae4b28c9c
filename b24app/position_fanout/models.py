"""Fan-out tables: campaigns, their per-recipient copies, saved pools, templates, schedules.

A campaign is one task written once and copied to every holder of the chosen positions in a
pool of stores. Each copy is a ``FanoutCopy`` row, unique per (campaign, user): that row and
the work item keyed ``position_fanout:<campaign>:<user>`` make a copy happen exactly once.
Alembic revision ``position_fanout_0001`` creates these tables.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UtcDateTime

# Campaign status: draft → sending → sent → (recalled). ``sending`` covers the queue draining.
DRAFT = "draft"
SENDING = "sending"
SENT = "sent"
RECALLED = "recalled"

# Copy status: what the app did; ``state`` (below) is what Bitrix24 says about the task.
COPY_PENDING = "pending"
COPY_CREATED = "created"
COPY_SKIPPED = "skipped"        # dismissed (or position changed) before the copy went out
COPY_FAILED = "failed"          # the work item was parked with a permanent error

# Copy state as last read from Bitrix24.
STATE_OPEN = "open"
STATE_DONE = "done"
STATE_OVERDUE = "overdue"
STATE_GONE = "gone"             # deleted in Bitrix24 (or by a recall)
STATE_CLOSED = "closed"         # completed by a recall, not by the recipient


class FanoutCampaign(Base):
    """One fan-out: the task text, the targets, the sender, and the sending state."""
    __tablename__ = "fanout_campaign"
    __table_args__ = (
        Index("ix_fanout_campaign_portal_created", "portal_id", "created_at"),
        # A schedule run creates at most one campaign, even if the job runs twice.
        UniqueConstraint("portal_id", "run_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    sender_id: Mapped[int]                                         # Bitrix24 user ID
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    deadline_days: Mapped[int | None] = mapped_column(nullable=True)  # N days after sending
    priority: Mapped[int] = mapped_column(default=1)               # 0 low, 1 medium, 2 high
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{name, disk_id}]
    position_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)   # as chosen in the tree
    pool_id: Mapped[int | None] = mapped_column(nullable=True)
    store_ids: Mapped[list[int]] = mapped_column(JSON, default=list)       # resolved at send
    include_late_joiners: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    template_id: Mapped[int | None] = mapped_column(nullable=True)
    schedule_id: Mapped[int | None] = mapped_column(nullable=True)
    run_key: Mapped[str | None] = mapped_column(String(64), nullable=True)  # schedule run it came from
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # resolved deadline
    reminder_round: Mapped[int] = mapped_column(default=0)
    action_round: Mapped[int] = mapped_column(default=0)           # extend/recall rounds
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    tracked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    recalled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    def __repr__(self) -> str:
        return f"FanoutCampaign(id={self.id}, title={self.title!r}, status={self.status!r})"


class FanoutCopy(Base):
    """One recipient of a campaign and their copy of the task."""
    __tablename__ = "fanout_copy"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id"),
        Index("ix_fanout_copy_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("fanout_campaign.id", ondelete="CASCADE"))
    user_id: Mapped[int]
    store_id: Mapped[int]
    user_name: Mapped[str] = mapped_column(String(255), default="")
    store_name: Mapped[str] = mapped_column(String(255), default="")
    work_position: Mapped[str] = mapped_column(String(255), default="")
    late_joiner: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=COPY_PENDING)
    reason: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="")
    b24_status: Mapped[int | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reminded_round: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    def __repr__(self) -> str:
        return (f"FanoutCopy(campaign_id={self.campaign_id}, user_id={self.user_id}, "
                f"status={self.status!r}, state={self.state!r})")


class FanoutPool(Base):
    """A named, saved set of departments (any level of the tree) a sender reuses."""
    __tablename__ = "fanout_pool"
    __table_args__ = (UniqueConstraint("portal_id", "owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    owner_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FanoutTemplate(Base):
    """A campaign saved for reuse: the draft fields, never the resolved recipients."""
    __tablename__ = "fanout_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    owner_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FanoutSchedule(Base):
    """A recurring campaign: a template sent on a day of the month or week at a local time."""
    __tablename__ = "fanout_schedule"
    __table_args__ = (Index("ix_fanout_schedule_due", "active", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(ForeignKey("fanout_template.id", ondelete="CASCADE"))
    sender_id: Mapped[int]
    frequency: Mapped[str] = mapped_column(String(16), default="monthly")   # monthly | weekly
    day: Mapped[int] = mapped_column(default=1)             # 1..28 of the month, or 0..6 (Mon=0)
    local_time: Mapped[str] = mapped_column(String(5), default="09:00")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    active: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_campaign_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
