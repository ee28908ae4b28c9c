"""The ``work_item`` table: one row per write to Bitrix24 that must happen exactly once.

The idempotency ``key`` is unique per portal, so enqueuing the same intent twice yields one
row. Status moves pending → running → done | pending (retry) | parked; ``cancelled`` is set by
a routine that no longer needs the write (for example a recipient dismissed before sending).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UtcDateTime

PENDING = "pending"
RUNNING = "running"
DONE = "done"
PARKED = "parked"
CANCELLED = "cancelled"
STATUSES = (PENDING, RUNNING, DONE, PARKED, CANCELLED)


class WorkItem(Base):
    """A durable intent to write to Bitrix24, claimed by one worker at a time."""
    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("portal_id", "key"),
        Index("ix_work_item_ready", "status", "next_attempt_at"),
        Index("ix_work_item_portal_kind_status", "portal_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # NULL means "as soon as possible"; set after a failure (backoff) or an unexpected error.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Not before this instant (a dismissal on a future date, a task due tomorrow morning).
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(128), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    @property
    def may_have_reached_bitrix(self) -> bool:
        """True when an earlier attempt may already have written to Bitrix24."""
        return self.attempts > 1 or bool(self.last_error)

    def __repr__(self) -> str:
        return (f"WorkItem(id={self.id}, portal_id={self.portal_id}, kind={self.kind!r}, "
                f"key={self.key!r}, status={self.status!r}, attempts={self.attempts})")
