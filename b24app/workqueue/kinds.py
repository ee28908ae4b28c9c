"""The registry of work kinds: how each kind of item is sent, healed and recorded."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from .models import WorkItem

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

Results = dict[str, Any]


@dataclass(frozen=True)
class WorkKind:
    """How one kind of work item is sent, healed and recorded.

    - ``build_commands(item)``: the commands to send; keys are local to the item (the queue
      prefixes them, ``Ref``s included), and the key stamped on what they create should be
      ``item.key`` so ``find_existing`` can find it.
    - ``find_existing(client, item)``: after an attempt that may have reached Bitrix24, look
      the created thing up by its stamped key; return results shaped like a successful run
      (``{local_key: result}``) or None to send again.
    - ``record(session, item, results)``: write the domain outcome (ledger, task id, ...) in
      the same transaction that marks the item done.
    - ``on_failure(session, item, error, parked)``: optional, e.g. ledger "retrying"/"parked".
    - ``batchable``: False sends the item's commands in their own ``run_commands`` call.
    """
    name: str
    build_commands: Callable[[WorkItem], list[Command]]
    find_existing: Callable[[PortalClient, WorkItem], Results | None]
    record: Callable[[Session, WorkItem, Results], None]
    batchable: bool = True
    on_failure: Callable[[Session, WorkItem, str, bool], None] | None = None


_KINDS: dict[str, WorkKind] = {}


def register_kind(kind: WorkKind) -> WorkKind:
    """Register (or replace) a work kind by name; routines call this at import."""
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> WorkKind | None:
    """Return the registered kind with this name, if any."""
    return _KINDS.get(name)
