"""Core tables: portals and inbound events. Every table is keyed by portal.

Routine-specific tables live beside their routine (b24app/<routine>/models.py); the work
queue and org model tables live in b24app/workqueue.py and b24app/org/models.py. All of them
share ``Base`` so Alembic sees one metadata.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UtcDateTime


class Portal(Base):
    """A Bitrix24 portal that installed the app (or the one a webhook points at).

    Keyed by ``member_id``, which never changes even when the portal is renamed.
    """
    __tablename__ = "portal"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(255))
    auth_kind: Mapped[str] = mapped_column(String(16), default="oauth")   # oauth | webhook
    client_endpoint: Mapped[str] = mapped_column(String(512), default="")
    server_endpoint: Mapped[str] = mapped_column(String(512), default="")
    webhook_url: Mapped[str] = mapped_column(String(512), default="")
    access_token: Mapped[str] = mapped_column(String(255), default="")
    refresh_token: Mapped[str] = mapped_column(String(255), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    application_token: Mapped[str] = mapped_column(String(255), default="")
    scopes: Mapped[str] = mapped_column(String(1024), default="")
    # active | uninstalled | needs_admin (tokens rejected; an admin must reopen the app)
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    installed_by: Mapped[int | None] = mapped_column(nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    app_version: Mapped[int] = mapped_column(default=1)
    installed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:   # never show tokens
        return f"Portal(id={self.id}, member_id={self.member_id!r}, domain={self.domain!r}, status={self.status!r})"


class InboundEvent(Base):
    """A verified Bitrix24 event, stored before it is acknowledged, processed by the worker.

    ``payload`` holds the event's ``data`` only; the ``auth`` block (tokens) is never stored.
    """
    __tablename__ = "inbound_event"
    __table_args__ = (
        UniqueConstraint("portal_id", "dedupe_key"),
        Index("ix_inbound_event_pending", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[int | None] = mapped_column(nullable=True)     # who caused it, if known
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | ignored | failed
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
