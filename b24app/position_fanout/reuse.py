"""Reuse: templates from campaigns, recurring campaigns, copies for people who join later.

A template keeps the draft, never the people: each run resolves recipients again from the
org model (architecture principle 5). A schedule run is keyed (``run_key``, unique per
portal), so a job that runs twice for the same slot creates one campaign.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .compose import Draft, create_campaign
from .models import SENDING, SENT, FanoutCampaign, FanoutSchedule, FanoutTemplate
from .preview import resolve_recipients
from .send import add_copies, start_send

FREQUENCIES = ("monthly", "weekly")


def draft_of(campaign: FanoutCampaign) -> dict[str, Any]:
    """Return a campaign's draft fields as JSON-safe values."""
    return {"title": campaign.title, "description": campaign.description,
            "deadline_at": campaign.deadline_at.isoformat() if campaign.deadline_at else None,
            "deadline_days": campaign.deadline_days, "priority": campaign.priority,
            "checklist": list(campaign.checklist), "position_keys": list(campaign.position_keys),
            "department_ids": list(campaign.department_ids), "pool_id": campaign.pool_id,
            "include_late_joiners": campaign.include_late_joiners,
            # Files already on Drive are attached again by ID; bytes are never kept.
            "files": [{"name": f["name"], "size": f.get("size", 0), "disk_id": f["disk_id"]}
                      for f in campaign.files if f.get("disk_id")]}


def save_template(session: Session, campaign: FanoutCampaign, name: str, owner_id: int,
                  now: datetime) -> FanoutTemplate:
    """Save a campaign's draft as a named template."""
    template = FanoutTemplate(portal_id=campaign.portal_id, owner_id=owner_id,
                              name=name.strip() or campaign.title, draft=draft_of(campaign),
                              created_at=now)
    session.add(template)
    session.flush()
    return template


def draft_from_template(template: FanoutTemplate, now: datetime) -> Draft:
    """Return the template's draft; a fixed deadline already past becomes "1 day after"."""
    data = template.draft
    deadline_at = datetime.fromisoformat(data["deadline_at"]) if data.get("deadline_at") else None
    deadline_days = data.get("deadline_days")
    if deadline_at is not None and deadline_at <= now:
        deadline_at, deadline_days = None, deadline_days or 1
    return Draft(data["title"], data.get("description", ""), deadline_at, deadline_days,
                 int(data.get("priority", 1)), tuple(data.get("checklist", [])),
                 tuple(data.get("position_keys", [])), tuple(data.get("department_ids", [])),
                 data.get("pool_id"), bool(data.get("include_late_joiners", False)),
                 tuple(dict(f) for f in data.get("files", []) if f.get("disk_id")))


def next_run(frequency: str, day: int, local_time: str, time_zone: str, after: datetime) -> datetime:
    """Return the first run strictly after ``after``: day of month (1–28) or weekday (Mon=0)."""
    zone = ZoneInfo(time_zone)
    hour, minute = (int(part) for part in local_time.split(":"))
    local = after.astimezone(zone)
    candidate_date = local.date()
    for _ in range(400):
        if frequency == "weekly":
            matches = candidate_date.weekday() == day
        else:
            matches = candidate_date.day == min(day, monthrange(candidate_date.year,
                                                                candidate_date.month)[1])
        if matches:
            instant = datetime.combine(candidate_date, time(hour, minute), zone)
            if instant > after:
                return instant.astimezone(after.tzinfo)
        candidate_date += timedelta(days=1)
    raise ValueError("no run found within 400 days")


def create_schedule(session: Session, template: FanoutTemplate, sender_id: int, frequency: str,
                    day: int, local_time: str, time_zone: str, now: datetime) -> FanoutSchedule:
    """Schedule a template as a recurring campaign."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {FREQUENCIES}")
    schedule = FanoutSchedule(portal_id=template.portal_id, template_id=template.id,
                              sender_id=sender_id, frequency=frequency, day=day,
                              local_time=local_time, time_zone=time_zone, active=True,
                              next_run_at=next_run(frequency, day, local_time, time_zone, now),
                              created_at=now)
    session.add(schedule)
    session.flush()
    return schedule


def run_schedule(session: Session, schedule: FanoutSchedule, now: datetime) -> FanoutCampaign | None:
    """Create and start the campaign of a due schedule run (once per run); move to the next."""
    if not schedule.active or schedule.next_run_at > now:
        return None
    run_key = f"s{schedule.id}:{schedule.next_run_at:%Y%m%d%H%M}"
    campaign = session.scalar(select(FanoutCampaign).where(
        FanoutCampaign.portal_id == schedule.portal_id, FanoutCampaign.run_key == run_key))
    template = session.get(FanoutTemplate, schedule.template_id)
    if campaign is None and template is not None:
        campaign = create_campaign(session, schedule.portal_id, schedule.sender_id,
                                   draft_from_template(template, now), now)
        campaign.template_id, campaign.schedule_id, campaign.run_key = template.id, schedule.id, run_key
        start_send(session, campaign, now)
        schedule.last_campaign_id = campaign.id
    schedule.last_run_at = now
    schedule.next_run_at = next_run(schedule.frequency, schedule.day, schedule.local_time,
                                    schedule.time_zone, now)
    return campaign


def due_schedules(session: Session, now: datetime) -> list[FanoutSchedule]:
    """Return the active schedules whose next run has come."""
    return list(session.scalars(select(FanoutSchedule).where(
        FanoutSchedule.active.is_(True), FanoutSchedule.next_run_at <= now)
        .order_by(FanoutSchedule.next_run_at)))


def add_late_joiners(session: Session, campaign: FanoutCampaign, now: datetime) -> int:
    """Give a copy to new holders in the campaign's stores, if the sender asked for that.

    Only while the campaign runs and its deadline has not passed.
    """
    if not campaign.include_late_joiners or campaign.status not in (SENDING, SENT):
        return 0
    if campaign.due_at is not None and campaign.due_at <= now:
        return 0
    recipients, _ = resolve_recipients(session, campaign.portal_id, campaign.position_keys,
                                       campaign.store_ids)
    return add_copies(session, campaign, recipients, now, late=True)


def late_joiner_campaigns(session: Session, now: datetime) -> list[FanoutCampaign]:
    """Return running campaigns that take late joiners and are not yet due."""
    return [c for c in session.scalars(select(FanoutCampaign).where(
        FanoutCampaign.include_late_joiners.is_(True),
        FanoutCampaign.status.in_((SENDING, SENT))))
        if c.due_at is None or c.due_at > now]


def sending_campaign_ids(session: Session) -> list[int]:
    """Return the campaigns that still have copies to dispatch."""
    return list(session.scalars(select(FanoutCampaign.id).where(
        FanoutCampaign.status == SENDING).order_by(FanoutCampaign.id)))
