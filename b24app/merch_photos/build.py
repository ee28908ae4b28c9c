"""Claim → call → record for a set of this routine's work items, in full 50-command batches.

The generic queue sends each item's commands on their own, so a child could only be sent
once its parent's task ID is recorded: four round trips for City → Year → Month → Week
before the store tasks. Here the items of one run are enqueued and claimed in ONE short
transaction (the generic worker never sees them pending), then a child's PARENT_ID refers
to its parent's command in the same command stream (``Ref``; batch ``$result``), so a first
build costs ceil(commands / 50) requests. Items an earlier attempt may have sent are healed
by TAG first (``stamped.heal_or_finish``), other kinds by their own ``find_existing`` (a
comment is looked up before it is posted again, ``once``). Each outcome is recorded by the
queue's own ``record_outcome`` (short transaction, retry/park rules unchanged). If this process dies
mid-run, the leases expire and the generic worker heals the items by lookup.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from ..bitrix.commands import Command, CommandResult, Ref
from ..bitrix.errors import B24Error
from ..workqueue import (PENDING, RUNNING, WorkItem, WorkKind, default_worker_id, enqueue,
                         find_item, get_kind)
from ..workqueue.runner import Crashed, Failed, Outcome, Succeeded, record_outcome
from . import stamped
from .tree import NODE_KIND
from .weekly import WEEK_KIND

if TYPE_CHECKING:
    from ..wiring import Services

STAMPED_KINDS = (NODE_KIND, WEEK_KIND)
LEASE_SECONDS = 600.0


@dataclass(frozen=True)
class Planned:
    """One item to run: its kind, key and payload; stamped kinds name their parent's key."""
    kind: str
    key: str
    payload: Mapping[str, Any]
    parent_key: str | None = None


@dataclass
class RunReport:
    claimed: int = 0
    sent_commands: int = 0
    healed: int = 0
    succeeded: int = 0
    failed: int = 0
    task_ids: dict[str, int] = field(default_factory=dict)


def claim(session: Session, portal_id: int, keys: Sequence[str], now: datetime,
          worker_id: str, lease_seconds: float = LEASE_SECONDS) -> list[int]:
    """Move this routine's ready items with ``keys`` to running for ``worker_id``."""
    ready = and_(WorkItem.portal_id == portal_id, WorkItem.key.in_(list(keys)), or_(
        and_(WorkItem.status == PENDING,
             or_(WorkItem.next_attempt_at.is_(None), WorkItem.next_attempt_at <= now)),
        and_(WorkItem.status == RUNNING, WorkItem.lease_until < now)))
    statement = (update(WorkItem).where(ready)
                 .values(status=RUNNING, attempts=WorkItem.attempts + 1,
                         lease_until=now + timedelta(seconds=lease_seconds),
                         claimed_by=worker_id, updated_at=now)
                 .returning(WorkItem.id)
                 .execution_options(synchronize_session=False))
    return list(session.scalars(statement))


