"""Close the loop after a card reached the portal: refresh the store, hand tasks over.

Bitrix24 sends no user-update event (rest-facts §8), so after every applied card the org
model of that store is refreshed at once (``org.sync_store``); opening tasks, fan-outs and
merchandising tasks read the org model, so they pick the new staff list up by themselves.
After a dismissal the person's open tasks created by the app (recognised by the app's tags)
go to the store manager, or to a deputy when the manager is the one who left.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import workqueue
from ..org import queries as org
from ..org.sync import sync_store
from .kinds import HANDOVER_KIND
from .models import APPLIED, DISMISSAL, LOOP_DONE, LOOP_PENDING, StaffCard

if TYPE_CHECKING:
    from ..wiring import Services

# Tags the app stamps on its tasks: hashed keys (store opening, actualization) and the
# fan-out's plain keys (b24app/store_opening/task_plan.py, b24app/position_fanout/send.py).
APP_TAG_PREFIXES = ("storeops_", "store_opening:", "position_fanout:", "merch_photos:",
                    "staff_cards:")
OPEN_TASK_STATUSES = [1, 2, 3, 6]       # new, pending, in progress, deferred (rest-facts §5)
MAX_CARDS_PER_RUN = 50


def is_app_task(tags: Any) -> bool:
    """Return True if a task's tags (as tasks.task.list returns them) mark it as the app's."""
    titles: Iterable[Any]
    if isinstance(tags, Mapping):
        titles = [t.get("title", "") if isinstance(t, Mapping) else t for t in tags.values()]
    elif isinstance(tags, list):
        titles = [t.get("title", "") if isinstance(t, Mapping) else t for t in tags]
    else:
        titles = []
    return any(str(title).startswith(APP_TAG_PREFIXES) for title in titles)


def pending_cards(services: Services) -> list[int]:
    """Return IDs of applied cards whose loop has not run yet."""
    with services.session_factory() as session:
        return list(session.scalars(select(StaffCard.id).where(
            StaffCard.status == APPLIED, StaffCard.loop_state == LOOP_PENDING)
            .order_by(StaffCard.id).limit(MAX_CARDS_PER_RUN)))


def close_loop(services: Services, card_id: int, now: datetime) -> int:
    """Refresh the card's store, and after a dismissal queue the handovers; return how many."""
    with services.session_factory() as session:
        card = session.get(StaffCard, card_id)
        if card is None or card.loop_state != LOOP_PENDING:
            return 0
        portal_id, store_id, kind, person = (card.portal_id, card.store_id, card.kind,
                                             card.result_user_id)
        stores = {store_id, int(card.fields.get("store_id") or store_id)}
    client = services.bitrix.for_portal(portal_id)
    for sid in sorted(stores):
        sync_store(services.session_factory, client, portal_id, sid, now)
    tasks: list[Mapping[str, Any]] = []
    if kind == DISMISSAL and person is not None:
        rows = client.list_all("tasks.task.list", {
            "filter": {"RESPONSIBLE_ID": person, "REAL_STATUS": OPEN_TASK_STATUSES},
            "select": ["ID", "TITLE", "TAGS", "RESPONSIBLE_ID"]}, key_path=["tasks"])
        tasks = [row for row in rows if is_app_task(row.get("tags"))]
    with services.session_factory.begin() as session:
        card = session.get(StaffCard, card_id)
        if card is None or card.loop_state != LOOP_PENDING:
            return 0
        heir = successor(session, portal_id, store_id, person) if tasks else None
        if heir is not None:
            for task in tasks:
                workqueue.enqueue(session, portal_id, HANDOVER_KIND,
                                  f"staff_cards:handover:{card_id}:{task['id']}",
                                  {"card_id": card_id, "task_id": int(task["id"]), "to": heir},
                                  now=now)
        elif tasks:
            card.error = f"no manager or deputy to take over {len(tasks)} task(s)"
        card.loop_state = LOOP_DONE
    return len(tasks) if heir is not None else 0


def successor(session: Any, portal_id: int, store_id: int, leaver: int | None) -> int | None:
    """Return who takes the leaver's tasks: the store manager, else the first deputy."""
    manager = org.store_manager(session, portal_id, store_id)
    if manager is not None and manager != leaver:
        return manager
    deputies = [d for d in org.store_deputies(session, portal_id, store_id) if d != leaver]
    return deputies[0] if deputies else None
