"""Send a campaign: one copy per recipient, exactly once, through the work queue.

1. ``start_send`` (one transaction, no Bitrix24): resolve recipients from the org model,
   write one ``FanoutCopy`` per person (unique per campaign and user), fix the deadline.
2. ``dispatch`` (claim → read → record): re-check that the pending recipients are still
   active in the portal with batched ``user.get`` reads (50 IDs a command, 50 commands a
   request), skip and list the dismissed, enqueue a work item per remaining copy keyed
   ``position_fanout:<campaign>:<user>``.
3. The work queue sends the copies in full 50-command batches (kinds.py); a crash anywhere
   heals by looking the task up by that key, stamped on it as a TAG.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import workqueue
from ..bitrix.commands import Command
from ..ledger import EXPECTED, SKIPPED, LedgerSlot, SlotRef, record_outcome
from ..org.positions import position_key
from ..org.models import OrgUser
from .compose import pool_store_ids, resolve_due
from .files import queue_upload, waiting_for_upload
from .kinds import COPY_KIND, ROUTINE
from .models import (COPY_CREATED, COPY_FAILED, COPY_PENDING, COPY_SKIPPED, DRAFT, SENDING, SENT,
                     FanoutCampaign, FanoutCopy)
from .preview import Recipient, resolve_recipients

if TYPE_CHECKING:
    from ..wiring import Services

COPY_QUEUED = "queued"
IDS_PER_READ = 50            # user.get and tasks.task.list answer at most 50 rows a page
DISPATCH_CHUNK = 2500        # 50 commands × 50 IDs: one batch request per dispatch step


def copy_key(campaign_id: int, user_id: int) -> str:
    """Return the idempotency key of a copy; it is also stamped on the task as a TAG."""
    return f"{ROUTINE}:{campaign_id}:{user_id}"


def slot_ref(copy: FanoutCopy) -> SlotRef:
    """Return the ledger slot of a copy."""
    return SlotRef(ROUTINE, copy_key(copy.campaign_id, copy.user_id), store_id=copy.store_id,
                   subject_user_id=copy.user_id)


def start_send(session: Session, campaign: FanoutCampaign, now: datetime) -> int:
    """Resolve recipients, write their copies and mark the campaign sending; return copies."""
    if campaign.status != DRAFT:
        return 0
    store_ids = pool_store_ids(session, campaign.portal_id, campaign.department_ids,
                               campaign.pool_id)
    recipients, _ = resolve_recipients(session, campaign.portal_id, campaign.position_keys,
                                       store_ids)
    campaign.store_ids = store_ids
    campaign.sent_at = now
    campaign.due_at = resolve_due(campaign.deadline_at, campaign.deadline_days, now)
    campaign.status = SENDING
    queue_upload(session, campaign, now)
    return add_copies(session, campaign, recipients, now)


def add_copies(session: Session, campaign: FanoutCampaign, recipients: Sequence[Recipient],
               now: datetime, *, late: bool = False) -> int:
    """Write a pending copy for each recipient who has none yet; return how many were added."""
    existing = set(session.scalars(select(FanoutCopy.user_id).where(
        FanoutCopy.campaign_id == campaign.id)))
    copies = [FanoutCopy(portal_id=campaign.portal_id, campaign_id=campaign.id,
                         user_id=r.user_id, store_id=r.store_id, user_name=r.name,
                         store_name=r.store_name, work_position=r.work_position,
                         late_joiner=late, status=COPY_PENDING, created_at=now)
              for r in recipients if r.user_id not in existing]
    session.add_all(copies)
    expect_slots(session, campaign, copies, now)
    if copies and campaign.status == SENT:
        campaign.status = SENDING
    session.flush()
    return len(copies)


def expect_slots(session: Session, campaign: FanoutCampaign, copies: Sequence[FanoutCopy],
                 now: datetime) -> None:
    """Add the ledger's expected slot of each new copy in one flush.

    ``ledger.record_outcome`` per copy costs a lookup and a savepoint each (about 15 ms on
    SQLite), which made sending 2,000 copies from the page take half a minute. Keys already
    in the ledger (a copy row removed and written again) are read first and left alone.
    """
    keys = {copy_key(c.campaign_id, c.user_id): c for c in copies}
    known: set[str] = set()
    wanted = list(keys)
    for start in range(0, len(wanted), 500):
        known.update(session.scalars(select(LedgerSlot.slot_key).where(
            LedgerSlot.portal_id == campaign.portal_id, LedgerSlot.routine == ROUTINE,
            LedgerSlot.slot_key.in_(wanted[start:start + 500]))))
    session.add_all(LedgerSlot(portal_id=campaign.portal_id, routine=ROUTINE, slot_key=key,
                               store_id=copy.store_id, subject_user_id=copy.user_id,
                               outcome=EXPECTED, reason="", due_at=campaign.due_at,
                               updated_at=now)
                    for key, copy in keys.items() if key not in known)


def dispatch(services: Services, campaign_id: int, now: datetime) -> int:
    """Re-check pending recipients in the portal, skip the dismissed, enqueue the rest."""
    with services.session_factory.begin() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        if campaign is None or campaign.status != SENDING:
            return 0
        if waiting_for_upload(campaign):
            return 0     # the copies carry the Drive IDs of the campaign's files
        portal_id = campaign.portal_id
        pending = list(session.scalars(select(FanoutCopy.user_id).where(
            FanoutCopy.campaign_id == campaign_id, FanoutCopy.status == COPY_PENDING)
            .order_by(FanoutCopy.id).limit(DISPATCH_CHUNK)))
    if not pending:
        with services.session_factory.begin() as session:
            finish_if_done(session, campaign_id)
        return 0
    active = active_positions(services.bitrix.for_portal(portal_id), pending)
    with services.session_factory.begin() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        handled = enqueue_copies(session, campaign, pending, active, now)
        finish_if_done(session, campaign_id)
    return handled


def active_positions(client: Any, user_ids: Sequence[int]) -> dict[int, str]:
    """Return {user ID: WORK_POSITION} for those of ``user_ids`` active in the portal."""
    commands = [Command(f"u{i}", "user.get",
                        {"filter": {"ID": list(user_ids[i:i + IDS_PER_READ]), "ACTIVE": True}})
                for i in range(0, len(user_ids), IDS_PER_READ)]
    found: dict[int, str] = {}
    for result in client.run_commands(commands).values():
        if result.error is not None:
            raise result.error
        for row in result.result or []:
            found[int(row["ID"])] = str(row.get("WORK_POSITION") or "")
    return found


def enqueue_copies(session: Session, campaign: FanoutCampaign, user_ids: Sequence[int],
                   active: dict[int, str], now: datetime) -> int:
    """Skip copies whose recipient left or changed position; enqueue the others."""
    copies = list(session.scalars(select(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign.id, FanoutCopy.user_id.in_(list(user_ids)),
        FanoutCopy.status == COPY_PENDING)))
    active_in_org = set(session.scalars(select(OrgUser.b24_id).where(
        OrgUser.portal_id == campaign.portal_id, OrgUser.b24_id.in_(list(user_ids)),
        OrgUser.active.is_(True))))
    handled = 0
    for copy in copies:
        reason = _skip_reason(campaign, copy.user_id in active, active.get(copy.user_id, ""),
                              copy.user_id in active_in_org)
        handled += 1
        if reason:
            copy.status = COPY_SKIPPED
            copy.reason = reason
            record_outcome(session, campaign.portal_id, slot_ref(copy), SKIPPED, now,
                           reason=reason)
            continue
        copy.status = COPY_QUEUED
        workqueue.enqueue(session, campaign.portal_id, COPY_KIND,
                          copy_key(campaign.id, copy.user_id), copy_payload(campaign, copy),
                          now=now)
    return handled


def _skip_reason(campaign: FanoutCampaign, active_in_portal: bool, portal_position: str,
                 active_in_org: bool) -> str:
    if not active_in_portal or not active_in_org:
        return "dismissed"
    if position_key(portal_position) not in campaign.position_keys:
        return "position_changed"
    return ""


def copy_payload(campaign: FanoutCampaign, copy: FanoutCopy) -> dict[str, Any]:
    """Return everything the work item needs to create the copy without a database."""
    key = copy_key(campaign.id, copy.user_id)
    fields: dict[str, Any] = {
        "TITLE": campaign.title,
        "DESCRIPTION": campaign.description,
        "RESPONSIBLE_ID": copy.user_id,
        "CREATED_BY": campaign.sender_id,
        "PRIORITY": campaign.priority,
        "TAGS": [key],
    }
    if campaign.sender_id != copy.user_id:
        fields["AUDITORS"] = [campaign.sender_id]
    if campaign.due_at is not None:
        fields["DEADLINE"] = campaign.due_at.isoformat()
    disk_ids = [f"n{f['disk_id']}" for f in campaign.files if f.get("disk_id")]
    if disk_ids:
        fields["UF_TASK_WEBDAV_FILES"] = disk_ids
    return {"campaign_id": campaign.id, "copy_id": copy.id, "tag": key, "fields": fields,
            "checklist": list(campaign.checklist)}


def finish_if_done(session: Session, campaign_id: int) -> bool:
    """Mark a sending campaign sent once no copy waits; return True if it is sent."""
    campaign = session.get(FanoutCampaign, campaign_id)
    if campaign is None or campaign.status != SENDING:
        return campaign is not None and campaign.status == SENT
    waiting = session.scalar(select(func.count()).select_from(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign_id,
        FanoutCopy.status.in_((COPY_PENDING, COPY_QUEUED))))
    if waiting:
        return False
    campaign.status = SENT
    return True


@dataclass(frozen=True)
class Progress:
    """How far sending got: copies settled (created, skipped, failed) out of all."""
    done: int
    total: int
    created: int
    skipped: int
    failed: int
    finished: bool


def progress(session: Session, campaign: FanoutCampaign) -> Progress:
    """Return the campaign's sending progress for the page's progress bar."""
    counts: dict[str, int] = {str(status): int(count) for status, count in session.execute(
        select(FanoutCopy.status, func.count()).where(FanoutCopy.campaign_id == campaign.id)
        .group_by(FanoutCopy.status))}
    created, skipped, failed = (int(counts.get(s, 0)) for s in (COPY_CREATED, COPY_SKIPPED,
                                                                COPY_FAILED))
    total = int(sum(counts.values()))
    done = created + skipped + failed
    return Progress(done, total, created, skipped, failed,
                    finished=campaign.status not in (DRAFT, SENDING) or (total > 0 and done == total))


def skipped_copies(session: Session, campaign_id: int) -> list[FanoutCopy]:
    """Return the copies that were not sent (dismissed, position changed, failed)."""
    return list(session.scalars(select(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign_id,
        FanoutCopy.status.in_((COPY_SKIPPED, COPY_FAILED))).order_by(FanoutCopy.store_name,
                                                                      FanoutCopy.user_name)))
