"""Generation: enqueue each enabled store's opening task when its local creation time comes.

One work item per (store, local date) under the key ``store_opening:<store>:<date>``; the work
queue sends tasks and items of many stores together in full 50-command batches. People and the
template's items are read when the item is enqueued, so the task carries a snapshot. The
ledger gets a row for every expected slot: expected → created, or skipped with the reason.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import ledger
from ..i18n import translate
from ..org import queries as org
from ..org.models import OrgDepartment
from ..org.settings import position_keys
from ..org.timezones import FALLBACK_TIME_ZONE
from ..workqueue import enqueue
from .models import ROUTINE, ChecklistTemplate, StoreSchedule
from .people import OrgSnapshot, load_snapshot
from .schedule_admin import schedules_by_store
from .schedules import is_closed, local_date_of, matches_frequency, occurrence, rule_of
from .task_plan import (People, TaskPlan, items_from_template, plan_to_payload, resolve_people,
                        slot_key)

KIND_CREATE = "store_opening.create"

SKIP_DISABLED = "disabled"
SKIP_CLOSED = "closed_day"
SKIP_NO_TEMPLATE = "no_template"
SKIP_NO_MANAGER = "no_manager"
SKIP_NO_STORE = "not_a_store"


def store_zone(store: OrgDepartment) -> ZoneInfo:
    """Return the zone a store's schedule runs on."""
    return ZoneInfo(store.effective_time_zone or FALLBACK_TIME_ZONE)


def known_slot_keys(session: Session, portal_id: int, around: date) -> set[str]:
    """Return the routine's ledger keys of the local dates around ``around``."""
    return set(session.scalars(select(ledger.LedgerSlot.slot_key).where(
        ledger.LedgerSlot.portal_id == portal_id, ledger.LedgerSlot.routine == ROUTINE,
        ledger.LedgerSlot.local_date >= around - timedelta(days=1),
        ledger.LedgerSlot.local_date <= around + timedelta(days=1))))


def people_for(session: Session, portal_id: int, store_id: int,
               positions: Collection[str]) -> People | None:
    """Resolve one store's people with the org model's queries (the reference for ``people``)."""
    manager = org.store_manager(session, portal_id, store_id)
    deputies = org.store_deputies(session, portal_id, store_id)
    if positions:
        keys = position_keys(positions)
        helpers = [u.b24_id for u in org.store_staff(session, portal_id, store_id)
                   if u.position_key in keys]
    else:
        helpers = deputies + org.store_administrators(session, portal_id, store_id)
    chain = org.superiors_chain(session, portal_id, store_id)
    return resolve_people(manager, deputies, helpers, chain)


def build_plan(store: OrgDepartment, template: ChecklistTemplate, people: People, key: str,
               day: date, due_at: datetime, *, lang: str, dashboard_url: str) -> TaskPlan:
    """Return the plan of one task with the template's items copied now."""
    title = template.task_title or translate(lang, "store_opening.task_title_default")
    description = translate(lang, "store_opening.task_description", store=store.name,
                            date=day.strftime("%d.%m.%Y"), url=dashboard_url)
    if people.vacant_manager:
        description += "\n" + translate(lang, "store_opening.task_vacant_note")
    return TaskPlan(slot_key=key, store_id=store.b24_id, local_date=day,
                    title=f"{title} · {store.name} · {day.strftime('%d.%m.%Y')}",
                    description=description, people=people, deadline=due_at,
                    time_zone=store.effective_time_zone or FALLBACK_TIME_ZONE,
                    items=items_from_template(template.items))


def generate(session: Session, portal_id: int, now: datetime, *, lang: str = "ru",
             dashboard_url: str = "") -> int:
    """Enqueue the tasks due by ``now`` (today only, local) and record skips; return enqueued.

    Everything is read first and written afterwards: interleaving reads with pending writes
    would make the session flush before every org query, which costs minutes at 2,000 stores.
    """
    stores = {s.b24_id: s for s in org.stores(session, portal_id)}
    templates = {t.id: t for t in session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.portal_id == portal_id))}
    known = known_slot_keys(session, portal_id, now.date())
    decisions: list[tuple[ledger.SlotRef, datetime, str, TaskPlan | None]] = []
    snapshot: OrgSnapshot | None = None
    for store_id, schedule in schedules_by_store(session, portal_id).items():
        store = stores.get(store_id)
        if store is None:
            continue
        zone = store_zone(store)
        today = local_date_of(now, zone)
        key = slot_key(store_id, today)
        rule = rule_of(schedule)
        if key in known or not matches_frequency(rule, today):
            continue
        occ = occurrence(rule, today, zone)
        if now < occ.create_at:
            continue
        reason = _skip_reason(schedule, templates, is_closed(rule, today))
        if not reason and snapshot is None:
            snapshot = load_snapshot(session, portal_id)
        people = None if reason or snapshot is None else snapshot.people(
            store_id, schedule.accomplice_positions)
        plan = None
        if people is not None:
            plan = build_plan(store, templates[schedule.template_id or 0], people, key, today,
                              occ.due_at, lang=lang, dashboard_url=dashboard_url)
        elif not reason:
            reason = SKIP_NO_MANAGER
        decisions.append((ledger.SlotRef(ROUTINE, key, store_id, today), occ.due_at, reason, plan))
    for ref, due_at, reason, plan in decisions:
        if plan is None:
            ledger.record_outcome(session, portal_id, ref, ledger.SKIPPED, now, reason=reason,
                                  due_at=due_at)
            continue
        item = enqueue(session, portal_id, KIND_CREATE, ref.slot_key, plan_to_payload(plan),
                       now=now)
        ledger.record_outcome(session, portal_id, ref, ledger.EXPECTED, now, due_at=due_at,
                              work_item_id=item.id, reason="vacant_manager"
                              if plan.people.vacant_manager else "")
    return sum(1 for *_, plan in decisions if plan is not None)


def _skip_reason(schedule: StoreSchedule, templates: dict[int, Any], closed: bool) -> str:
    if not schedule.enabled:
        return SKIP_DISABLED
    if closed:
        return SKIP_CLOSED
    if schedule.template_id not in templates:
        return SKIP_NO_TEMPLATE
    return ""
