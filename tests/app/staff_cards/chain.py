"""A small retail chain for the staff cards tests, as org rows and as a sandbox portal.

    1 Сеть (head 100)
    ├── 2 Россия (101) → 3 Центр (102) → 4 Москва (103)
    │       ├── 10 Магазин Тверская (head 110): deputy 111, seller 112, cashier 113, former 114
    │       └── 11 Магазин Арбат (head 120): seller 121
    ├── 6 Казахстан (101) → 7 Юг (102) → 8 Алматы (104)
    │       └── 12 Магазин Абая (head 130): seller 131
    └── 5 HR (head 200): officer 200 (whole company), officer 201 (division: Казахстан)
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from b24app.org.models import OrgDepartment, OrgMembership, OrgUser
from b24app.org.positions import position_key
from b24app.org.settings import get_org_settings
from b24app.org.structure import recompute_structure
from b24app.roles import set_hr_division
from sandbox.state import Department, Portal, User, Webhook

STORE_A, STORE_B, STORE_KZ = 10, 11, 12
MANAGER_A, DEPUTY_A, SELLER_A, CASHIER_A, FORMER_A = 110, 111, 112, 113, 114
MANAGER_B, SELLER_B = 120, 121
MANAGER_KZ, SELLER_KZ = 130, 131
HR_ALL, HR_KZ = 200, 201
HR_DEPARTMENT = 5
KAZAKHSTAN = 6
HOOK = "staffcardshook001"
HIRED = "2019-03-01"        # everyone's UF_EMPLOYMENT_DATE

DEPARTMENTS = [(1, "Сеть", None, 100), (2, "Россия", 1, 101), (3, "Центр", 2, 102),
               (4, "Москва", 3, 103), (STORE_A, "Магазин Тверская", 4, MANAGER_A),
               (STORE_B, "Магазин Арбат", 4, MANAGER_B), (6, "Казахстан", 1, 101),
               (7, "Юг", 6, 102), (8, "Алматы", 7, 104), (STORE_KZ, "Магазин Абая", 8, MANAGER_KZ),
               (HR_DEPARTMENT, "HR", 1, HR_ALL)]
USERS = [
    # id, last name, first name, position, departments, active
    (1, "Админов", "Админ", "Администратор портала", [1], True),
    (100, "Главный", "Пётр", "Генеральный директор", [1], True),
    (101, "Страновой", "Иван", "Директор по странам", [2, 6], True),
    (102, "Региональный", "Олег", "Региональный директор", [3, 7], True),
    (103, "Городской", "Семён", "Директор города", [4], True),
    (104, "Алматинский", "Ерлан", "Директор города", [8], True),
    (MANAGER_A, "Тверской", "Антон", "Управляющий магазином", [STORE_A], True),
    (DEPUTY_A, "Замов", "Борис", "Заместитель управляющего", [STORE_A], True),
    (SELLER_A, "Продавцова", "Вера", "Продавец-консультант", [STORE_A], True),
    (CASHIER_A, "Кассиров", "Глеб", "Кассир", [STORE_A], True),
    (FORMER_A, "Бывший", "Денис", "Продавец-консультант", [STORE_A], False),
    (MANAGER_B, "Арбатов", "Егор", "Управляющий магазином", [STORE_B], True),
    (SELLER_B, "Арбатова", "Жанна", "Продавец-консультант", [STORE_B], True),
    (MANAGER_KZ, "Абаев", "Нурлан", "Управляющий магазином", [STORE_KZ], True),
    (SELLER_KZ, "Сейтова", "Айгуль", "Продавец-консультант", [STORE_KZ], True),
    (HR_ALL, "Кадрова", "Зоя", "HR-менеджер", [HR_DEPARTMENT], True),
    (HR_KZ, "Кадров", "Марат", "HR-менеджер", [HR_DEPARTMENT], True),
]


def email_of(user_id: int) -> str:
    return f"u{user_id}@example.com"


def seed_org(session: Session, portal_id: int) -> None:
    """Write the chain into the org model and make 5 the HR department (201: Kazakhstan only)."""
    for dep_id, name, parent, head in DEPARTMENTS:
        session.add(OrgDepartment(portal_id=portal_id, b24_id=dep_id, name=name,
                                  parent_b24_id=parent, head_user_id=head))
    for user_id, last, first, position, departments, active in USERS:
        session.add(OrgUser(portal_id=portal_id, b24_id=user_id, name=first, last_name=last,
                            email=email_of(user_id), work_position=position,
                            position_key=position_key(position), departments=departments,
                            active=active, personal_mobile="+79990000000",
                            employment_date=HIRED))
        if active:
            for dept in departments:
                session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept,
                                          user_b24_id=user_id))
    session.flush()
    configure_roles(session, portal_id)


def configure_roles(session: Session, portal_id: int) -> None:
    """Make department 5 the HR department and limit officer 201 to Kazakhstan."""
    get_org_settings(session, portal_id).hr_department_ids = [HR_DEPARTMENT]
    session.flush()
    recompute_structure(session, portal_id)
    set_hr_division(session, portal_id, HR_KZ, KAZAKHSTAN)
    session.flush()


def chain_portal() -> Portal:
    """Return the chain as a fresh sandbox portal (admin webhook HOOK acts as user 1)."""
    portal = Portal(member_id="staffcards0123456789abcdef012345", domain="staff.bitrix24.test")
    registered = datetime(2020, 1, 1, tzinfo=timezone.utc)
    for dep_id, name, parent, head in DEPARTMENTS:
        portal.departments[dep_id] = Department(id=dep_id, name=name, parent=parent, head=head)
    for user_id, last, first, position, departments, active in USERS:
        portal.users[user_id] = User(id=user_id, email=email_of(user_id), name=first,
                                     last_name=last, work_position=position,
                                     departments=departments, active=active,
                                     is_admin=user_id == 1, date_register=registered,
                                     extra={"UF_EMPLOYMENT_DATE": f"{HIRED}T00:00:00+03:00"})
    portal.next_ids.update({"department": 20, "user": 300})
    portal.webhooks[HOOK] = Webhook(code=HOOK, user_id=1, scopes=[])
    return portal
