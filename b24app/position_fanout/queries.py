"""What the fan-out pages list: campaigns with progress, templates and schedules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import FanoutCampaign, FanoutSchedule, FanoutTemplate
from .preview import Preview, preview_campaign
from .reuse import next_run
from .send import Progress, progress


@dataclass(frozen=True)
class CampaignRow:
    """A campaign in the list, with its sending progress."""
    campaign: FanoutCampaign
    progress: Progress


def campaign_rows(session: Session, portal_id: int, sender_id: int | None,
                  limit: int = 200) -> list[CampaignRow]:
    """Return the newest campaigns of a sender (None: everyone's, for admins)."""
    query = select(FanoutCampaign).where(FanoutCampaign.portal_id == portal_id)
    if sender_id is not None:
        query = query.where(FanoutCampaign.sender_id == sender_id)
    campaigns = session.scalars(query.order_by(FanoutCampaign.created_at.desc(),
                                               FanoutCampaign.id.desc()).limit(limit))
    return [CampaignRow(c, progress(session, c)) for c in campaigns]


def preview_of(session: Session, campaign: FanoutCampaign) -> Preview:
    """Return the campaign's preview as of now."""
    return preview_campaign(session, campaign)


def template_rows(session: Session, portal_id: int,
                  owner_id: int) -> tuple[list[FanoutTemplate], list[FanoutSchedule]]:
    """Return a sender's templates and their schedules."""
    templates = list(session.scalars(select(FanoutTemplate).where(
        FanoutTemplate.portal_id == portal_id, FanoutTemplate.owner_id == owner_id)
        .order_by(FanoutTemplate.name)))
    schedules = list(session.scalars(select(FanoutSchedule).where(
        FanoutSchedule.portal_id == portal_id, FanoutSchedule.sender_id == owner_id)
        .order_by(FanoutSchedule.next_run_at)))
    return templates, schedules


def own_template(session: Session, portal_id: int, owner_id: int,
                 template_id: int) -> FanoutTemplate | None:
    """Return a template of this sender, or None."""
    template = session.get(FanoutTemplate, template_id)
    if template is None or template.portal_id != portal_id or template.owner_id != owner_id:
        return None
    return template


def toggle_schedule(session: Session, portal_id: int, owner_id: int, schedule_id: int,
                    now: datetime) -> bool:
    """Pause or resume a sender's schedule; a resumed one runs next at its next slot."""
    schedule = session.get(FanoutSchedule, schedule_id)
    if schedule is None or schedule.portal_id != portal_id or schedule.sender_id != owner_id:
        return False
    schedule.active = not schedule.active
    if schedule.active:
        schedule.next_run_at = next_run(schedule.frequency, schedule.day, schedule.local_time,
                                        schedule.time_zone, now)
    return True