def run_items(services: Services, portal_id: int, planned: Sequence[Planned], now: datetime,
              known: Mapping[str, int] | None = None) -> RunReport:
    """Enqueue (idempotently), claim, send and record ``planned``; parents before children.

    ``known`` maps keys of already created parents to their task IDs.
    """
    worker = default_worker_id()
    report = RunReport()
    if not planned:
        return report
    with services.session_factory.begin() as session:
        for plan in planned:
            enqueue(session, portal_id, plan.kind, plan.key, plan.payload, now=now)
        session.flush()
        claimed = set(claim(session, portal_id, [p.key for p in planned], now, worker))
        session.expire_all()   # the UPDATE bypassed the identity map; read attempts afresh
        items = {p.key: find_item(session, portal_id, p.key) for p in planned}
    report.claimed = len(claimed)
    order = [(p, items[p.key]) for p in planned if items[p.key] is not None
             and items[p.key].id in claimed]   # type: ignore[union-attr]
    if not order:
        return report
    client = services.bitrix.for_portal(portal_id)
    task_ids: dict[str, int] = dict(known or {})
    outcomes: dict[int, Outcome] = {}
    commands: list[Command] = []
    fresh: list[tuple[WorkItem, list[str]]] = []
    command_of: dict[str, str] = {}
    for plan, item in order:
        assert item is not None
        parent: int | Ref | None = None
        if plan.parent_key is not None:
            parent = task_ids.get(plan.parent_key)
            if parent is None and plan.parent_key in command_of:
                parent = Ref(command_of[plan.parent_key], "task", "id")
        if item.may_have_reached_bitrix and item.kind in STAMPED_KINDS:
            outcome = _heal(client, item, parent if isinstance(parent, int) else None)
            outcomes[item.id] = outcome
            if isinstance(outcome, Succeeded):
                report.healed += 1
                task_ids[plan.key] = stamped.task_id_of(outcome.results)
            continue
        if item.kind in STAMPED_KINDS:
            if plan.parent_key is not None and parent is None:
                outcomes[item.id] = Failed(stamped.ParentNotReady(f"parent {plan.parent_key} failed"))
                continue
            key = f"n{item.id}"
            command_of[plan.key] = key
            commands.append(stamped.add_command(item, key, parent))
            fresh.append((item, [key]))
            continue
        kind = get_kind(item.kind)
        if item.may_have_reached_bitrix and kind is not None:
            found = _find_existing(client, kind, item)
            if found is not None:
                outcomes[item.id] = found
                report.healed += isinstance(found, Succeeded)
                continue
        try:
            own = [] if kind is None else kind.build_commands(item)
        except B24Error as error:
            outcomes[item.id] = Failed(error)
            continue
        prefixed = [Command(f"w{item.id}_{c.key}", c.method, c.params) for c in own]
        commands.extend(prefixed)
        fresh.append((item, [c.key for c in prefixed]))
    report.sent_commands = len(commands)
    outcomes.update(_send(client, commands, fresh))
    for plan, item in order:
        assert item is not None
        outcome = outcomes[item.id]
        if isinstance(outcome, Succeeded):
            report.succeeded += 1
            if item.kind in STAMPED_KINDS:
                report.task_ids[plan.key] = stamped.task_id_of(outcome.results)
        else:
            report.failed += 1
        record_outcome(services, item, outcome, now, worker)
    return report


def _heal(client: Any, item: WorkItem, parent: int | None) -> Outcome:
    if parent is not None:
        item.payload = {**item.payload, "parent_task_id": parent}   # detached copy only
    try:
        return Succeeded(stamped.heal_or_finish(client, item), healed=True)
    except B24Error as error:
        return Failed(error)


def _find_existing(client: Any, kind: WorkKind, item: WorkItem) -> Outcome | None:
    """Let the kind look up (or finish) what an earlier attempt sent; None means send afresh."""
    try:
        found = kind.find_existing(client, item)
    except B24Error as error:
        return Failed(error)
    except Exception as exc:   # noqa: BLE001 - the claimed item must still be recorded
        return Crashed(exc)
    return None if found is None else Succeeded(found, healed=True)


def _send(client: Any, commands: list[Command],
          fresh: list[tuple[WorkItem, list[str]]]) -> dict[int, Outcome]:
    if not fresh:
        return {}
    try:
        results: dict[str, CommandResult] = client.run_commands(commands) if commands else {}
    except B24Error as error:
        return {item.id: Failed(error) for item, _ in fresh}
    except Exception as exc:   # noqa: BLE001 - the claimed items must still be recorded
        return {item.id: Crashed(exc) for item, _ in fresh}
    outcomes: dict[int, Outcome] = {}
    for item, keys in fresh:
        local: dict[str, Any] = {}
        failure: B24Error | None = None
        for key in keys:
            result = results.get(key)
            if result is None or result.error is not None:
                failure = result.error if result is not None else B24Error(f"no result for {key}")
                break
            local[_local_key(item, key)] = result.result
        outcomes[item.id] = Failed(failure) if failure is not None else Succeeded(local)
    return outcomes


def _local_key(item: WorkItem, key: str) -> str:
    if item.kind in STAMPED_KINDS:
        return stamped.TASK_COMMAND
    return key[len(f"w{item.id}_"):]
