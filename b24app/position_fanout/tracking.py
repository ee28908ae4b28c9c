"""Track a campaign: read every copy's state from Bitrix24 in batched reads; summarise it.

State comes from Bitrix24, never from events alone (architecture principle 2): a refresh
lists the copies' tasks with ``tasks.task.list`` filtered by up to 50 IDs a command
(a list page holds 50 rows, rest-facts §3), 50 commands a request, so 2,000 copies cost
one batch request. Overdue is computed, as Bitrix24 does: deadline passed, status not 4/5
(rest-facts §5 "Overdue semantics").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..ledger import DONE_LATE, DONE_ON_TIME, record_outcome
from .kinds import DONE_STATUSES
from .models import (COPY_CREATED, DRAFT, STATE_CLOSED, STATE_DONE, STATE_GONE, STATE_OPEN,
                     STATE_OVERDUE, FanoutCampaign, FanoutCopy)
from .send import slot_ref

if TYPE_CHECKING:
    from ..wiring import Services

IDS_PER_COMMAND = 50
FINAL_STATES = (STATE_GONE, STATE_CLOSED)
# Opening the campaign page reads the state again at most this often (one batch request
# per 2,500 copies); the Refresh button reads it at once.
REFRESH_ON_OPEN_SECONDS = 60


def needs_refresh(campaign: FanoutCampaign, now: datetime) -> bool:
    """True when the page should read the copies' state before showing it."""
    if campaign.status == DRAFT:
        return False
    return (campaign.tracked_at is None
            or (now - campaign.tracked_at).total_seconds() >= REFRESH_ON_OPEN_SECONDS)


def classify(status: int, deadline: datetime | None, now: datetime) -> str:
    """Return open, done or overdue for a task's real status and deadline."""
    if status in DONE_STATUSES:
        return STATE_DONE
    if deadline is not None and deadline < now:
        return STATE_OVERDUE
    return STATE_OPEN


def parse_instant(value: Any) -> datetime | None:
    """Parse a Bitrix24 date-time (ISO 8601 with offset); empty → None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def refresh_commands(task_ids: list[int]) -> list[Command]:
    """Return one tasks.task.list per 50 task IDs."""
    return [Command(f"t{i // IDS_PER_COMMAND}", "tasks.task.list", {
        "filter": {"ID": task_ids[i:i + IDS_PER_COMMAND]},
        "select": ["ID", "STATUS", "DEADLINE", "CLOSED_DATE"],
        "start": -1})
        for i in range(0, len(task_ids), IDS_PER_COMMAND)]


def refresh(services: Services, campaign_id: int, now: datetime) -> int:
    """Read the state of the campaign's sent copies from Bitrix24; return copies read."""
    with services.session_factory() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        if campaign is None:
            return 0
        portal_id = campaign.portal_id
        task_ids = list(session.scalars(select(FanoutCopy.task_id).where(
            FanoutCopy.campaign_id == campaign_id, FanoutCopy.task_id.is_not(None),
            FanoutCopy.state.not_in(FINAL_STATES)).order_by(FanoutCopy.task_id)))
    rows: dict[int, dict[str, Any]] = {}
    if task_ids:
        results = services.bitrix.for_portal(portal_id).run_commands(
            refresh_commands([int(t) for t in task_ids if t is not None]))
        for result in results.values():
            if result.error is not None:
                raise result.error
            for row in (result.result or {}).get("tasks", []):
                rows[int(row["id"])] = row
    with services.session_factory.begin() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        apply_rows(session, campaign, rows, set(int(t) for t in task_ids if t is not None), now)
        if task_ids:
            campaign.tracked_at = now
    return len(task_ids)


def apply_rows(session: Session, campaign: FanoutCampaign, rows: dict[int, dict[str, Any]],
               asked: set[int], now: datetime) -> None:
    """Store each asked copy's state; a task Bitrix24 no longer returns is gone."""
    copies = session.scalars(select(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign.id, FanoutCopy.task_id.in_(list(asked))))
    for copy in copies:
        row = rows.get(int(copy.task_id or 0))
        if row is None:
            copy.state = STATE_GONE
            continue
        status = int(row.get("status") or 0)
        copy.b24_status = status
        copy.state = classify(status, parse_instant(row.get("deadline")), now)
        if copy.state == STATE_DONE:
            closed = parse_instant(row.get("closedDate")) or now
            copy.closed_at = closed
            on_time = campaign.due_at is None or closed <= campaign.due_at
            record_outcome(session, campaign.portal_id, slot_ref(copy),
                           DONE_ON_TIME if on_time else DONE_LATE, now, done_at=closed)


@dataclass(frozen=True)
class StoreLine:
    """One store's copies on the tracking page."""
    store_id: int
    store_name: str
    copies: tuple[FanoutCopy, ...]
    done: int


@dataclass(frozen=True)
class Summary:
    """Counts by state and the percent done among sent copies."""
    counts: dict[str, int]
    sent: int
    percent_done: int
    stores: tuple[StoreLine, ...]


def summary(session: Session, campaign: FanoutCampaign) -> Summary:
    """Return the campaign's copies grouped by store, with counts and percent done."""
    copies = list(session.scalars(select(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign.id).order_by(FanoutCopy.store_name,
                                                        FanoutCopy.user_name)))
    counts = Counter(copy_label(c) for c in copies)
    sent = sum(1 for c in copies if c.status == COPY_CREATED)
    done = counts.get(STATE_DONE, 0)
    by_store: dict[int, list[FanoutCopy]] = {}
    for copy in copies:
        by_store.setdefault(copy.store_id, []).append(copy)
    stores = tuple(StoreLine(sid, group[0].store_name, tuple(group),
                             sum(1 for c in group if c.state == STATE_DONE))
                   for sid, group in by_store.items())
    return Summary(dict(counts), sent, round(100 * done / sent) if sent else 0, stores)


def copy_label(copy: FanoutCopy) -> str:
    """Return what the page shows for a copy: its Bitrix24 state, or why it was not sent."""
    if copy.status != COPY_CREATED:
        return copy.status
    return copy.state or STATE_OPEN
