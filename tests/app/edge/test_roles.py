"""Roles and scopes from the org model: each role sees only its own stores or people."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from b24app.org.models import OrgDepartment, OrgMembership, OrgUser
from b24app.org.positions import position_key
from b24app.org.settings import get_org_settings
from b24app.org.structure import recompute_structure
from b24app.page_auth import PageSession
from b24app.roles import (ADMIN, HR, MERCHANDISER, OFFICE_SENDER, STORE_MANAGER, SUPERIOR, Caller,
                          caller_for, set_hr_division)

# Компания(1) → Россия(2) → Центр(3) → Москва(4) → stores 10, 11
#                        → Урал(5) → Екатеринбург(6) → store 12
#            → HQ(20) → HR(21), Мерчендайзинг(22), Офис(23)
DEPARTMENTS = [(1, "Компания", None, 900), (2, "Россия", 1, 902), (3, "Центр", 2, 903),
               (4, "Москва", 3, None), (5, "Урал", 2, 905), (6, "Екатеринбург", 5, None),
               (10, "Магазин А", 4, 110), (11, "Магазин Б", 4, 111), (12, "Магазин В", 6, 112),
               (20, "Головной офис", 1, None), (21, "HR", 20, None), (22, "Мерчендайзинг", 20, None),
               (23, "Офис", 20, None)]
USERS = [(900, "Генеральный", [1]), (902, "Страна", [2]), (903, "Регион Центр", [3]),
         (905, "Регион Урал", [5]), (110, "Управляющий А", [10]), (111, "Управляющий Б", [11]),
         (112, "Управляющий В", [12]), (120, "Продавец", [10]), (210, "Кадровик", [21]),
         (211, "Кадровик Урала", [21]), (220, "Мерчендайзер", [22]), (230, "Офис", [23])]


@pytest.fixture
def org(session_factory: sessionmaker[Session], portal_id: int) -> int:
    with session_factory.begin() as session:
        for b24_id, name, parent, head in DEPARTMENTS:
            session.add(OrgDepartment(portal_id=portal_id, b24_id=b24_id, name=name,
                                      parent_b24_id=parent, head_user_id=head))
        for b24_id, name, departments in USERS:
            session.add(OrgUser(portal_id=portal_id, b24_id=b24_id, name=name, work_position="",
                                position_key=position_key(""), departments=departments))
            for dept in departments:
                session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept, user_b24_id=b24_id))
        settings = get_org_settings(session, portal_id)
        settings.hr_department_ids = [21]
        settings.merch_department_ids = [22]
        settings.excluded_department_ids = [23]
        session.flush()
        recompute_structure(session, portal_id)
    return portal_id


def caller(factory: sessionmaker[Session], portal_id: int, user_id: int, is_admin: bool = False) -> Caller:
    with factory.begin() as session:
        return caller_for(session, PageSession(portal_id, user_id, is_admin, "ru"))


def test_a_store_manager_sees_only_their_store(session_factory: sessionmaker[Session], org: int) -> None:
    manager = caller(session_factory, org, 110)
    assert manager.roles == {STORE_MANAGER}
    assert manager.store_scope() == {10}
    assert manager.can_see_store(10) and not manager.can_see_store(11)


def test_a_superior_sees_the_stores_of_their_subtree(session_factory: sessionmaker[Session], org: int) -> None:
    assert caller(session_factory, org, 903).store_scope() == {10, 11}
    assert caller(session_factory, org, 905).store_scope() == {12}
    country = caller(session_factory, org, 902)
    assert country.roles == {SUPERIOR} and country.store_scope() == {10, 11, 12}


def test_staff_without_a_role_see_nothing(session_factory: sessionmaker[Session], org: int) -> None:
    seller = caller(session_factory, org, 120)
    assert seller.roles == frozenset() and seller.store_scope() == frozenset()
    assert not seller.can_see_store(10) and not seller.can_see_department(10)


def test_an_admin_sees_everything(session_factory: sessionmaker[Session], org: int) -> None:
    admin = caller(session_factory, org, 120, is_admin=True)
    assert {ADMIN, OFFICE_SENDER} <= admin.roles
    assert admin.store_scope() is None and admin.can_see_store(12) and admin.can_see_department(23)


def test_an_hr_officer_covers_the_company_or_their_division(session_factory: sessionmaker[Session],
                                                           org: int) -> None:
    everyone = caller(session_factory, org, 210)
    assert HR in everyone.roles and everyone.store_scope(HR) is None
    with session_factory.begin() as session:
        set_hr_division(session, org, 211, 5)
    ural = caller(session_factory, org, 211)
    assert ural.store_scope(HR) == {12}
    assert ural.can_see_department(6) and not ural.can_see_department(4)
    with session_factory.begin() as session:
        set_hr_division(session, org, 211, None)
    assert caller(session_factory, org, 211).store_scope(HR) is None


def test_merchandisers_and_office_senders_come_from_the_org_settings(
        session_factory: sessionmaker[Session], org: int) -> None:
    merch = caller(session_factory, org, 220)
    assert MERCHANDISER in merch.roles and OFFICE_SENDER in merch.roles   # HQ by default
    assert caller(session_factory, org, 230).roles == {OFFICE_SENDER}
    assert OFFICE_SENDER not in caller(session_factory, org, 110).roles
    with session_factory.begin() as session:
        get_org_settings(session, org).sender_policy = {"admins": False, "department_ids": [10], "positions": []}
    assert OFFICE_SENDER in caller(session_factory, org, 120).roles
    assert OFFICE_SENDER not in caller(session_factory, org, 230).roles
    assert OFFICE_SENDER not in caller(session_factory, org, 900, is_admin=True).roles


def test_scopes_can_be_asked_per_role(session_factory: sessionmaker[Session], org: int) -> None:
    both = caller(session_factory, org, 112)
    assert both.store_scope(SUPERIOR) == frozenset() and both.store_scope(STORE_MANAGER) == {12}
