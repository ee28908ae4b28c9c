"""The staff cards' work kinds: apply a card to the portal, notify, hand tasks over, actualize.

Each item carries in its payload everything its commands need. Idempotency (architecture
principle 1): the key ``staff_cards:<card id>`` is also stamped on the new user as XML_ID,
so a crash between ``user.add`` and the record is healed by ``user.get`` filtered by EMAIL
(rest-facts §8) — and only a user carrying our stamp is adopted, never someone else's
account that happens to use the e-mail. Updates (change, dismissal, rehire, handover) are
safe to repeat. Actualization tasks carry a TAG derived from their key (rest-facts §5).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from . import audit
from .models import APPLIED, LOOP_PENDING, NEW, PENDING, ActualizationTask, StaffCard

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

APPLY_KIND = "staff_cards.apply"
NOTIFY_KIND = "staff_cards.notify"
HANDOVER_KIND = "staff_cards.handover"
ACTUALIZE_KIND = "staff_cards.actualize"
COMPLETE_KIND = "staff_cards.actualize_complete"
NOTIFY_CLIENT_ID = "storeops"
DONE_STATUSES = (4, 5)      # 4 awaiting approval, 5 completed (rest-facts §5)


def card_key(card_id: int) -> str:
    """Return the idempotency key of applying a card (also the new user's XML_ID)."""
    return f"staff_cards:{card_id}"


def stamp_of(card_id: int) -> str:
    """Return the XML_ID stamped on a user created from a card."""
    return f"storeops_staff_{card_id}"


# -- apply a card ----------------------------------------------------------------------------

def build_apply(item: WorkItem) -> list[Command]:
    """Return the one user.add or user.update of the card."""
    return [Command("user", item.payload["method"], dict(item.payload["params"]))]


def find_applied(client: PortalClient, item: WorkItem) -> Results | None:
    """After a possibly sent user.add, find the user by e-mail carrying our stamp."""
    if item.payload["kind"] != NEW:
        return None
    rows = client.call("user.get", {"FILTER": {"EMAIL": item.payload["email"]},
                                    "ADMIN_MODE": "True"}) or []
    for row in rows:
        if str(row.get("XML_ID") or "") == item.payload["params"].get("XML_ID"):
            return {"user": int(row["ID"])}
    return None


def record_applied(session: Session, item: WorkItem, results: Results) -> None:
    """Mark the card applied; the loop job then refreshes the store (and hands tasks over)."""
    card = session.get(StaffCard, int(item.payload["card_id"]))
    if card is None:
        return
    now = item.updated_at
    card.status, card.error, card.applied_at, card.updated_at = APPLIED, "", now, now
    result = results.get("user")
    card.result_user_id = int(result) if card.kind == NEW and result else card.target_user_id
    card.loop_state = LOOP_PENDING
    audit.log(session, card, 0, audit.APPLIED, now,
              note=f"user {card.result_user_id}" if card.result_user_id else "")


def apply_failed(session: Session, item: WorkItem, error: str, parked: bool) -> None:
    """Show the portal's error on the card; once parked the card is pending again for HR."""
    card = session.get(StaffCard, int(item.payload["card_id"]))
    if card is None:
        return
    card.error, card.updated_at = error[:2000], item.updated_at
    if parked:
        # A portal refusal (duplicate e-mail, user limit) keeps the card pending: the manager
        # can amend it and HR approve it again (issue 6, item 3).
        card.status = PENDING
        audit.log(session, card, 0, audit.FAILED, item.updated_at, note=error)


# -- notifications and task handover ---------------------------------------------------------

def build_notify(item: WorkItem) -> list[Command]:
    """Return one im.notify.system.add to the card's author."""
    # A webhook must name CLIENT_ID when it sends a TAG (rest-facts §8).
    return [Command("notify", "im.notify.system.add", {
        "USER_ID": item.payload["user_id"], "MESSAGE": item.payload["message"],
        "TAG": item.payload["tag"], "CLIENT_ID": NOTIFY_CLIENT_ID})]


def build_handover(item: WorkItem) -> list[Command]:
    """Return tasks.task.update giving the task to its new responsible person."""
    return [Command("task", "tasks.task.update", {
        "taskId": item.payload["task_id"], "fields": {"RESPONSIBLE_ID": item.payload["to"]}})]


def record_handover(session: Session, item: WorkItem, results: Results) -> None:
    """Log the handover in the audit log of the dismissal card."""
    card = session.get(StaffCard, int(item.payload["card_id"]))
    if card is not None:
        audit.log(session, card, 0, audit.HANDED_OVER, item.updated_at,
                  note=f"task {item.payload['task_id']} → user {item.payload['to']}")


# -- actualization tasks ---------------------------------------------------------------------

def build_actualize(item: WorkItem) -> list[Command]:
    """Return tasks.task.add of the store's "confirm your staff list" task."""
    return [Command("task", "tasks.task.add", {"fields": item.payload["fields"]})]


def find_actualize(client: PortalClient, item: WorkItem) -> Results | None:
    """Find the task by the TAG stamped from the item key."""
    page = client.call_page("tasks.task.list", {"filter": {"TAG": item.payload["tag"]},
                                                "select": ["ID"]}, key_path=["tasks"])
    if not page.items:
        return None
    return {"task": {"task": {"id": str(min(int(row["id"]) for row in page.items))}}}


def record_actualize(session: Session, item: WorkItem, results: Results) -> None:
    """Store the created task's ID on the actualization row."""
    row = session.get(ActualizationTask, int(item.payload["row_id"]))
    if row is not None:
        row.task_id = int(results["task"]["task"]["id"])
        row.sent_at = item.updated_at
        from .actualization import mark_created   # actualization imports this module
        mark_created(session, row, item.updated_at)


def build_complete(item: WorkItem) -> list[Command]:
    """Return tasks.task.complete for a confirmed actualization task."""
    return [Command("done", "tasks.task.complete", {"taskId": item.payload["task_id"]})]


def find_completed(client: PortalClient, item: WorkItem) -> Results | None:
    """Treat a task that is already completed (or awaiting approval) as done."""
    page = client.call_page("tasks.task.list", {"filter": {"ID": item.payload["task_id"]},
                                                "select": ["ID", "STATUS"]}, key_path=["tasks"])
    if page.items and int(page.items[0].get("status", 0)) in DONE_STATUSES:
        return {"done": "already"}
    return None


def record_completed(session: Session, item: WorkItem, results: Results) -> None:
    """Remember when the actualization task was completed."""
    row = session.get(ActualizationTask, int(item.payload["row_id"]))
    if row is not None:
        row.completed_at = item.updated_at


def _repeat_is_safe(client: PortalClient, item: WorkItem) -> Results | None:
    return None


def _nothing(session: Session, item: WorkItem, results: Results) -> None:
    return None


def register_kinds() -> None:
    """Register the staff cards' work kinds with the queue (idempotent)."""
    register_kind(WorkKind(APPLY_KIND, build_apply, find_applied, record_applied,
                           on_failure=apply_failed))
    register_kind(WorkKind(NOTIFY_KIND, build_notify, _repeat_is_safe, _nothing))
    register_kind(WorkKind(HANDOVER_KIND, build_handover, _repeat_is_safe, record_handover))
    register_kind(WorkKind(ACTUALIZE_KIND, build_actualize, find_actualize, record_actualize))
    register_kind(WorkKind(COMPLETE_KIND, build_complete, find_completed, record_completed))


register_kinds()
