"""The HR side: review the pending cards of one's division, approve (also in bulk) or reject.

Approval turns a card into one work item (key ``staff_cards:<card id>``): new → user.add
(invitation, UF_DEPARTMENT set; rest-facts §8), change → user.update of the changed fields,
dismissal → user.update ACTIVE=N not before the dismissal date (store-local midnight),
rehire → ACTIVE=Y. The queue sends items of a portal together in full 50-command batches,
so approving 500 cards costs ceil(500/50) requests. Each author gets one notification per
decision round. A portal refusal is handled by ``kinds.apply_failed``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .. import workqueue
from ..bitrix.commands import Command
from ..i18n import translate
from ..org import queries as org
from ..roles import ADMIN, HR, Caller
from . import audit
from .cards import NotAllowed, current_fields, lookups_for
from .kinds import APPLY_KIND, NOTIFY_KIND, card_key, stamp_of
from .models import (APPROVED, CHANGE, DISMISSAL, NEW, PENDING, REHIRE, REJECTED, StaffCard)

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

REVIEW_ROLES = (HR, ADMIN)
_USER_FIELDS = (("last_name", "LAST_NAME"), ("first_name", "NAME"), ("middle_name", "SECOND_NAME"),
                ("email", "EMAIL"), ("position", "WORK_POSITION"), ("mobile", "PERSONAL_MOBILE"),
                ("birth_date", "PERSONAL_BIRTHDAY"), ("employment_date", "UF_EMPLOYMENT_DATE"))


@dataclass
class Decision:
    """What an approval round did: approved card IDs and the refused ones with a message key."""
    approved: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def review_scope(caller: Caller) -> frozenset[int] | None:
    """Return the stores whose cards the caller reviews (None: all); NotAllowed for non-HR."""
    if not caller.has_role(*REVIEW_ROLES):
        raise NotAllowed("not an HR officer")
    return caller.store_scope(*REVIEW_ROLES)


def reviewable_card(session: Session, caller: Caller, card_id: int) -> StaffCard:
    """Return a card of the caller's division; NotAllowed otherwise."""
    scope = review_scope(caller)
    card = session.get(StaffCard, card_id)
    if card is None or card.portal_id != caller.portal_id or (
            scope is not None and card.store_id not in scope):
        raise NotAllowed(f"card {card_id}")
    return card


def live_email_owners(client: PortalClient, emails: Iterable[str]) -> dict[str, int]:
    """Ask the portal which of ``emails`` are used (dismissed users too); one batch per 2,500."""
    wanted = sorted({e.lower() for e in emails if e})
    commands = [Command(f"emails{i}", "user.get", {"FILTER": {"EMAIL": wanted[i:i + 50]},
                                                   "ADMIN_MODE": "True"})
                for i in range(0, len(wanted), 50)]
    owners: dict[str, int] = {}
    for result in client.run_commands(commands).values():
        if result.error is not None:
            raise result.error
        for row in result.result or []:
            owners[str(row.get("EMAIL") or "").lower()] = int(row["ID"])
    return owners


def emails_to_check(cards: Iterable[StaffCard]) -> list[str]:
    """Return the e-mails an approval must check live: new people and changed addresses."""
    return [c.email_key for c in cards if c.kind in (NEW, CHANGE, REHIRE) and c.email_key]


def _local_midnight(day: str, zone: str) -> datetime:
    start = datetime.combine(date.fromisoformat(day), time(0, 0), tzinfo=ZoneInfo(zone))
    return start.astimezone(timezone.utc)


def apply_params(session: Session, card: StaffCard) -> tuple[str, dict[str, Any]]:
    """Return the Bitrix24 method and fields that carry out the card."""
    fields = card.fields
    if card.kind == NEW:
        params = {code: fields[name] for name, code in _USER_FIELDS if fields.get(name)}
        params["UF_DEPARTMENT"] = [int(fields["store_id"])]
        params["XML_ID"] = stamp_of(card.id)
        return "user.add", params
    person = org.user(session, card.portal_id, int(card.target_user_id or 0))
    current = current_fields(person, card.store_id)
    params = {"ID": card.target_user_id}
    if card.kind == DISMISSAL:
        params["ACTIVE"] = "N"
        return "user.update", params
    for name, code in _USER_FIELDS:
        if str(fields.get(name) or "") != str(current.get(name) or "") and (
                fields.get(name) or name != "employment_date"):
            params[code] = fields.get(name) or ""
    departments = list(person.departments or []) if person is not None else []
    if card.kind == REHIRE:
        params["ACTIVE"] = "Y"
        params["UF_DEPARTMENT"] = [int(fields["store_id"])]
    elif int(fields["store_id"]) not in departments:
        moved = [d for d in departments if d != card.store_id] + [int(fields["store_id"])]
        params["UF_DEPARTMENT"] = moved
    return "user.update", params


