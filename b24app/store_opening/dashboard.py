"""The dashboard: today by country → region → city → store, and 7/30-day history.

Everything counted comes from the ledger (one row per expected store × local date); the
schedule is read only to say "not due yet" for stores whose creation time is still ahead.
Each viewer sees the stores of the departments they head (an admin sees every store).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import ledger
from ..org import queries as org
from ..org.models import OrgDepartment
from .generation import store_zone
from .models import AWAITING_APPROVAL, ROUTINE, OpeningTask, StoreSchedule
from .schedule_admin import schedules_by_store
from .schedules import is_closed, local_date_of, matches_frequency, occurrence, rule_of

NOT_DUE_YET = "not_due_yet"
OPEN = "open"
OVERDUE = "overdue"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
MISSED = "missed"
NOT_CREATED = "not_created"
NO_TASK_TODAY = "no_task_today"
STATUSES = (NOT_DUE_YET, OPEN, OVERDUE, DONE_ON_TIME, DONE_LATE, MISSED, NOT_CREATED)

_BY_OUTCOME = {ledger.DONE_ON_TIME: DONE_ON_TIME, ledger.DONE_LATE: DONE_LATE,
               ledger.MISSED: MISSED, ledger.CREATED: OPEN}


@dataclass
class StoreToday:
    store_id: int
    name: str
    country: str
    region: str
    city: str
    local_date: date
    status: str
    reason: str = ""
    task_id: int | None = None
    responsible_id: int | None = None
    awaiting_approval: bool = False


@dataclass
class Counts:
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    def add(self, status: str) -> None:
        if status in self.by_status:
            self.by_status[status] += 1

    @property
    def counted(self) -> int:
        """Slots that had to be done by now: finished, overdue, missed or never created."""
        return sum(self.by_status[s] for s in (DONE_ON_TIME, DONE_LATE, MISSED, OVERDUE,
                                               NOT_CREATED))

    @property
    def percent_on_time(self) -> int | None:
        return round(100 * self.by_status[DONE_ON_TIME] / self.counted) if self.counted else None


@dataclass
class Group:
    """A country, region or city with its children and summed counts."""
    name: str
    level: str
    counts: Counts = field(default_factory=Counts)
    children: dict[str, Group] = field(default_factory=dict)
    stores: list[StoreToday] = field(default_factory=list)


def visible_store_ids(session: Session, portal_id: int, user_id: int,
                      is_admin: bool) -> set[int] | None:
    """Return the stores a viewer may see; None means every store (admin)."""
    if is_admin:
        return None
    visible: set[int] = set()
    for dept_id in org.departments_headed_by(session, portal_id, user_id):
        visible.update(org.subtree_store_ids(session, portal_id, dept_id))
    return visible


def _stores(session: Session, portal_id: int, visible: Collection[int] | None) -> list[OrgDepartment]:
    return [s for s in org.stores(session, portal_id) if visible is None or s.b24_id in visible]


def today(session: Session, portal_id: int, now: datetime,
          visible: Collection[int] | None = None) -> list[StoreToday]:
    """Return each visible store's status for its own local today."""
    stores = _stores(session, portal_id, visible)
    schedules = schedules_by_store(session, portal_id)
    dates = {s.b24_id: local_date_of(now, store_zone(s)) for s in stores}
    slots = {(slot.store_id, slot.local_date): slot for slot in session.scalars(
        select(ledger.LedgerSlot).where(
            ledger.LedgerSlot.portal_id == portal_id, ledger.LedgerSlot.routine == ROUTINE,
            ledger.LedgerSlot.local_date.in_(set(dates.values()))))}
    tasks = {(t.store_id, t.local_date): t for t in session.scalars(select(OpeningTask).where(
        OpeningTask.portal_id == portal_id, OpeningTask.local_date.in_(set(dates.values()))))}
    rows: list[StoreToday] = []
    for store in stores:
        day = dates[store.b24_id]
        row = StoreToday(store.b24_id, store.name, store.country, store.region, store.city, day,
                         NO_TASK_TODAY)
        slot = slots.get((store.b24_id, day))
        task = tasks.get((store.b24_id, day))
        if slot is not None:
            row.status = _BY_OUTCOME.get(slot.outcome, NOT_CREATED)
            row.reason = slot.reason
            if row.status == NOT_CREATED and slot.outcome != ledger.SKIPPED:
                row.reason = slot.outcome
            row.task_id = slot.task_id
            if row.status == OPEN and slot.due_at is not None and now > slot.due_at:
                row.status = OVERDUE
        else:
            row.status = _before_slot(schedules.get(store.b24_id), store, day, now)
        if task is not None:
            row.responsible_id = task.responsible_id
            row.awaiting_approval = task.state == AWAITING_APPROVAL
        rows.append(row)
    return rows


def _before_slot(schedule: StoreSchedule | None, store: OrgDepartment, day: date,
                 now: datetime) -> str:
    if schedule is None:
        return NO_TASK_TODAY
    rule = rule_of(schedule)
    if not matches_frequency(rule, day) or is_closed(rule, day):
        return NO_TASK_TODAY
    return NOT_DUE_YET if now < occurrence(rule, day, store_zone(store)).create_at else NOT_CREATED


def tree(rows: Iterable[StoreToday]) -> Group:
    """Group store rows by country → region → city and sum the counts at every level."""
    root = Group("", "all")
    for row in rows:
        path = [root]
        node = root
        for level, name in (("country", row.country), ("region", row.region), ("city", row.city)):
            node = node.children.setdefault(name or "—", Group(name or "—", level))
            path.append(node)
        node.stores.append(row)
        for group in path:
            group.counts.add(row.status)
    return root


@dataclass
class HistoryRow:
    """On-time figures of one store or one superior over a period."""
    key: int
    name: str
    counts: dict[str, int]

    @property
    def counted(self) -> int:
        return sum(v for k, v in self.counts.items() if k not in (ledger.SKIPPED, ledger.EXPECTED))

    @property
    def percent_on_time(self) -> int | None:
        on_time = self.counts.get(ledger.DONE_ON_TIME, 0)
        return round(100 * on_time / self.counted) if self.counted else None


def history(session: Session, portal_id: int, end: date, days: int,
            visible: Collection[int] | None = None) -> tuple[list[HistoryRow], list[HistoryRow]]:
    """Return (per store, per superior) outcome counts for the ``days`` local dates up to ``end``."""
    stores = _stores(session, portal_id, visible)
    counts = ledger.outcome_counts_by_store(
        session, portal_id, ROUTINE, store_ids=[s.b24_id for s in stores],
        date_from=end - timedelta(days=days - 1), date_to=end)
    per_store = [HistoryRow(s.b24_id, s.name, counts.get(s.b24_id, {})) for s in stores]
    per_superior: dict[int, HistoryRow] = {}
    for store in stores:
        for head in org.superiors_chain(session, portal_id, store.b24_id):
            entry = per_superior.setdefault(head, HistoryRow(head, _user_name(session, portal_id,
                                                                              head), {}))
            for outcome, value in counts.get(store.b24_id, {}).items():
                entry.counts[outcome] = entry.counts.get(outcome, 0) + value
    return per_store, sorted(per_superior.values(), key=lambda r: r.name)


def _user_name(session: Session, portal_id: int, user_id: int) -> str:
    found = org.user(session, portal_id, user_id)
    return found.full_name if found is not None and found.full_name else f"#{user_id}"
