"""Org model tables: departments, users, memberships and per-portal org settings.

A copy of the portal's structure, refreshed by ``org.sync``. Store identity is the Bitrix24
department ID (``b24_id``); user identity is the Bitrix24 user ID. Derived columns (depth,
path, is_store, country/region/city, time_zone) are recomputed by ``org.structure`` from the
stored rows, so a settings change needs no REST call.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UtcDateTime

DEFAULT_LEVEL_NAMES = ["company", "country", "region", "city", "store"]
DEFAULT_DEPUTY_POSITIONS = ["Заместитель управляющего"]
DEFAULT_ADMINISTRATOR_POSITIONS = ["Администратор магазина"]


class OrgDepartment(Base):
    """A Bitrix24 department; stores are the departments with ``is_store``."""
    __tablename__ = "org_department"
    __table_args__ = (
        UniqueConstraint("portal_id", "b24_id"),
        Index("ix_org_department_portal_store", "portal_id", "is_store"),
        Index("ix_org_department_portal_path", "portal_id", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    b24_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(255), default="")
    parent_b24_id: Mapped[int | None] = mapped_column(nullable=True)
    head_user_id: Mapped[int | None] = mapped_column(nullable=True)   # UF_HEAD; None = vacant
    sort: Mapped[int] = mapped_column(default=500)
    active: Mapped[bool] = mapped_column(default=True)                # False once deleted in Bitrix24
    depth: Mapped[int] = mapped_column(default=0)                     # root = 0
    path: Mapped[str] = mapped_column(String(1024), default="/")      # "/1/5/17/": ancestors and self
    is_store: Mapped[bool] = mapped_column(default=False)
    store_override: Mapped[bool | None] = mapped_column(nullable=True)  # admin's yes/no beats the rule
    country: Mapped[str] = mapped_column(String(255), default="")
    region: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(255), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="")    # derived default
    time_zone_override: Mapped[str | None] = mapped_column(String(64), nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    @property
    def effective_time_zone(self) -> str:
        """Return the admin's time zone if set, else the derived one."""
        return self.time_zone_override or self.time_zone

    def __repr__(self) -> str:
        return f"OrgDepartment(b24_id={self.b24_id}, name={self.name!r}, is_store={self.is_store})"


class OrgUser(Base):
    """A Bitrix24 user as last synced; dismissed users stay with ``active`` False."""
    __tablename__ = "org_user"
    __table_args__ = (
        UniqueConstraint("portal_id", "b24_id"),
        Index("ix_org_user_portal_position", "portal_id", "position_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    b24_id: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    second_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    work_position: Mapped[str] = mapped_column(String(255), default="")
    position_key: Mapped[str] = mapped_column(String(255), default="")
    departments: Mapped[list[int]] = mapped_column(JSON, default=list)
    time_zone: Mapped[str] = mapped_column(String(64), default="")
    personal_mobile: Mapped[str] = mapped_column(String(64), default="")
    personal_birthday: Mapped[str] = mapped_column(String(32), default="")
    employment_date: Mapped[str] = mapped_column(String(32), default="")   # UF_EMPLOYMENT_DATE
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    @property
    def full_name(self) -> str:
        """Return "Last First Middle" as Russian lists show people."""
        return " ".join(p for p in (self.last_name, self.name, self.second_name) if p)

    def __repr__(self) -> str:
        return f"OrgUser(b24_id={self.b24_id}, name={self.full_name!r}, active={self.active})"


class OrgMembership(Base):
    """User ↔ department links (UF_DEPARTMENT), kept as rows so staff queries use an index."""
    __tablename__ = "org_membership"
    __table_args__ = (Index("ix_org_membership_portal_user", "portal_id", "user_b24_id"),)

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    department_b24_id: Mapped[int] = mapped_column(primary_key=True)
    user_b24_id: Mapped[int] = mapped_column(primary_key=True)


class OrgSettings(Base):
    """Per-portal rules for reading the structure: what is a store, which positions count."""
    __tablename__ = "org_settings"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    # None: the tree's root. Stores are leaves below it, at least ``min_store_depth`` deep.
    stores_root_department_id: Mapped[int | None] = mapped_column(nullable=True)
    # Depth counted from the portal's root (0). 2 keeps head-office leaves such as HR directly
    # under the company out of the store list.
    min_store_depth: Mapped[int] = mapped_column(default=2)
    level_names: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_LEVEL_NAMES))
    deputy_positions: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_DEPUTY_POSITIONS))
    administrator_positions: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_ADMINISTRATOR_POSITIONS))
    hr_department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    merch_department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Subtrees never holding stores (besides HR and merchandising), e.g. Operations.
    excluded_department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Who may send fan-outs: {"admins": bool, "department_ids": [...], "positions": [...]}.
    sender_policy: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=lambda: {"admins": True, "department_ids": [], "positions": []})
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sync_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    sync_attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_sync_error: Mapped[str] = mapped_column(Text, default="")