def _enqueue_apply(session: Session, card: StaffCard, now: datetime) -> None:
    method, params = apply_params(session, card)
    payload = {"card_id": card.id, "kind": card.kind, "method": method, "params": params,
               "email": card.email_key}
    not_before = None
    if card.kind == DISMISSAL:
        zone = org.store_time_zone(session, card.portal_id, card.store_id)
        due = _local_midnight(str(card.fields["dismissal_date"]), zone)
        not_before = due if due > now else None
    key = card_key(card.id)
    item = workqueue.find_item(session, card.portal_id, key)
    if item is None:
        workqueue.enqueue(session, card.portal_id, APPLY_KIND, key, payload, not_before, now=now)
        return
    # Approved again after a portal refusal: send the amended card, fresh, with no lookup first.
    item.payload, item.not_before, item.status = payload, not_before, workqueue.PENDING
    item.attempts, item.last_error, item.next_attempt_at, item.updated_at = 0, "", None, now


def approve(session: Session, caller: Caller, card_ids: Iterable[int], now: datetime,
            live_owners: Mapping[str, int] | None = None) -> Decision:
    """Approve pending cards of the caller's division; refuse (and keep pending) invalid ones.

    ``live_owners`` (from ``live_email_owners``) makes the e-mail check use the portal's
    answer as well as the org model. A card outside the division raises NotAllowed.
    """
    cards = [reviewable_card(session, caller, card_id) for card_id in dict.fromkeys(card_ids)]
    lookups = lookups_for(session, caller)
    decision = Decision()
    by_author: dict[int, list[StaffCard]] = defaultdict(list)
    for card in cards:
        if card.status != PENDING:
            decision.refused[card.id] = "err_not_pending"
            continue
        owner = lookups.email_owner(card.email_key)
        if live_owners and card.email_key in live_owners:
            owner = live_owners[card.email_key]
        if card.kind != DISMISSAL and owner is not None and owner != card.target_user_id:
            decision.refused[card.id] = card.error = "err_email_taken"
            continue
        person = (org.user(session, card.portal_id, card.target_user_id)
                  if card.target_user_id is not None else None)
        _enqueue_apply(session, card, now)
        card.status, card.reviewer_id, card.decided_at, card.updated_at = (
            APPROVED, caller.user_id, now, now)
        card.error, card.reason = "", ""
        audit.log(session, card, caller.user_id, audit.APPROVED, now,
                  changes=audit.difference(current_fields(person, card.store_id), card.fields))
        decision.approved.append(card.id)
        by_author[card.author_id].append(card)
    for author_id, approved in by_author.items():
        names = ", ".join(audit.subject_name(c.fields) for c in approved)
        _notify(session, caller, author_id, f"approved:{approved[0].id}",
                translate(caller.lang, "staff_cards.notify_approved", names=names), now)
    return decision


def reject(session: Session, caller: Caller, card_id: int, reason: str, now: datetime) -> str | None:
    """Reject a pending card with a reason; return an error key or None when rejected."""
    card = reviewable_card(session, caller, card_id)
    reason = " ".join(reason.split())
    if not reason:
        return "err_reason_required"
    if card.status != PENDING:
        return "err_not_pending"
    card.status, card.reviewer_id, card.decided_at, card.updated_at = (
        REJECTED, caller.user_id, now, now)
    card.reason = reason[:2000]
    audit.log(session, card, caller.user_id, audit.REJECTED, now, note=reason)
    _notify(session, caller, card.author_id, f"rejected:{card.id}",
            translate(caller.lang, "staff_cards.notify_rejected",
                      name=audit.subject_name(card.fields), reason=reason), now)
    return None


def _notify(session: Session, caller: Caller, user_id: int, key: str, message: str,
            now: datetime) -> None:
    workqueue.enqueue(session, caller.portal_id, NOTIFY_KIND, f"staff_cards:notify:{key}",
                      {"user_id": user_id, "message": message,
                       "tag": f"storeops_staff_{key.replace(':', '_')}"}, now=now)
