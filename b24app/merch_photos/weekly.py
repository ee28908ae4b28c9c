"""Each week, every store manager of a pool gets that week's task for their store.

The task hangs under the Week node of the store's city, in the project, with the manager
responsible and the merchandiser as creator (so the merchandiser can accept it: completing
a task as its creator lands in status 5, rest-facts §5 "Exact transitions"). Managers are
resolved when the week is planned; a vacant store gets no task that week (ledger: skipped).
Work items are keyed ``merch_photos:week:<store>:<isoweek>``, the key stamped as the TAG.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..i18n import translate
from ..ledger import CREATED, SKIPPED, SlotRef, record_outcome
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from . import stamped
from .calendar import IsoWeek, local_instant, week_title
from .models import MerchPool, MerchSettings, MerchWeekTask
from .pools import PoolStore, parse_hhmm
from .tree import node_key, build_alone

WEEK_KIND = "merch_photos.week"
ROUTINE = "merch_photos"


@dataclass(frozen=True)
class WeekTaskPlan:
    store: PoolStore
    week: IsoWeek
    parent_key: str
    deadline: datetime

    @property
    def key(self) -> str:
        return week_key(self.store.store_id, self.week)


def week_key(store_id: int, week: IsoWeek) -> str:
    """Return ``merch_photos:week:<store>:<isoweek>``."""
    return f"merch_photos:week:{store_id}:{week.key}"


def deadline_of(settings: MerchSettings, pool: MerchPool, week: IsoWeek) -> datetime:
    """Return the week's deadline: the settings' weekday and local time in the pool's zone."""
    hours, minutes = parse_hhmm(settings.deadline_time)
    return local_instant(week, settings.deadline_weekday, time(hours, minutes), pool.time_zone)


def send_instant(settings: MerchSettings, pool: MerchPool, week: IsoWeek) -> datetime:
    """Return when the week's tasks go out: the settings' weekday and local time."""
    hours, minutes = parse_hhmm(settings.send_time)
    return local_instant(week, settings.send_weekday, time(hours, minutes), pool.time_zone)


def plan_week_tasks(stores: list[PoolStore], pool: MerchPool, week: IsoWeek,
                    deadline: datetime) -> tuple[list[WeekTaskPlan], list[PoolStore]]:
    """Return the tasks to create and the stores skipped because their manager post is vacant."""
    plans: list[WeekTaskPlan] = []
    vacant: list[PoolStore] = []
    for store in stores:
        if store.manager_id is None:
            vacant.append(store)
            continue
        plans.append(WeekTaskPlan(store, week, node_key(pool.id, store.city_id, week.key), deadline))
    return plans, vacant


def week_payload(plan: WeekTaskPlan, pool: MerchPool, *, group_id: int | None,
                 parent_task_id: int | None, lang: str = "ru") -> dict[str, object]:
    """Return the work-item payload that creates a store's week task."""
    title = translate(lang, "merch_photos.task_title", store=plan.store.name,
                      week=week_title(plan.week, lang))
    fields: dict[str, object] = {
        "TITLE": title, "DESCRIPTION": translate(lang, "merch_photos.task_description"),
        "RESPONSIBLE_ID": plan.store.manager_id, "CREATED_BY": pool.merchandiser_id,
        "DEADLINE": plan.deadline.isoformat(), "TASK_CONTROL": "N",
        "ALLOW_CHANGE_DEADLINE": "N", "TAGS": [plan.key]}
    if group_id is not None:
        fields["GROUP_ID"] = group_id
    return {"fields": fields, "tag": plan.key, "parent_tag": plan.parent_key,
            "parent_task_id": parent_task_id, "pool_id": pool.id,
            "store_id": plan.store.store_id, "iso_week": plan.week.key,
            "manager_id": plan.store.manager_id, "deadline": plan.deadline.isoformat()}


def find_week_task(session: Session, portal_id: int, store_id: int,
                   iso_week: str) -> MerchWeekTask | None:
    return session.scalar(select(MerchWeekTask).where(
        MerchWeekTask.portal_id == portal_id, MerchWeekTask.store_id == store_id,
        MerchWeekTask.iso_week == iso_week))


def record_skipped(session: Session, portal_id: int, store: PoolStore, week: IsoWeek,
                   now: datetime, reason: str) -> None:
    """Note in the ledger that a store got no task this week, and why."""
    record_outcome(session, portal_id, SlotRef(ROUTINE, week_key(store.store_id, week),
                                               store_id=store.store_id, local_date=week.monday),
                   SKIPPED, now, reason=reason)


def record_week_task(session: Session, item: WorkItem, results: Results) -> None:
    """Store the week task's ID and mark the ledger slot created."""
    p = item.payload
    store_id, iso_week = int(p["store_id"]), str(p["iso_week"])
    row = find_week_task(session, item.portal_id, store_id, iso_week)
    if row is None:
        row = MerchWeekTask(portal_id=item.portal_id, pool_id=int(p["pool_id"]),
                            store_id=store_id, iso_week=iso_week)
        session.add(row)
    row.task_id = stamped.task_id_of(results)
    row.manager_id = int(p["manager_id"])
    row.deadline = datetime.fromisoformat(str(p["deadline"]))
    row.created_at = item.updated_at
    monday = IsoWeek(int(iso_week[:4]), int(iso_week[6:])).monday
    record_outcome(session, item.portal_id, SlotRef(ROUTINE, item.key, store_id=store_id,
                                                    local_date=monday,
                                                    subject_user_id=row.manager_id),
                   CREATED, item.updated_at, task_id=row.task_id, work_item_id=item.id)


def _build(item: WorkItem) -> list[Command]:
    return build_alone(item)


def register_kinds() -> None:
    """Register the week-task kind with the work queue (idempotent)."""
    register_kind(WorkKind(WEEK_KIND, _build, stamped.heal_or_finish, record_week_task))


register_kinds()
