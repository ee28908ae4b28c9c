"""Actualization: each month every store manager confirms the staff list through a task.

On the schedule's day (store-local date) each store's manager (a deputy when the post is
vacant) gets a task "Подтвердите список сотрудников магазина" due ``deadline_days`` later,
one work item per store and period (key ``staff_cards:actualize:<store>:<YYYY-MM>``). The
manager confirms on the staff page (or the task's tab); the task then completes through
the queue. Unconfirmed tasks past their deadline are red on the HR overview, by region.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workqueue
from ..i18n import translate
from ..ledger import CREATED, DONE_LATE, DONE_ON_TIME, EXPECTED, SlotRef, record_outcome
from ..org import queries as org
from ..roles import Caller
from .cards import require_store
from .kinds import ACTUALIZE_KIND, COMPLETE_KIND
from .models import ActualizationSchedule, ActualizationTask, StaffCardAudit

ROUTINE = "staff_cards"
DEADLINE_LOCAL_TIME = time(18, 0)
MAX_DAY = 28            # every month has a 28th


@dataclass
class OverviewRow:
    store_id: int
    store: str
    city: str
    period: str
    due_at: datetime
    task_id: int | None
    confirmed_at: datetime | None
    overdue: bool


@dataclass
class RegionGroup:
    region: str
    rows: list[OverviewRow] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.rows)


def get_schedule(session: Session, portal_id: int) -> ActualizationSchedule:
    """Return the portal's schedule (the default one, unsaved, when none was set)."""
    found = session.get(ActualizationSchedule, portal_id)
    return found or ActualizationSchedule(portal_id=portal_id, enabled=True, day_of_month=1,
                                          deadline_days=5)


def save_schedule(session: Session, portal_id: int, enabled: bool, day: str, deadline_days: str,
                  now: datetime) -> dict[str, str]:
    """Validate and store the schedule; return per-field error keys (nothing saved then)."""
    errors: dict[str, str] = {}
    parsed: dict[str, int] = {}
    for name, raw, low, high in (("day_of_month", day, 1, MAX_DAY),
                                 ("deadline_days", deadline_days, 1, 27)):
        try:
            parsed[name] = int(raw.strip())
        except ValueError:
            errors[name] = "err_number"
            continue
        if not low <= parsed[name] <= high:
            errors[name] = "err_number"
    if errors:
        return errors
    schedule = session.get(ActualizationSchedule, portal_id)
    if schedule is None:
        schedule = ActualizationSchedule(portal_id=portal_id)
        session.add(schedule)
    schedule.enabled, schedule.updated_at = enabled, now
    schedule.day_of_month, schedule.deadline_days = parsed["day_of_month"], parsed["deadline_days"]
    return {}


def period_due(schedule: ActualizationSchedule, local_today: date) -> str | None:
    """Return the period (YYYY-MM) whose task is due by ``local_today``, if any."""
    if not schedule.enabled or local_today.day < schedule.day_of_month:
        return None
    return f"{local_today:%Y-%m}"


def deadline_of(schedule: ActualizationSchedule, period: str, zone: str) -> datetime:
    """Return the deadline: ``deadline_days`` after the schedule's day, 18:00 store time."""
    year, month = (int(part) for part in period.split("-"))
    start = date(year, month, schedule.day_of_month)
    local = datetime.combine(start + timedelta(days=schedule.deadline_days), DEADLINE_LOCAL_TIME,
                             tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc)


def task_key(store_id: int, period: str) -> str:
    """Return the idempotency key of a store's actualization task for a period."""
    return f"{ROUTINE}:actualize:{store_id}:{period}"


