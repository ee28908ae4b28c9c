"""Roles of a page caller, read from the synced org model and the org settings.

- ``admin``: the portal says so (``user.admin`` at the placement POST); sees everything.
- ``hr``: a member of an HR department (org settings); division = a department subtree set per
  officer (``HrDivision``), by default the whole company.
- ``store_manager``: head (UF_HEAD) of a store department; scope = those stores.
- ``superior``: head of a department with stores below; scope = the stores of that subtree.
- ``merchandiser``: a member of a merchandising department (org settings); the merchandising
  routine narrows them to their pools.
- ``office_sender``: may send fan-outs; the org settings' sender policy (admins, departments,
  positions), by default admins plus members of the HQ departments (HR, merchandising and the
  excluded office departments).
Each role sees and changes only its scope: views ask ``caller.can_see_store(id)`` or use
``caller.store_scope()`` instead of reading roles themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .install_models import HrDivision
from .org.models import OrgDepartment, OrgSettings, OrgUser
from .org.positions import position_key
from .org.queries import department, departments_headed_by, stores, user
from .org.settings import get_org_settings
from .page_auth import PageSession

ADMIN = "admin"
HR = "hr"
STORE_MANAGER = "store_manager"
SUPERIOR = "superior"
MERCHANDISER = "merchandiser"
OFFICE_SENDER = "office_sender"
ALL_ROLES = frozenset({ADMIN, HR, STORE_MANAGER, SUPERIOR, MERCHANDISER, OFFICE_SENDER})


@dataclass(frozen=True)
class Caller:
    """The user behind a page request, with their roles and the stores each role covers."""
    portal_id: int
    user_id: int
    lang: str
    name: str = ""
    roles: frozenset[str] = frozenset()
    managed_store_ids: frozenset[int] = frozenset()
    superior_store_ids: frozenset[int] = frozenset()
    # None: the whole company (the default for an HR officer without a configured division).
    hr_division_root: int | None = None
    hr_store_ids: frozenset[int] = frozenset()
    hr_department_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    def has_role(self, *roles: str) -> bool:
        """Return True if the caller holds at least one of ``roles``."""
        return any(role in self.roles for role in roles)

    def store_scope(self, *roles: str) -> frozenset[int] | None:
        """Return the stores the caller covers through ``roles`` (default: all their roles).

        None means every store (an admin, or an HR officer of the whole company).
        """
        wanted = set(roles) if roles else set(self.roles)
        if ADMIN in wanted and self.is_admin:
            return None
        if HR in wanted and HR in self.roles and self.hr_division_root is None:
            return None
        scope: set[int] = set()
        if STORE_MANAGER in wanted:
            scope |= self.managed_store_ids
        if SUPERIOR in wanted:
            scope |= self.superior_store_ids
        if HR in wanted and HR in self.roles:
            scope |= self.hr_store_ids
        return frozenset(scope)

    def can_see_store(self, store_id: int, *roles: str) -> bool:
        """Return True if ``store_id`` is within the caller's scope through ``roles``."""
        scope = self.store_scope(*roles)
        return scope is None or store_id in scope

    def can_see_department(self, department_id: int) -> bool:
        """Return True if an HR officer (or admin) may see people of ``department_id``."""
        if self.is_admin or (HR in self.roles and self.hr_division_root is None):
            return True
        return HR in self.roles and department_id in self.hr_department_ids


def caller_for(session: Session, page: PageSession) -> Caller:
    """Work out the roles and scopes of the user of a page session."""
    settings = get_org_settings(session, page.portal_id)
    member = user(session, page.portal_id, page.user_id)
    active_member = member is not None and member.active
    memberships = set(member.departments) if member is not None and active_member else set()
    roles: set[str] = {ADMIN} if page.is_admin else set()

    managed: set[int] = set()
    below: set[int] = set()
    for dept_id in departments_headed_by(session, page.portal_id, page.user_id) if active_member else []:
        dept = department(session, page.portal_id, dept_id)
        if dept is None:
            continue
        if dept.is_store:
            managed.add(dept.b24_id)
        else:
            below |= {s.b24_id for s in stores(session, page.portal_id, under=dept.b24_id)}
    if managed:
        roles.add(STORE_MANAGER)
    if below:
        roles.add(SUPERIOR)

    hr_root: int | None = None
    hr_stores: frozenset[int] = frozenset()
    hr_departments: frozenset[int] = frozenset()
    if memberships & set(settings.hr_department_ids):
        roles.add(HR)
        hr_root = session.scalar(select(HrDivision.root_department_id).where(
            HrDivision.portal_id == page.portal_id, HrDivision.user_id == page.user_id))
        if hr_root is not None:
            hr_departments = frozenset(_subtree_department_ids(session, page.portal_id, hr_root))
            hr_stores = frozenset(s.b24_id for s in stores(session, page.portal_id, under=hr_root))
    if memberships & set(settings.merch_department_ids):
        roles.add(MERCHANDISER)
    if _may_send(settings, page.is_admin, memberships, member if active_member else None):
        roles.add(OFFICE_SENDER)

    return Caller(portal_id=page.portal_id, user_id=page.user_id, lang=page.lang,
                  name=page.name or (member.full_name if member is not None else ""),
                  roles=frozenset(roles), managed_store_ids=frozenset(managed),
                  superior_store_ids=frozenset(below), hr_division_root=hr_root,
                  hr_store_ids=hr_stores, hr_department_ids=hr_departments)


def set_hr_division(session: Session, portal_id: int, user_id: int, root_department_id: int | None) -> None:
    """Limit an HR officer to a department subtree, or (None) give them the whole company."""
    row = session.scalar(select(HrDivision).where(HrDivision.portal_id == portal_id,
                                                  HrDivision.user_id == user_id))
    if root_department_id is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(HrDivision(portal_id=portal_id, user_id=user_id, root_department_id=root_department_id))
    else:
        row.root_department_id = root_department_id
    session.flush()


def _may_send(settings: OrgSettings, is_admin: bool, memberships: set[int], member: OrgUser | None) -> bool:
    policy = settings.sender_policy or {}
    if is_admin and policy.get("admins", True):
        return True
    if member is None:
        return False
    departments = set(_ints(policy.get("department_ids") or []))
    positions = {position_key(p) for p in policy.get("positions") or [] if str(p).strip()}
    if not departments and not positions:
        # Default: the head office, i.e. the departments the org settings keep out of the store tree.
        departments = set(_ints([*settings.hr_department_ids, *settings.merch_department_ids,
                                 *settings.excluded_department_ids]))
    return bool(memberships & departments) or (bool(positions) and member.position_key in positions)


def _subtree_department_ids(session: Session, portal_id: int, root_id: int) -> list[int]:
    root = department(session, portal_id, root_id)
    if root is None:
        return []
    return list(session.scalars(select(OrgDepartment.b24_id).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True),
        OrgDepartment.path.startswith(root.path, autoescape=True))))


def _ints(values: Iterable[object]) -> list[int]:
    result: list[int] = []
    for value in values:
        try:
            result.append(int(str(value)))
        except ValueError:
            continue
    return result
