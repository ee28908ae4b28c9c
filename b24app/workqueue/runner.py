"""Step 2 and 3 of the work queue: send claimed items to Bitrix24, then record outcomes.

Nothing here holds a database transaction while Bitrix24 is called. Command keys of an item
are prefixed with ``w<item id>_`` so the commands of many items share full 50-command
batches without clashing; the kind sees its own local keys again in ``record``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, Union

from sqlalchemy.orm import Session

from ..bitrix.commands import Command, CommandResult, Ref, substitute_refs
from ..bitrix.errors import B24Error, B24TransportError, OperationTimeLimit, PortalUnavailable
from ..db import write_lock
from .kinds import Results, WorkKind, get_kind
from .models import DONE, WorkItem
from .store import claim_ready, load_claimed, park, release_for_retry

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient
    from ..wiring import Services

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
CRASH_DELAY_SECONDS = 300.0          # after an unexpected exception: look again in 5 minutes
PORTAL_UNAVAILABLE_DELAY_SECONDS = 900.0


@dataclass
class Succeeded:
    results: Results
    healed: bool = False


@dataclass
class Failed:
    error: B24Error


@dataclass
class Crashed:
    error: Exception


Outcome = Union[Succeeded, Failed, Crashed]


@dataclass
class _Pending:
    item: WorkItem
    kind: WorkKind
    commands: list[Command]


def run_claimed(services: Services, now: datetime, *, limit: int, worker_id: str,
                lease_seconds: float) -> int:
    """Claim up to ``limit`` ready items, send them portal by portal, record each outcome."""
    items = claim_ready(services.session_factory, now, limit=limit, worker_id=worker_id,
                        lease_seconds=lease_seconds)
    for portal_id, group in groupby(items, key=lambda item: item.portal_id):
        portal_items = list(group)
        try:
            client = services.bitrix.for_portal(portal_id)
            outcomes = send_items(client, portal_items)
        except Exception as exc:   # noqa: BLE001 - must not lose the claimed items
            outcomes = {item.id: _crash_or_fail(exc) for item in portal_items}
        record_outcomes(services, portal_items, outcomes, now, worker_id)
    return len(items)


def _crash_or_fail(exc: Exception) -> Outcome:
    return Failed(exc) if isinstance(exc, B24Error) else Crashed(exc)


def send_items(client: PortalClient, items: Sequence[WorkItem]) -> dict[int, Outcome]:
    """Heal or send the claimed items of one portal; return each item's outcome."""
    outcomes: dict[int, Outcome] = {}
    to_send: list[_Pending] = []
    for item in items:
        kind = get_kind(item.kind)
        if kind is None:
            outcomes[item.id] = Crashed(LookupError(f"no work kind named {item.kind!r}"))
            continue
        try:
            if item.may_have_reached_bitrix:
                found = kind.find_existing(client, item)
                if found is not None:
                    outcomes[item.id] = Succeeded(found, healed=True)
                    continue
            to_send.append(_Pending(item, kind, _prefixed(item, kind.build_commands(item))))
        except Exception as exc:   # noqa: BLE001 - one bad item must not stop the others
            outcomes[item.id] = _crash_or_fail(exc)
    together = [p for p in to_send if p.kind.batchable]
    groups = ([together] if together else []) + [[p] for p in to_send if not p.kind.batchable]
    for group in groups:
        outcomes.update(_send_group(client, group))
    return outcomes


def _prefix(item: WorkItem) -> str:
    return f"w{item.id}_"


def _prefixed(item: WorkItem, commands: list[Command]) -> list[Command]:
    prefix = _prefix(item)

    def rename(ref: Ref) -> Ref:
        return Ref(prefix + ref.key, *ref.path)

    return [Command(prefix + c.key, c.method, substitute_refs(c.params, rename)) for c in commands]


def _send_group(client: PortalClient, group: list[_Pending]) -> dict[int, Outcome]:
    commands = [command for pending in group for command in pending.commands]
    try:
        results = client.run_commands(commands) if commands else {}
    except Exception as exc:   # noqa: BLE001 - the whole call failed: every item shares it
        return {p.item.id: _crash_or_fail(exc) for p in group}
    return {p.item.id: _item_outcome(p, results) for p in group}


