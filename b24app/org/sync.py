"""Sync the org model from Bitrix24: read everything with no transaction open, then apply
the difference (insert, update, deactivate) in one transaction.

``sync_org`` reads all departments and all active users (see ``fetch`` for the request
budget); users missing from the active list are marked inactive, departments missing from the
list are marked deleted. ``sync_store`` refreshes one store at once (one HTTP request for a
normal store), e.g. right after HR dismisses someone there.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ..bitrix.commands import Command
from .apply import apply_departments, apply_users, replace_memberships
from .fetch import ACTIVE_USERS, ACTIVE_USERS_SPEC, DEPARTMENTS, fetch_lists
from .models import OrgDepartment, OrgMembership, OrgUser
from .settings import get_org_settings, guess_role_departments
from .structure import recompute_structure

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient


@dataclass
class SyncReport:
    """What a sync read and changed, and what it cost."""
    departments: int = 0
    users: int = 0
    departments_added: int = 0
    departments_changed: int = 0
    departments_removed: int = 0
    users_added: int = 0
    users_changed: int = 0
    users_deactivated: int = 0
    http_requests: int = 0
    page_commands: int = 0
    useful_pages: int = 0


def sync_org(session_factory: sessionmaker[Session], client: PortalClient, portal_id: int,
             now: datetime, *, timings: dict[str, float] | None = None) -> SyncReport:
    """Read all departments and active users, then apply the difference in one transaction.

    ``timings``, when given, receives the seconds spent reading ("fetch") and writing ("apply").
    """
    started = time.perf_counter()
    with session_factory() as session:
        expected = {
            DEPARTMENTS.name: _count(session, OrgDepartment, portal_id),
            ACTIVE_USERS_SPEC.name: _count(session, OrgUser, portal_id)}
    requests_before = client.requests_sent
    fetched = fetch_lists(client, [DEPARTMENTS, ACTIVE_USERS_SPEC], expected)
    report = SyncReport(http_requests=client.requests_sent - requests_before,
                        page_commands=fetched.page_commands, useful_pages=fetched.useful_pages)
    departments = fetched.rows[DEPARTMENTS.name]
    users = [u for u in fetched.rows[ACTIVE_USERS_SPEC.name] if _is_employee(u)]
    report.departments, report.users = len(departments), len(users)
    fetched_at = time.perf_counter()
    with session_factory.begin() as session:
        apply_departments(session, portal_id, departments, now, report, complete=True)
        apply_users(session, portal_id, users, now, report, deactivate_others=None)
        replace_memberships(session, portal_id, users, scope=None)
        guess_role_departments(session, portal_id)
        recompute_structure(session, portal_id)
        settings = get_org_settings(session, portal_id)
        settings.synced_at = now
        settings.sync_requested_at = None
        settings.last_sync_error = ""
    if timings is not None:
        timings.update(fetch=fetched_at - started, apply=time.perf_counter() - fetched_at)
    return report


def sync_store(session_factory: sessionmaker[Session], client: PortalClient, portal_id: int,
               store_id: int, now: datetime) -> SyncReport:
    """Refresh one department and its people: joiners, leavers and dismissals."""
    with session_factory() as session:
        known = list(session.scalars(select(OrgMembership.user_b24_id).where(
            OrgMembership.portal_id == portal_id, OrgMembership.department_b24_id == store_id)))
    commands = [Command("dept", "department.get", {"ID": store_id}),
                Command("staff", "user.get", {"FILTER": {**ACTIVE_USERS, "UF_DEPARTMENT": store_id},
                                              "ADMIN_MODE": "True"})]
    # Former members that are still active elsewhere must stay active (moved, not dismissed).
    commands += [Command(f"known{i}", "user.get",
                         {"FILTER": {**ACTIVE_USERS, "ID": known[i:i + 50]}, "ADMIN_MODE": "True"})
                 for i in range(0, len(known), 50)]
    requests_before = client.requests_sent
    results = client.run_commands(commands)
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for command in commands:
        outcome = results[command.key]
        if outcome.error is not None:
            raise outcome.error
        rows[command.key] = list(outcome.result or [])
        if outcome.next is not None:       # more than 50 people: read the whole list
            rows[command.key] = client.list_all(command.method, dict(command.params or {}))
    staff = [u for u in rows["staff"] if _is_employee(u)]
    others = [u for key, found in rows.items() if key.startswith("known") for u in found]
    people = list({str(u["ID"]): u for u in staff + others}.values())
    report = SyncReport(http_requests=client.requests_sent - requests_before,
                        page_commands=len(commands), departments=len(rows["dept"]),
                        users=len(staff))
    with session_factory.begin() as session:
        apply_departments(session, portal_id, rows["dept"], now, report, complete=False)
        apply_users(session, portal_id, people, now, report, deactivate_others=known)
        replace_memberships(session, portal_id, people, scope=store_id)
        recompute_structure(session, portal_id)
    return report


def _count(session: Session, model: type[OrgDepartment] | type[OrgUser], portal_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(
        model.portal_id == portal_id, model.active.is_(True))) or 0)


def _is_employee(row: Mapping[str, Any]) -> bool:
    # Extranet and e-mail users are not staff of any store (user.get USER_TYPE).
    return str(row.get("USER_TYPE") or "employee") == "employee"


def request_sync(session: Session, portal_id: int, now: datetime) -> None:
    """Ask the org_sync job to sync this portal at its next run (install, admin button)."""
    get_org_settings(session, portal_id).sync_requested_at = now


__all__ = ["SyncReport", "sync_org", "sync_store", "request_sync"]
