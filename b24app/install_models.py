"""Tables of the app's edge: portal setup state, the app's own recent writes, HR divisions.

Every table is keyed by portal. Alembic revision ``edge_0001`` creates them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UtcDateTime


class PortalSetup(Base):
    """Whether a portal's event handlers and placements must be (re)bound, and how it went.

    Set on install, on ONAPPUPDATE and when an admin reopens the app's install page; the
    ``portal_setup`` job binds with no transaction open and records the outcome here.
    """
    __tablename__ = "portal_setup"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"), primary_key=True)
    needs_binding: Mapped[bool] = mapped_column(default=True)
    bound_version: Mapped[int | None] = mapped_column(nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # event.offline.get reserves records under a process id until cleared; reusing it after a
    # crash returns the reserved ones again instead of stranding them for 30 days.
    offline_process_id: Mapped[str] = mapped_column(String(64), default="")


class OwnWrite(Base):
    """An object the app itself wrote recently; events about it until ``until`` are echoes."""
    __tablename__ = "own_write"
    __table_args__ = (
        UniqueConstraint("portal_id", "entity", "entity_id"),
        Index("ix_own_write_until", "until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(32))          # task | task_comment | user
    entity_id: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UtcDateTime())


class HrDivision(Base):
    """The department subtree one HR officer is responsible for (default: the whole company)."""
    __tablename__ = "hr_division"
    __table_args__ = (UniqueConstraint("portal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column()
    root_department_id: Mapped[int] = mapped_column()
