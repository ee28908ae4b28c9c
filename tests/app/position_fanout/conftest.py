"""A small chain in the org model: Россия → Центр/Урал → cities → stores, with staff."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from b24app.org.models import OrgDepartment, OrgMembership, OrgUser
from b24app.org.positions import position_key
from b24app.org.structure import recompute_structure

MANAGER = "Управляющий магазином"


@dataclass(frozen=True)
class Chain:
    """IDs of the seeded departments and people."""
    country: int = 2
    center: int = 3
    moscow: int = 4
    ural: int = 5
    yekaterinburg: int = 6
    store_a: int = 10       # Москва: manager 101 (canonical spelling), cashier 102
    store_b: int = 11       # Москва: manager 103 (variant spelling), dismissed manager 104
    store_c: int = 12       # Екатеринбург: manager 105, also member of store_a
    store_empty: int = 13   # Екатеринбург: only a cashier 106
    sender: int = 1


def add_department(session: Session, portal_id: int, b24_id: int, name: str,
                   parent: int | None) -> None:
    session.add(OrgDepartment(portal_id=portal_id, b24_id=b24_id, name=name, parent_b24_id=parent))


def add_user(session: Session, portal_id: int, b24_id: int, name: str, position: str,
             departments: list[int], active: bool = True) -> None:
    session.add(OrgUser(portal_id=portal_id, b24_id=b24_id, name=name, last_name=f"Фамилия{b24_id}",
                        work_position=position, position_key=position_key(position),
                        departments=departments, active=active))
    for dept in departments:
        session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept, user_b24_id=b24_id))


def seed_chain(session: Session, portal_id: int) -> Chain:
    chain = Chain()
    add_department(session, portal_id, 1, "Компания", None)
    add_department(session, portal_id, 2, "Россия", 1)
    add_department(session, portal_id, 3, "Центр", 2)
    add_department(session, portal_id, 4, "Москва", 3)
    add_department(session, portal_id, 5, "Урал", 2)
    add_department(session, portal_id, 6, "Екатеринбург", 5)
    add_department(session, portal_id, 10, "Магазин А", 4)
    add_department(session, portal_id, 11, "Магазин Б", 4)
    add_department(session, portal_id, 12, "Магазин В", 6)
    add_department(session, portal_id, 13, "Магазин Г", 6)
    add_user(session, portal_id, 1, "Отправитель", "Менеджер", [1])
    add_user(session, portal_id, 101, "Анна", MANAGER, [10])
    add_user(session, portal_id, 102, "Борис", "Кассир", [10])
    add_user(session, portal_id, 103, "Вера", "управляющий  магазином ", [11])
    add_user(session, portal_id, 104, "Глеб", MANAGER, [11], active=False)
    add_user(session, portal_id, 105, "Дарья", MANAGER, [12, 10])
    add_user(session, portal_id, 106, "Егор", "Кассир", [13])
    session.flush()
    recompute_structure(session, portal_id)
    session.flush()
    return chain


@pytest.fixture
def chain(session_factory: sessionmaker[Session], portal_id: int) -> Chain:
    with session_factory.begin() as session:
        return seed_chain(session, portal_id)


# -- the app's portal row pointed at a running sandbox, with the org model mirrored ------------

import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Iterator  # noqa: E402

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from b24app.models import Portal  # noqa: E402
from tests.sandbox.conftest import SandboxHandle, StartSandbox, start_sandbox  # noqa: E402,F401


def mirror_org(session: Session, portal_id: int, portal: Any) -> None:
    """Copy the sandbox portal's departments and users into the org model (a test-side sync)."""
    for dept in portal.departments.values():
        session.add(OrgDepartment(portal_id=portal_id, b24_id=dept.id, name=dept.name,
                                  parent_b24_id=dept.parent, head_user_id=dept.head))
    for person in portal.users.values():
        add_user_row(session, portal_id, person)
    session.flush()
    recompute_structure(session, portal_id)
    session.flush()


def add_user_row(session: Session, portal_id: int, person: Any) -> None:
    session.add(OrgUser(portal_id=portal_id, b24_id=person.id, name=person.name,
                        last_name=person.last_name, work_position=person.work_position,
                        position_key=position_key(person.work_position),
                        departments=list(person.departments), active=person.active,
                        time_zone=person.time_zone))
    for dept in person.departments:
        session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept, user_b24_id=person.id))


@dataclass
class FanoutEnv:
    sandbox: SandboxHandle
    services: Any
    portal_id: int


@pytest.fixture
def fanout_env(start_sandbox: StartSandbox, make_services: Callable[..., Any],
               session_factory: sessionmaker[Session], portal_id: int) -> Iterator[FanoutEnv]:
    handle = start_sandbox(stores=8, seed=7, limits="off")
    with session_factory.begin() as session:
        portal = session.get(Portal, portal_id)
        assert portal is not None
        portal.webhook_url = handle.admin_webhook
        mirror_org(session, portal_id, handle.portal)
    yield FanoutEnv(handle, make_services(), portal_id)
