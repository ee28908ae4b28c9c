"""A small retail chain in the sandbox portal, served over real HTTP, for org tests.

    1 Сеть (head 100)
    ├── 2 Россия (head 101)
    │   └── 3 Центр (head 102)
    │       └── 4 Москва (head 103)
    │           ├── 10 Магазин Тверская (head 110)
    │           └── 11 Магазин Арбат (vacant)
    ├── 6 Казахстан (head 101: the same person heads two countries)
    │   └── 7 Юг (head 102)
    │       └── 8 Алматы (head 112: the store's own manager)
    │           └── 12 Магазин Абая (head 112)
    └── 5 HR (leaf directly under the company: not a store)
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sandbox.limits import Limits
from sandbox.runtime import Sandbox
from sandbox.server import RunningServer
from sandbox.state import Department, Portal, User, Webhook

HOOK = "orgtesthook00001"
DEPARTMENTS = [(1, "Сеть", None, 100), (2, "Россия", 1, 101), (3, "Центр", 2, 102),
               (4, "Москва", 3, 103), (10, "Магазин Тверская", 4, 110), (11, "Магазин Арбат", 4, None),
               (6, "Казахстан", 1, 101), (7, "Юг", 6, 102), (8, "Алматы", 7, 112),
               (12, "Магазин Абая", 8, 112), (5, "HR", 1, 200)]
USERS = [
    # id, last name, position, departments, active
    (1, "Админов", "Администратор портала", [1], True),
    (100, "Главный", "Генеральный директор", [1], True),
    (101, "Страновой", "Директор по странам", [2, 6], True),
    (102, "Региональный", "Региональный директор", [3, 7], True),
    (103, "Городской", "Директор города", [4], True),
    (110, "Тверской", "Управляющий магазином", [10], True),
    (111, "Замов", "Заместитель управляющего", [10], True),
    (113, "Замова", "заместитель  Управляющего ", [10], True),
    (114, "Админ", "Администратор магазина", [10], True),
    (115, "Продавцов", "Продавец-консультант", [10], True),
    (116, "Уволенный", "Продавец-консультант", [10], False),
    (120, "Арбатов", "Заместитель управляющего", [11], True),
    (121, "Кассиров", "Кассир", [11], True),
    (112, "Абаев", "Управляющий магазином", [12, 8], True),
    (122, "Алматинский", "Продавец-консультант", [12], True),
    (200, "Кадров", "HR-менеджер", [5], True),
]


def chain_portal() -> Portal:
    """Return the chain above as a fresh sandbox portal state."""
    portal = Portal(member_id="orgtest0123456789abcdef0123456789", domain="org.bitrix24.test")
    registered = datetime(2020, 1, 1, tzinfo=timezone.utc)
    for dep_id, name, parent, head in DEPARTMENTS:
        portal.departments[dep_id] = Department(id=dep_id, name=name, parent=parent, head=head)
    for user_id, last_name, position, departments, active in USERS:
        portal.users[user_id] = User(id=user_id, email=f"u{user_id}@example.com", name=f"Имя{user_id}",
                                     last_name=last_name, work_position=position,
                                     departments=departments, active=active, is_admin=user_id == 1,
                                     date_register=registered,
                                     time_zone="Asia/Almaty" if user_id == 122 else "")
    portal.next_ids.update({"department": 20, "user": 300})
    portal.webhooks[HOOK] = Webhook(code=HOOK, user_id=1, scopes=[])
    return portal


def start_server(portal: Portal, limits: str = "off") -> RunningServer:
    """Start a sandbox server for ``portal`` on a free port."""
    sandbox = Sandbox(portal)
    return RunningServer(sandbox, "127.0.0.1", 0, Limits(limits, sandbox.clock.timestamp)).start()


def point_portal_at(session_factory: Any, portal_id: int, server: RunningServer) -> None:
    """Make the test portal row a webhook portal of the running sandbox."""
    from b24app.models import Portal as PortalRow

    with session_factory.begin() as session:
        row = session.get(PortalRow, portal_id)
        row.auth_kind = "webhook"
        row.webhook_url = f"{server.base_url}/rest/1/{HOOK}/"