def _item_outcome(pending: _Pending, results: dict[str, CommandResult]) -> Outcome:
    prefix = _prefix(pending.item)
    local: Results = {}
    for command in pending.commands:
        result = results.get(command.key)
        if result is None:
            return Failed(B24TransportError(f"no result for command {command.key}"))
        if result.error is not None:
            return Failed(result.error)
        local[command.key[len(prefix):]] = result.result
    return Succeeded(local)


def record_outcomes(services: Services, items: Sequence[WorkItem], outcomes: dict[int, Outcome],
                    now: datetime, worker_id: str) -> None:
    """Write the outcomes of one portal's items in one transaction, a savepoint per item.

    One commit for the whole group keeps recording cheap (a commit per item cost ~28 ms on
    SQLite); the savepoints keep items independent: an item whose recording raises is rolled
    back alone and pushed forward afterwards, instead of crash-looping or sinking the others.
    """
    crashed: list[tuple[int, Exception]] = []
    try:
        with services.session_factory.begin() as session:
            write_lock(session)
            for item in items:
                try:
                    with session.begin_nested():
                        _record_one(session, item, outcomes[item.id], now, worker_id,
                                    services.settings.max_attempts)
                except Exception as exc:   # noqa: BLE001 - push forward instead of crash-looping
                    crashed.append((item.id, exc))
    except Exception as commit_error:   # noqa: BLE001 - the commit failed: nothing was recorded
        crashed = [(item.id, commit_error) for item in items]
    for item_id, error in crashed:
        _push_forward(services, item_id, now, worker_id, error)


def record_outcome(services: Services, item: WorkItem, outcome: Outcome, now: datetime,
                   worker_id: str) -> None:
    """Write one item's outcome in its own transaction; a crash pushes the item forward."""
    record_outcomes(services, [item], {item.id: outcome}, now, worker_id)


def _record_one(session: Session, item: WorkItem, outcome: Outcome, now: datetime,
                worker_id: str, max_attempts: int) -> None:
    row = load_claimed(session, item.id, worker_id)
    if row is None:
        log.warning("work item %s: claim lost before recording (lease expired?)", item.id)
        return
    if isinstance(outcome, Crashed):
        raise outcome.error
    kind = get_kind(row.kind)
    if isinstance(outcome, Failed):
        _record_failure(session, row, kind, outcome.error, now, max_attempts)
        return
    if kind is None:
        raise LookupError(f"no work kind named {row.kind!r}")
    kind.record(session, row, outcome.results)
    row.status = DONE
    row.result = outcome.results
    row.lease_until = None
    row.done_at = row.updated_at = now


def _record_failure(session: Session, row: WorkItem, kind: WorkKind | None, error: B24Error,
                    now: datetime, max_attempts: int) -> None:
    text = _error_text(error)
    if isinstance(error, PortalUnavailable):
        # Not this item's fault: the portal needs its admin. Do not burn an attempt.
        row.attempts = max(row.attempts - 1, 0)
        release_for_retry(row, now, now + timedelta(seconds=PORTAL_UNAVAILABLE_DELAY_SECONDS),
                          text)
        return
    parked = error.permanent or row.attempts >= max_attempts
    if parked:
        park(row, now, text)
    else:
        release_for_retry(row, now, now + timedelta(seconds=backoff_seconds(row.attempts, error)),
                          text)
    if kind is not None and kind.on_failure is not None:
        kind.on_failure(session, row, text, parked)


def backoff_seconds(attempts: int, error: B24Error | None = None) -> float:
    """Return the wait before the next attempt: 30 s doubling per attempt, at most 1 h."""
    delay = min(BACKOFF_BASE_SECONDS * 2.0 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    if isinstance(error, OperationTimeLimit) and error.reset_at is not None:
        # Bitrix24 says when the method's time budget resets (rest-facts §3); wait for it.
        delay = max(delay, error.reset_at - time.time())
    return delay


def _push_forward(services: Services, item_id: int, now: datetime, worker_id: str,
                  exc: Exception) -> None:
    """Delay an item after an unexpected exception; park it once attempts run out."""
    log.error("work item %s failed unexpectedly", item_id, exc_info=exc)
    with services.session_factory.begin() as session:
        row = load_claimed(session, item_id, worker_id)
        if row is None:
            return
        if row.attempts >= services.settings.max_attempts:
            park(row, now, _error_text(exc))
        else:
            release_for_retry(row, now, now + timedelta(seconds=CRASH_DELAY_SECONDS),
                              _error_text(exc))


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
