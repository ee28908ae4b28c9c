"""The sender's actions on a sent campaign: remind the overdue, extend the deadline, recall.

Each action enqueues work items (sent by the queue in 50-command batches) under keys that
include a round number. The page posts the round it showed; an action whose round is no
longer current is ignored, so a double-clicked "Remind" sends one notification per person,
not two.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workqueue
from ..i18n import translate
from ..ledger import SKIPPED, record_outcome
from .kinds import EXTEND_KIND, RECALL_KIND, REMIND_KIND, ROUTINE
from .models import (COPY_CREATED, COPY_PENDING, COPY_SKIPPED, RECALLED, STATE_DONE,
                     STATE_OVERDUE, FanoutCampaign, FanoutCopy)
from .send import COPY_QUEUED, copy_key, slot_ref
from .tracking import FINAL_STATES

RECALL_MODES = ("close", "delete")


def _sent_copies(session: Session, campaign: FanoutCampaign) -> list[FanoutCopy]:
    return list(session.scalars(select(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign.id, FanoutCopy.status == COPY_CREATED,
        FanoutCopy.task_id.is_not(None)).order_by(FanoutCopy.id)))


def task_url(domain: str, user_id: int, task_id: int) -> str:
    """Return the Bitrix24 web address of a user's task."""
    return f"https://{domain}/company/personal/user/{user_id}/tasks/task/view/{task_id}/"


def remind_overdue(session: Session, campaign: FanoutCampaign, shown_round: int, lang: str,
                   domain: str, now: datetime) -> int:
    """Queue one notification to each overdue recipient for a new round; return how many."""
    if shown_round != campaign.reminder_round:
        return 0
    overdue = [c for c in _sent_copies(session, campaign) if c.state == STATE_OVERDUE]
    if not overdue:
        return 0
    campaign.reminder_round += 1
    round_ = campaign.reminder_round
    for copy in overdue:
        message = translate(lang, "position_fanout.remind_message", title=campaign.title,
                            url=task_url(domain, copy.user_id, int(copy.task_id or 0)))
        workqueue.enqueue(session, campaign.portal_id, REMIND_KIND,
                          f"{ROUTINE}:{campaign.id}:remind{round_}:{copy.user_id}",
                          {"copy_id": copy.id, "user_id": copy.user_id, "message": message,
                           # One tag per campaign and person: a later round replaces it.
                           "tag": f"{ROUTINE}_{campaign.id}_{copy.user_id}", "round": round_},
                          now=now)
    return len(overdue)


def extend_deadline(session: Session, campaign: FanoutCampaign, shown_round: int,
                    new_due: datetime, now: datetime) -> int:
    """Queue a DEADLINE update on every copy not yet done; return how many."""
    if shown_round != campaign.action_round or new_due <= now:
        return 0
    campaign.action_round += 1
    campaign.due_at = new_due
    targets = [c for c in _sent_copies(session, campaign)
               if c.state not in FINAL_STATES and c.state != STATE_DONE]
    for copy in targets:
        workqueue.enqueue(session, campaign.portal_id, EXTEND_KIND,
                          f"{ROUTINE}:{campaign.id}:extend{campaign.action_round}:{copy.user_id}",
                          {"copy_id": copy.id, "task_id": copy.task_id,
                           "deadline": new_due.isoformat()}, now=now)
    return len(targets)


def recall(session: Session, campaign: FanoutCampaign, mode: str, now: datetime) -> int:
    """Stop unsent copies and queue closing (or deleting) the open ones; return how many."""
    if mode not in RECALL_MODES:
        raise ValueError(f"recall mode must be one of {RECALL_MODES}")
    # Not guarded by status: every key is idempotent, so recalling again only catches copies
    # that were in flight the first time.
    campaign.status = RECALLED
    campaign.recalled_at = campaign.recalled_at or now
    unsent = session.scalars(select(FanoutCopy).where(
        FanoutCopy.campaign_id == campaign.id,
        FanoutCopy.status.in_((COPY_PENDING, COPY_QUEUED))))
    for copy in unsent:
        key = copy_key(campaign.id, copy.user_id)
        if copy.status == COPY_QUEUED and not workqueue.cancel(session, campaign.portal_id, key, now):
            continue   # already being sent: it shows as open, and a second recall closes it
        copy.status = COPY_SKIPPED
        copy.reason = "recalled"
        record_outcome(session, campaign.portal_id, slot_ref(copy), SKIPPED, now, reason="recalled")
    targets = [c for c in _sent_copies(session, campaign)
               if c.state not in FINAL_STATES and c.state != STATE_DONE]
    for copy in targets:
        workqueue.enqueue(session, campaign.portal_id, RECALL_KIND,
                          f"{ROUTINE}:{campaign.id}:recall:{copy.user_id}",
                          {"copy_id": copy.id, "task_id": copy.task_id, "mode": mode}, now=now)
    return len(targets)


def open_copy_count(session: Session, campaign: FanoutCampaign) -> int:
    """Return how many sent copies a recall would close (for the confirmation step)."""
    return sum(1 for c in _sent_copies(session, campaign)
               if c.state not in FINAL_STATES and c.state != STATE_DONE)