def task_tag(key: str) -> str:
    """Return the TAG stamped on the task: short, ASCII, one per key."""
    return "storeops_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def plan_tasks(session: Session, portal_id: int, now: datetime, lang: str) -> int:
    """Enqueue the due actualization tasks of every store; return how many were added."""
    schedule = get_schedule(session, portal_id)
    if not schedule.enabled:
        return 0
    added = 0
    for store in org.stores(session, portal_id):
        zone = store.effective_time_zone or org.store_time_zone(session, portal_id, store.b24_id)
        period = period_due(schedule, now.astimezone(ZoneInfo(zone)).date())
        if period is None or _row(session, portal_id, store.b24_id, period) is not None:
            continue
        deputies = org.store_deputies(session, portal_id, store.b24_id)
        responsible = org.store_manager(session, portal_id, store.b24_id) or (
            deputies[0] if deputies else None)
        if responsible is None:
            continue
        due = deadline_of(schedule, period, zone)
        row = ActualizationTask(portal_id=portal_id, store_id=store.b24_id, period=period,
                                responsible_id=responsible, due_at=due, created_at=now)
        session.add(row)
        session.flush()
        key = task_key(store.b24_id, period)
        fields = {"TITLE": translate(lang, "staff_cards.actualize_title", store=store.name),
                  "DESCRIPTION": translate(lang, "staff_cards.actualize_description"),
                  "RESPONSIBLE_ID": responsible, "DEADLINE": due.isoformat(),
                  "TAGS": [task_tag(key)]}
        workqueue.enqueue(session, portal_id, ACTUALIZE_KIND, key,
                          {"row_id": row.id, "tag": task_tag(key), "fields": fields}, now=now)
        record_outcome(session, portal_id, SlotRef(ROUTINE, key, store_id=store.b24_id),
                       EXPECTED, now, due_at=due)
        added += 1
    return added


def _row(session: Session, portal_id: int, store_id: int, period: str) -> ActualizationTask | None:
    return session.scalar(select(ActualizationTask).where(
        ActualizationTask.portal_id == portal_id, ActualizationTask.store_id == store_id,
        ActualizationTask.period == period))


def latest_task(session: Session, portal_id: int, store_id: int) -> ActualizationTask | None:
    """Return the store's newest actualization task."""
    return session.scalar(select(ActualizationTask).where(
        ActualizationTask.portal_id == portal_id, ActualizationTask.store_id == store_id)
        .order_by(ActualizationTask.period.desc()).limit(1))


def by_task_id(session: Session, portal_id: int, task_id: int) -> ActualizationTask | None:
    """Return the actualization row of a Bitrix24 task (the TASK_VIEW_TAB's taskId)."""
    return session.scalar(select(ActualizationTask).where(
        ActualizationTask.portal_id == portal_id, ActualizationTask.task_id == task_id))


def mark_created(session: Session, row: ActualizationTask, now: datetime) -> None:
    """Ledger: the task exists; complete it at once if the manager confirmed before."""
    key = task_key(row.store_id, row.period)
    record_outcome(session, row.portal_id, SlotRef(ROUTINE, key, store_id=row.store_id),
                   CREATED, now, task_id=row.task_id)
    if row.confirmed_at is not None:
        _enqueue_complete(session, row, now)


def confirm(session: Session, caller: Caller, store_id: int, now: datetime) -> ActualizationTask | None:
    """The manager confirms the store's staff list: the open task completes via the queue."""
    require_store(session, caller, store_id)
    row = latest_task(session, caller.portal_id, store_id)
    if row is None or row.confirmed_at is not None:
        return None
    row.confirmed_at, row.confirmed_by = now, caller.user_id
    session.add(StaffCardAudit(portal_id=caller.portal_id, card_id=None, store_id=store_id,
                               actor_id=caller.user_id, action="confirmed", subject="",
                               changes=[], note=row.period, at=now))
    key = task_key(row.store_id, row.period)
    record_outcome(session, row.portal_id, SlotRef(ROUTINE, key, store_id=row.store_id),
                   DONE_ON_TIME if now <= row.due_at else DONE_LATE, now, done_at=now)
    if row.task_id is not None:
        _enqueue_complete(session, row, now)
    return row


def _enqueue_complete(session: Session, row: ActualizationTask, now: datetime) -> None:
    workqueue.enqueue(session, row.portal_id, COMPLETE_KIND,
                      f"{task_key(row.store_id, row.period)}:done",
                      {"row_id": row.id, "task_id": row.task_id}, now=now)


def overview(session: Session, portal_id: int, store_ids: frozenset[int] | None,
             now: datetime) -> list[RegionGroup]:
    """Return each store's newest actualization task, grouped by region, overdue first."""
    groups: dict[str, RegionGroup] = {}
    for store in org.stores(session, portal_id):
        if store_ids is not None and store.b24_id not in store_ids:
            continue
        row = latest_task(session, portal_id, store.b24_id)
        if row is None:
            continue
        group = groups.setdefault(store.region or store.country, RegionGroup(store.region or store.country))
        group.rows.append(OverviewRow(store.b24_id, store.name, store.city, row.period, row.due_at,
                                      row.task_id, row.confirmed_at, row.is_overdue(now)))
    for group in groups.values():
        group.rows.sort(key=lambda r: (not r.overdue, r.city, r.store))
    return sorted(groups.values(), key=lambda g: (-g.overdue, g.region))
