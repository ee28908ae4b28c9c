"""Fan-out jobs: dispatch sending campaigns, run due schedules, give late joiners a copy."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from b24app.position_fanout import kinds  # noqa: F401 - registers the fan-out work kinds
from b24app.position_fanout.models import FanoutCampaign, FanoutSchedule
from b24app.position_fanout.reuse import (add_late_joiners, due_schedules, late_joiner_campaigns,
                                          run_schedule, sending_campaign_ids)
from b24app.position_fanout.send import dispatch

from .registry import Interval, JobSpec

if TYPE_CHECKING:
    from b24app.wiring import Services

MAX_SCHEDULES_PER_RUN = 20
MAX_LATE_JOINER_CAMPAIGNS = 50


def run_dispatch(services: Services, now: datetime) -> int:
    """Check recipients of sending campaigns in the portal and enqueue their copies."""
    with services.session_factory() as session:
        campaign_ids = sending_campaign_ids(session)
    return sum(dispatch(services, campaign_id, now) for campaign_id in campaign_ids)


def run_schedules(services: Services, now: datetime) -> int:
    """Start the campaigns of due schedules, one short transaction each."""
    with services.session_factory() as session:
        schedule_ids = [s.id for s in due_schedules(session, now)[:MAX_SCHEDULES_PER_RUN]]
    started = 0
    for schedule_id in schedule_ids:
        with services.session_factory.begin() as session:
            schedule = session.get(FanoutSchedule, schedule_id)
            if schedule is not None and run_schedule(session, schedule, now) is not None:
                started += 1
    return started


def run_late_joiners(services: Services, now: datetime) -> int:
    """Add copies for people who took a campaign's position after it was sent."""
    with services.session_factory() as session:
        campaign_ids = [c.id for c in late_joiner_campaigns(session, now)][:MAX_LATE_JOINER_CAMPAIGNS]
    added = 0
    for campaign_id in campaign_ids:
        with services.session_factory.begin() as session:
            campaign = session.get(FanoutCampaign, campaign_id)
            if campaign is not None:
                added += add_late_joiners(session, campaign, now)
    return added


JOBS = [
    JobSpec("position_fanout_dispatch", run_dispatch, Interval(5),
            "re-check fan-out recipients in the portal and queue their copies"),
    JobSpec("position_fanout_schedules", run_schedules, Interval(60),
            "start recurring fan-out campaigns that are due"),
    JobSpec("position_fanout_late_joiners", run_late_joiners, Interval(900),
            "give new holders of a position a copy of running campaigns that ask for it"),
]
