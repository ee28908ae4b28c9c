"""Merchandising tables: settings, pools, tree nodes, weekly store tasks, the photo cache.

Every table is keyed by portal. Tree nodes and weekly tasks hold the Bitrix24 task ID once
created; the work item that creates each one has the same deterministic key (``tree.node_key``
/ ``weekly.week_key``), stamped on the task as a TAG, so a crash heals by lookup.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UtcDateTime

LEVEL_CITY = "city"
LEVEL_YEAR = "year"
LEVEL_MONTH = "month"
LEVEL_WEEK = "week"
LEVELS = (LEVEL_CITY, LEVEL_YEAR, LEVEL_MONTH, LEVEL_WEEK)

MODE_CITY = "city"
MODE_SELECTION = "selection"

STATUS_OPEN = "open"
STATUS_ACCEPTED = "accepted"
STATUS_NEEDS_FIX = "needs_fix"


class MerchSettings(Base):
    """Per-portal settings: the project that holds the tree and the weekly schedule."""
    __tablename__ = "merch_settings"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"),
                                           primary_key=True)
    project_name: Mapped[str] = mapped_column(String(255), default="")
    group_id: Mapped[int | None] = mapped_column(nullable=True)       # sonet_group ID
    # Drive folder the upload page stores photos in (app storage, else one the admin names).
    photo_folder_id: Mapped[int | None] = mapped_column(nullable=True)
    send_weekday: Mapped[int] = mapped_column(default=0)              # 0 = Monday
    send_time: Mapped[str] = mapped_column(String(5), default="09:00")
    deadline_weekday: Mapped[int] = mapped_column(default=3)          # Thursday
    deadline_time: Mapped[str] = mapped_column(String(5), default="18:00")
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class MerchPool(Base):
    """A merchandiser's pool of stores: whole cities, or a selection of stores."""
    __tablename__ = "merch_pool"
    __table_args__ = (Index("ix_merch_pool_portal_merchandiser", "portal_id", "merchandiser_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    merchandiser_id: Mapped[int]
    mode: Mapped[str] = mapped_column(String(16), default=MODE_CITY)
    city_ids: Mapped[list[int]] = mapped_column(JSON, default=list)    # city departments
    store_ids: Mapped[list[int]] = mapped_column(JSON, default=list)   # selected stores
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MerchTreeNode(Base):
    """One task of the tree: a city, a year, a month or a week of one pool's city."""
    __tablename__ = "merch_tree_node"
    __table_args__ = (UniqueConstraint("portal_id", "pool_id", "city_id", "level", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    pool_id: Mapped[int] = mapped_column(ForeignKey("merch_pool.id", ondelete="CASCADE"))
    city_id: Mapped[int]
    level: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(16), default="")   # "", 2026, 2026-12, 2026-W49
    title: Mapped[str] = mapped_column(String(255), default="")
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class MerchWeekTask(Base):
    """A store's task for one ISO week, under the Week node of its city."""
    __tablename__ = "merch_week_task"
    __table_args__ = (UniqueConstraint("portal_id", "store_id", "iso_week"),
                      Index("ix_merch_week_task_pool_week", "portal_id", "pool_id", "iso_week"))

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    pool_id: Mapped[int] = mapped_column(ForeignKey("merch_pool.id", ondelete="CASCADE"))
    store_id: Mapped[int]
    iso_week: Mapped[str] = mapped_column(String(8))
    manager_id: Mapped[int | None] = mapped_column(nullable=True)
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_OPEN)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    photo_count: Mapped[int] = mapped_column(default=0)          # as last seen by the board
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # COMMENTS_COUNT when the task's comments were last read for photos (re-read on change).
    comments_seen: Mapped[int] = mapped_column(default=0, server_default="0")


class MerchPhoto(Base):
    """A photo attached to a store's subtask, with its cached thumbnail."""
    __tablename__ = "merch_photo"
    __table_args__ = (UniqueConstraint("portal_id", "attachment_id"),
                      Index("ix_merch_photo_week_task", "portal_id", "week_task_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    attachment_id: Mapped[int]
    week_task_id: Mapped[int]          # Bitrix24 ID of the store's week task
    subtask_id: Mapped[int]            # the task holding it: a subtask, or the week task
    comment_id: Mapped[int | None] = mapped_column(nullable=True)   # posted with this comment
    name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(default=0)
    uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    thumb_error: Mapped[str] = mapped_column(String(255), default="")
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
