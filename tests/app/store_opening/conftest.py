"""A sandbox portal holding a small chain, the app's org model synced from it, and helpers.

Chain: Компания(1, head 1) → Россия(2, head 101) → Центр(3, head 102) → Москва(4, head 103)
and Берлин(5, head 104, Europe/Berlin for the DST tests). Stores:
- 10 Авиапарк: manager 110, deputy 111, administrator 112, seller 113;
- 11 Европейский: vacant, deputy 121, administrator 122;
- 12 Пустой: vacant, only a seller 123;
- 13 Berlin Mitte: manager 130, deputy 131.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app.clock import FixedClock
from b24app.models import Portal as AppPortal
from b24app.org.models import OrgDepartment
from b24app.store_opening.models import OpeningTask
from b24app.store_opening.schedule_admin import ScheduleChange, bulk_apply
from b24app.store_opening.templates_admin import TemplateInput, save_template
from b24app.store_opening.ticks import generate_tick  # also registers the work kinds and event handlers
from b24app.wiring import Services
from b24app.workqueue import run_once
from sandbox.limits import Limits
from sandbox.runtime import Sandbox
from sandbox.server import RunningServer
from sandbox.state import Department, Portal, User, Webhook
from tests.support.org import copy_org

DEPUTY = "Заместитель управляющего"
ADMINISTRATOR = "Администратор магазина"
MOSCOW_8 = datetime(2026, 12, 4, 5, 0, tzinfo=timezone.utc)     # 08:00 Moscow, 06:00 Berlin
ITEMS = [{"title": "Включить свет", "important": True}, {"title": "Проверить кассу"},
         {"title": "Сфотографировать витрину", "photo": False}]


def chain_portal() -> Portal:
    """Build the sandbox portal of the chain described above."""
    portal = Portal(member_id="storeopening0000000000000000000a", domain="chain.bitrix24.test")
    registered = datetime(2020, 1, 1, tzinfo=timezone.utc)
    departments = [(1, "Компания", None, 1), (2, "Россия", 1, 101), (3, "Центр", 2, 102),
                   (4, "Москва", 3, 103), (5, "Берлин", 3, 104), (10, "Авиапарк", 4, 110),
                   (11, "Европейский", 4, None), (12, "Пустой", 4, None),
                   (13, "Berlin Mitte", 5, 130)]
    for dept_id, name, parent, head in departments:
        portal.departments[dept_id] = Department(id=dept_id, name=name, parent=parent, head=head)
    people = [(1, "Админ", 1, "Администратор портала"), (101, "Страна", 2, "Директор"),
              (102, "Регион", 3, "Региональный директор"), (103, "Город", 4, "Директор города"),
              (104, "Берлин", 5, "Директор города"), (110, "Управляющая", 10, "Управляющий"),
              (111, "Зам", 10, DEPUTY), (112, "Админка", 10, ADMINISTRATOR),
              (113, "Продавец", 10, "Продавец-консультант"), (121, "Зам2", 11, DEPUTY),
              (122, "Админ2", 11, ADMINISTRATOR), (123, "Продавец3", 12, "Продавец-консультант"),
              (130, "Manager", 13, "Управляющий"), (131, "Deputy", 13, DEPUTY)]
    for user_id, name, dept, position in people:
        portal.users[user_id] = User(id=user_id, email=f"u{user_id}@chain.test", name=name,
                                     last_name=f"Фамилия{user_id}", departments=[dept],
                                     work_position=position, is_admin=user_id == 1,
                                     date_register=registered)
    portal.next_ids.update({"department": 13, "user": 131})
    portal.webhooks["chainadminhook01"] = Webhook(code="chainadminhook01", user_id=1, scopes=[])
    return portal


@contextmanager
def serving(portal: Portal, session_factory: sessionmaker[Session], portal_id: int) -> Iterator[RunningServer]:
    """Serve ``portal`` over HTTP (limits off) with the test portal row on its admin webhook."""
    sandbox = Sandbox(portal)
    server = RunningServer(sandbox, "127.0.0.1", 0, Limits("off", sandbox.clock.timestamp))
    server.start()
    try:
        with session_factory.begin() as session:
            row = session.get(AppPortal, portal_id)
            assert row is not None
            row.auth_kind = "webhook"
            row.webhook_url = server.context.webhook_url(server.context.admin_webhook())
        yield server
    finally:
        server.stop()


@dataclass
class SandboxApp:
    """The app (services on the test database) beside a running sandbox portal, on one clock."""
    services: Services
    portal_id: int
    server: RunningServer
    clock: FixedClock

    @property
    def base_url(self) -> str:
        return self.server.sandbox.base_url

    def set_now(self, instant: datetime) -> None:
        """Move the app's clock and the sandbox's clock together."""
        self.clock.set(instant)
        requests.post(f"{self.base_url}/_sandbox/clock", json={"now": instant.isoformat()},
                      timeout=10).raise_for_status()

    def run_queue(self) -> int:
        """Run the work queue until it is empty; return how many items were done."""
        total = 0
        while done := run_once(self.services, self.clock.now()):
            total += done
        return total


@dataclass
class Env(SandboxApp):
    """The chain portal served, its org model copied, a template scheduled for every store."""
    template_id: int

    @property
    def portal(self) -> Portal:
        return self.server.sandbox.portal

    def generate_at(self, instant: datetime) -> None:
        """Move both clocks to ``instant``, run the generate tick and the work queue."""
        self.set_now(instant)
        generate_tick(self.services, instant)
        self.run_queue()

    def task_of(self, store_id: int) -> OpeningTask:
        """The store's opening task (the test day has one)."""
        with self.session() as session:
            task = session.scalar(select(OpeningTask).where(OpeningTask.store_id == store_id))
        assert task is not None
        return task

    def as_user(self, user_id: int, method: str, params: dict[str, Any]) -> Any:
        """Call the portal as ``user_id`` (a webhook of that user), like the mobile app would."""
        url = self.server.context.webhook_url(self.server.context.create_webhook(user_id, []))
        answer = requests.post(url + method, json=params, timeout=10)
        answer.raise_for_status()
        return answer.json()["result"]

    def tick_all(self, task_id: int, user_id: int) -> None:
        for item in self.items(task_id):
            self.as_user(user_id, "task.checklistitem.complete", {"TASKID": task_id, "ITEMID": item})

    def items(self, task_id: int) -> list[int]:
        with self.portal.lock:
            return [i.id for i in self.portal.checklist_items.values()
                    if i.task_id == task_id and i.parent_id != 0]

    def session(self) -> Session:
        return self.services.session_factory()


@pytest.fixture
def env(make_services: Callable[..., Services], session_factory: sessionmaker[Session],
        portal_id: int, clock: FixedClock) -> Iterator[Env]:
    with serving(chain_portal(), session_factory, portal_id) as server:
        services = make_services()
        with session_factory.begin() as session:
            copy_org(session, portal_id, server.sandbox.portal)
            berlin = session.scalar(select(OrgDepartment).where(
                OrgDepartment.portal_id == portal_id, OrgDepartment.b24_id == 13))
            assert berlin is not None and berlin.is_store
            berlin.time_zone_override = "Europe/Berlin"
            template = save_template(session, portal_id, TemplateInput("Открытие", ITEMS),
                                     clock.now())
            errors = bulk_apply(session, portal_id, [10, 11, 12, 13], ScheduleChange(
                enabled=True, template_id=template.id, create_at="08:00", deadline="10:00"),
                clock.now())
            assert errors == {}
            template_id = template.id
        yield Env(services, portal_id, server, clock, template_id)
