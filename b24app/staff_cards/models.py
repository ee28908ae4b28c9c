"""Staff cards tables: cards, their audit log, actualization schedule and tasks, form nonces.

A card is a manager's proposed change to one person (new hire, change, dismissal, rehire).
It lives only in the app's database while pending (shown red); nothing reaches the portal
before an HR officer approves it. The audit log keeps every decision with before → after.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UtcDateTime

NEW = "new"
CHANGE = "change"
DISMISSAL = "dismissal"
REHIRE = "rehire"
KINDS = (NEW, CHANGE, DISMISSAL, REHIRE)

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
APPLIED = "applied"
FAILED = "failed"
STATUSES = (PENDING, APPROVED, REJECTED, WITHDRAWN, APPLIED, FAILED)
OPEN_STATUSES = (PENDING, APPROVED)

LOOP_NONE = ""
LOOP_PENDING = "pending"
LOOP_DONE = "done"

FIELD_NAMES = ("last_name", "first_name", "middle_name", "email", "mobile", "position",
               "store_id", "birth_date", "employment_date", "dismissal_date")


class StaffCard(Base):
    """One proposed change to a person of a store, from the manager's form to the portal."""
    __tablename__ = "staff_card"
    __table_args__ = (
        Index("ix_staff_card_portal_store_status", "portal_id", "store_id", "status"),
        Index("ix_staff_card_portal_status", "portal_id", "status"),
        Index("ix_staff_card_portal_email", "portal_id", "email_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    store_id: Mapped[int]                                   # Bitrix24 department ID
    kind: Mapped[str] = mapped_column(String(16))
    target_user_id: Mapped[int | None] = mapped_column(nullable=True)   # None for a new hire
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    email_key: Mapped[str] = mapped_column(String(255), default="")      # lower-case e-mail
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    error: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int]
    reviewer_id: Mapped[int | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    result_user_id: Mapped[int | None] = mapped_column(nullable=True)
    loop_state: Mapped[str] = mapped_column(String(16), default=LOOP_NONE)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    @property
    def is_open(self) -> bool:
        """True while the card waits for HR or for the portal."""
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return (f"StaffCard(id={self.id}, kind={self.kind!r}, store={self.store_id}, "
                f"target={self.target_user_id}, status={self.status!r})")


class StaffCardAudit(Base):
    """One entry of the audit log: who did what to which card, with before → after."""
    __tablename__ = "staff_card_audit"
    __table_args__ = (Index("ix_staff_card_audit_portal_at", "portal_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    card_id: Mapped[int | None] = mapped_column(nullable=True)
    store_id: Mapped[int]
    actor_id: Mapped[int] = mapped_column(default=0)        # 0: the app itself
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255), default="")   # the person's name
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActualizationSchedule(Base):
    """When managers are asked to confirm their staff list (one row per portal)."""
    __tablename__ = "staff_actualization_schedule"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    day_of_month: Mapped[int] = mapped_column(default=1)
    deadline_days: Mapped[int] = mapped_column(default=5)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ActualizationTask(Base):
    """The "confirm your staff list" task of one store for one period (YYYY-MM)."""
    __tablename__ = "staff_actualization_task"
    __table_args__ = (UniqueConstraint("portal_id", "store_id", "period"),
                      Index("ix_staff_actualization_task_portal_task", "portal_id", "task_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    store_id: Mapped[int]
    period: Mapped[str] = mapped_column(String(7))
    responsible_id: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    def is_overdue(self, now: datetime) -> bool:
        """True when the deadline passed and the manager has not confirmed."""
        return self.confirmed_at is None and now > self.due_at


class FormNonce(Base):
    """A one-time form nonce that was used: a replayed form post finds its row and is refused."""
    __tablename__ = "staff_form_nonce"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())
