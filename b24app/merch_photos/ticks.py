"""The weekly step: at the pool's local send time, make sure its week exists in Bitrix24.

For every active pool whose send instant (settings weekday + time in the pool's zone) has
passed this week: plan the four nodes per city and one task per store, drop what is already
recorded, and run the rest in one ``build.run_items`` (parents first). Re-running finds
everything recorded and sends nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Portal
from .build import Planned, RunReport, run_items
from .calendar import IsoWeek, current_week
from .models import MerchPool, MerchSettings
from .pools import get_settings, pool_stores
from .project import ensure_project
from .tree import NODE_KIND, known_task_ids, node_payload, plan_branch
from .weekly import (WEEK_KIND, deadline_of, find_week_task, plan_week_tasks, record_skipped,
                     send_instant, week_payload)

if TYPE_CHECKING:
    from ..wiring import Services


@dataclass
class WeekPlan:
    planned: list[Planned]
    known: dict[str, int]


def plan_pool_week(session: Session, pool: MerchPool, settings: MerchSettings, week: IsoWeek,
                   now: datetime, lang: str = "ru") -> WeekPlan:
    """Return the items a pool's week still needs (parents first) and the known parents."""
    stores = pool_stores(session, pool)
    known = known_task_ids(session, pool.portal_id, pool.id)
    planned: list[Planned] = []
    seen: set[str] = set()
    for store in stores:
        for node in plan_branch(pool.id, store.city_id, store.city_name, week, lang):
            if node.key in known or node.key in seen:
                continue
            seen.add(node.key)
            parent_id = known.get(node.parent_key) if node.parent_key else None
            planned.append(Planned(NODE_KIND, node.key, node_payload(
                node, group_id=settings.group_id, merchandiser_id=pool.merchandiser_id,
                parent_task_id=parent_id), node.parent_key))
    tasks, vacant = plan_week_tasks(stores, pool, week, deadline_of(settings, pool, week))
    for store in vacant:
        record_skipped(session, pool.portal_id, store, week, now, "vacant manager")
    for task in tasks:
        row = find_week_task(session, pool.portal_id, task.store.store_id, week.key)
        if row is not None and row.task_id is not None:
            continue
        planned.append(Planned(WEEK_KIND, task.key, week_payload(
            task, pool, group_id=settings.group_id, parent_task_id=known.get(task.parent_key),
            lang=lang), task.parent_key))
    # Parents first: every node level in order, then the store tasks.
    rank = {"city": 0, "year": 1, "month": 2, "week": 3}
    planned.sort(key=lambda p: rank.get(str(p.payload.get("level", "")), 4))
    return WeekPlan(planned, known)


def build_week(services: Services, pool_id: int, week: IsoWeek, now: datetime) -> RunReport:
    """Create what a pool's week still lacks in Bitrix24; nothing when all is recorded."""
    with services.session_factory.begin() as session:
        pool = session.get(MerchPool, pool_id)
        if pool is None or not pool.active:
            return RunReport()
        portal_id = pool.portal_id
        settings = get_settings(session, portal_id)
        needs_project = settings.group_id is None
        lang = _portal_language(session, portal_id)
        plan = plan_pool_week(session, pool, settings, week, now, lang)
    if not plan.planned:
        return RunReport()
    if needs_project:
        ensure_project(services, portal_id)
        with services.session_factory.begin() as session:
            pool = session.get(MerchPool, pool_id)
            assert pool is not None
            plan = plan_pool_week(session, pool, get_settings(session, portal_id), week, now, lang)
    return run_items(services, portal_id, plan.planned, now, plan.known)


def due_pools(session: Session, now: datetime) -> list[tuple[int, IsoWeek]]:
    """Return (pool, week) for every active pool whose send time this week has passed."""
    result: list[tuple[int, IsoWeek]] = []
    pools = session.scalars(select(MerchPool).join(Portal, Portal.id == MerchPool.portal_id).where(
        MerchPool.active.is_(True), Portal.status == "active").order_by(MerchPool.id))
    for pool in pools:
        week = current_week(now, pool.time_zone)
        if now >= send_instant(get_settings(session, pool.portal_id), pool, week):
            result.append((pool.id, week))
    return result


def weekly_tick(services: Services, now: datetime) -> int:
    """Build the current week of every due pool; return how many items were claimed."""
    with services.session_factory.begin() as session:
        due = due_pools(session, now)
    return sum(build_week(services, pool_id, week, now).claimed for pool_id, week in due)


def _portal_language(session: Session, portal_id: int) -> str:
    portal = session.get(Portal, portal_id)
    return portal.language if portal is not None and portal.language in ("ru", "en") else "ru"
