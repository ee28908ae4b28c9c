"""End to end against the sandbox over HTTP: 250 stores, one simulated day, twelve zones.

The app runs its real ticks (generate, work queue, reconcile, escalate) on a FixedClock moved
together with the sandbox clock. Managers tick their checklists as themselves, through
webhooks of their own (``/_sandbox/webhook?user_id=``): most on time, some late, some never.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import b24app.store_opening.ticks  # noqa: F401 - registers the work kinds
from b24app import ledger
from b24app.clock import FixedClock
from b24app.org import queries as org
from b24app.org.sync import sync_org
from b24app.store_opening import dashboard as board
from b24app.store_opening.generation import people_for
from b24app.store_opening.models import ROUTINE, OpeningTask
from b24app.store_opening.people import load_snapshot
from b24app.store_opening.schedule_admin import ScheduleChange, bulk_apply
from b24app.store_opening.task_plan import slot_key, task_tag
from b24app.store_opening.templates_admin import TemplateInput, save_template
from b24app.store_opening.ticks import escalation_tick, generate_tick, reconcile_tick
from b24app.wiring import Services
from b24app.workqueue import WorkItem
from sandbox.seed import build_portal

from .conftest import SandboxApp, serving

DAY = date(2026, 12, 4)
START = datetime(2026, 12, 3, 22, 0, tzinfo=timezone.utc)      # 00:00 of the 4th in Kaliningrad
STEP = timedelta(hours=1)
STEPS = 25                                                       # until 22:00 UTC of the 4th
MIDDAY = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)      # the 4th in every store's zone
ITEMS = [f"Пункт открытия {n}" for n in range(1, 13)]


@dataclass
class Day(SandboxApp):
    hooks: dict[int, str] = field(default_factory=dict)
    plan: dict[int, str] = field(default_factory=dict)          # store → on_time | late | never
    ticked: set[int] = field(default_factory=set)

    def hook(self, user_id: int) -> str:
        if user_id not in self.hooks:
            answer = requests.get(f"{self.base_url}/_sandbox/webhook",
                                  params={"user_id": user_id}, timeout=10)
            answer.raise_for_status()
            self.hooks[user_id] = answer.json()["url"]
        return self.hooks[user_id]

    def tick_as(self, user_id: int, task_id: int) -> None:
        """Tick every item of a task in one batch, as ``user_id``."""
        with self.server.sandbox.portal.lock:
            items = [i.id for i in self.server.sandbox.portal.checklist_items.values()
                     if i.task_id == task_id and i.parent_id != 0]
        cmd = {f"i{n}": f"task.checklistitem.complete?0={task_id}&1={item}"
               for n, item in enumerate(items)}
        answer = requests.post(self.hook(user_id) + "batch", json={"halt": 0, "cmd": cmd}, timeout=30)
        answer.raise_for_status()
        assert not answer.json()["result"]["result_error"]


@pytest.fixture
def day(make_services: Callable[..., Services], session_factory: sessionmaker[Session],
        portal_id: int, clock: FixedClock) -> Iterator[Day]:
    with serving(build_portal(stores=250, seed=7), session_factory, portal_id) as server:
        services = make_services()
        sync_org(session_factory, services.bitrix.for_portal(portal_id), portal_id, clock.now())
        with session_factory.begin() as session:
            # Two managers leave: their posts are vacant in the org model from now on.
            for store in org.stores(session, portal_id)[:2]:
                store.head_user_id = None
            template = save_template(session, portal_id, TemplateInput("Открытие", ITEMS),
                                     clock.now())
            all_stores = [s.b24_id for s in org.stores(session, portal_id)]
            assert len(all_stores) == 250
            assert bulk_apply(session, portal_id, all_stores, ScheduleChange(
                enabled=True, template_id=template.id, create_at="08:00", deadline="10:00"),
                clock.now()) == {}
        with session_factory() as session:      # the bulk resolver agrees with the org queries
            snapshot = load_snapshot(session, portal_id)
            for store_id in all_stores:
                assert snapshot.people(store_id, []) == people_for(session, portal_id, store_id, [])
        plan = {s: ("never" if s % 10 == 0 else "late" if s % 10 == 1 else "on_time")
                for s in all_stores}
        yield Day(services, portal_id, server, clock, plan=plan)


def act_as_people(day: Day, now: datetime) -> None:
    """Managers tick within an hour of creation (on time) or after the deadline (late)."""
    with day.services.session_factory() as session:
        tasks = list(session.scalars(select(OpeningTask).where(OpeningTask.local_date == DAY)))
    for task in tasks:
        behaviour = day.plan[task.store_id]
        if task.task_id in day.ticked or behaviour == "never":
            continue
        when = (task.created_at + timedelta(minutes=30) if behaviour == "on_time"
                else task.due_at + timedelta(minutes=40))
        if now >= when:
            day.tick_as(task.responsible_id, task.task_id)
            day.ticked.add(task.task_id)


def check_dashboard_matches_ledger(day: Day, now: datetime) -> None:
    with day.services.session_factory() as session:
        rows = board.today(session, day.portal_id, now)
        counts = ledger.outcome_counts(session, day.portal_id, ROUTINE, date_from=DAY, date_to=DAY)
    assert {r.local_date for r in rows} == {DAY}
    shown = board.tree(rows).counts.by_status
    assert shown[board.DONE_ON_TIME] == counts.get(ledger.DONE_ON_TIME, 0)
    assert shown[board.DONE_LATE] == counts.get(ledger.DONE_LATE, 0)
    assert shown[board.OPEN] + shown[board.OVERDUE] == counts.get(ledger.CREATED, 0)
    assert shown[board.NOT_CREATED] == sum(v for k, v in counts.items() if k in (
        ledger.SKIPPED, ledger.EXPECTED, ledger.RETRYING, ledger.PARKED, ledger.FAILED))
    assert sum(shown.values()) == sum(counts.values()) == 250


@pytest.mark.slow
def test_a_day_of_250_stores(day: Day) -> None:
    for step in range(STEPS):
        now = START + step * STEP
        day.set_now(now)
        generate_tick(day.services, now)
        day.run_queue()
        act_as_people(day, now)
        reconcile_tick(day.services, now)
        escalation_tick(day.services, now)
        day.run_queue()
        if now == MIDDAY:
            check_dashboard_matches_ledger(day, now)

    portal = day.server.sandbox.portal
    with day.services.session_factory() as session:
        tasks = {t.store_id: t for t in session.scalars(
            select(OpeningTask).where(OpeningTask.local_date == DAY))}
        slots = {s.store_id: s for s in session.scalars(select(ledger.LedgerSlot).where(
            ledger.LedgerSlot.routine == ROUTINE, ledger.LedgerSlot.local_date == DAY))}
        notify_keys = list(session.scalars(select(WorkItem.key).where(
            WorkItem.key.like("store_opening_escalation:%:notify"))))
    assert len(slots) == 250
    skipped = {s for s, slot in slots.items() if slot.outcome == ledger.SKIPPED}
    assert all(slots[s].reason == "no_manager" for s in skipped)
    assert len(skipped) + sum(t.vacant_manager for t in tasks.values()) == 2
    # Exactly one task per store and day in Bitrix24, found by its tag.
    tags: dict[str, int] = {}
    for task in portal.tasks.values():
        for tag in task.tags:
            tags[tag] = tags.get(tag, 0) + 1
    for store_id in tasks:
        assert tags[task_tag(slot_key(store_id, DAY))] == 1
    assert len(tasks) + len(skipped) == 250

    late = {s for s in tasks if day.plan[s] == "late"}
    never = {s for s in tasks if day.plan[s] == "never"}
    on_time = set(tasks) - late - never
    for store_id in on_time:
        assert slots[store_id].outcome == ledger.DONE_ON_TIME
        assert portal.tasks[tasks[store_id].task_id].status == 5
    for store_id in late:
        assert slots[store_id].outcome == ledger.DONE_LATE
        assert portal.tasks[tasks[store_id].task_id].status == 5
    for store_id in never:
        assert slots[store_id].outcome == ledger.MISSED
        assert portal.tasks[tasks[store_id].task_id].status == 2          # stays open (red)
    for store_id in late | never:                                          # commented, escalated
        comments = [c for c in portal.comments.values() if c.task_id == tasks[store_id].task_id]
        assert len(comments) == 1 and ITEMS[0] in comments[0].message
    assert len(notify_keys) == len(late | never)
    superiors = {tasks[s].superior_id for s in late | never}
    assert superiors <= {n.user_id for n in portal.notifications.values()}
    # Red in Bitrix24: the overdue filter (STATUS -1) finds exactly the never-finished tasks.
    answer = requests.post(day.server.context.webhook_url(day.server.context.admin_webhook())
                           + "tasks.task.list", json={"filter": {"STATUS": -1, "TAG": [
                               task_tag(slot_key(s, DAY)) for s in tasks]}, "select": ["ID"]},
                           timeout=30).json()
    listed: list[dict[str, Any]] = answer["result"]["tasks"]
    while answer.get("next"):
        answer = requests.post(day.server.context.webhook_url(day.server.context.admin_webhook())
                               + "tasks.task.list", json={"filter": {"STATUS": -1},
                               "select": ["ID"], "start": answer["next"]}, timeout=30).json()
        listed += answer["result"]["tasks"]
    red = {int(t["id"]) for t in listed}
    assert {tasks[s].task_id for s in never} <= red
    assert not red & {tasks[s].task_id for s in on_time | late}
