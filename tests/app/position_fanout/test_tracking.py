"""Tracking from Bitrix24, remind the overdue, extend, recall — against the sandbox."""
from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app import workqueue
from b24app.clock import FixedClock
from b24app.position_fanout.actions import extend_deadline, recall, remind_overdue
from b24app.position_fanout.models import FanoutCampaign, FanoutCopy
from b24app.position_fanout.send import dispatch, start_send
from b24app.position_fanout.tracking import classify, refresh, refresh_commands, summary

from .conftest import FanoutEnv
from .test_send import make_campaign


def sent_campaign(env: FanoutEnv, session_factory: sessionmaker[Session], clock: FixedClock) -> int:
    with session_factory.begin() as session:
        campaign_id = make_campaign(session, env, clock, deadline_days="1")
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        start_send(session, campaign, clock.now())
    dispatch(env.services, campaign_id, clock.now())
    workqueue.run_once(env.services, clock.now())
    return campaign_id


def copies(session_factory: sessionmaker[Session], campaign_id: int) -> list[FanoutCopy]:
    with session_factory() as session:
        return list(session.scalars(select(FanoutCopy).where(
            FanoutCopy.campaign_id == campaign_id).order_by(FanoutCopy.id)))


def complete_as(env: FanoutEnv, user_id: int, task_id: int) -> None:
    hook = env.sandbox.webhook(user_id)
    answer = requests.post(hook + "tasks.task.complete", json={"taskId": task_id}, timeout=10)
    assert answer.status_code == 200, answer.text


def test_classify_done_overdue_open() -> None:
    from datetime import datetime, timezone
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert classify(5, now - timedelta(days=1), now) == "done"
    assert classify(4, None, now) == "done"
    assert classify(2, now - timedelta(seconds=1), now) == "overdue"
    assert classify(3, now + timedelta(days=1), now) == "open"


def test_refresh_reads_fifty_ids_per_command() -> None:
    commands = refresh_commands(list(range(1, 2001)))
    assert len(commands) == 40
    assert all(len(c.params["filter"]["ID"]) == 50 for c in commands)  # type: ignore[index]


def test_state_percent_remind_extend_recall(fanout_env: FanoutEnv,
                                            session_factory: sessionmaker[Session],
                                            clock: FixedClock) -> None:
    env = fanout_env
    campaign_id = sent_campaign(env, session_factory, clock)
    sent = copies(session_factory, campaign_id)
    done_now = sent[:2]
    for copy in done_now:
        complete_as(env, copy.user_id, int(copy.task_id or 0))
    stats_before = env.sandbox.stats()
    later = clock.now() + timedelta(days=2)
    assert refresh(env.services, campaign_id, later) == len(sent)
    # One batch request for the whole campaign (fewer than 2,500 copies).
    requests_used = env.sandbox.stats()["http_requests"] - stats_before["http_requests"]
    assert requests_used <= 2
    with session_factory.begin() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        shown = summary(session, campaign)
        assert shown.counts == {"done": 2, "overdue": len(sent) - 2}
        assert shown.percent_done == round(100 * 2 / len(sent))
        reminded = remind_overdue(session, campaign, 0, "ru", "portal.test", later)
        again = remind_overdue(session, campaign, 0, "ru", "portal.test", later)   # double click
    assert (reminded, again) == (len(sent) - 2, 0)
    workqueue.run_once(env.services, later)
    notified = list(env.sandbox.portal.notifications.values())
    assert len(notified) == len(sent) - 2

    new_due = later + timedelta(days=3)
    with session_factory.begin() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        assert extend_deadline(session, campaign, 0, new_due, later) == len(sent) - 2
    workqueue.run_once(env.services, later)
    open_task = env.sandbox.portal.tasks[int(sent[-1].task_id or 0)]
    assert open_task.deadline is not None and open_task.deadline == new_due

    with session_factory.begin() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        assert recall(session, campaign, "delete", later) == len(sent) - 2
    workqueue.run_once(env.services, later)
    left = [c.task_id for c in sent if c.task_id in env.sandbox.portal.tasks]
    assert sorted(left) == sorted(c.task_id for c in done_now)
    refresh(env.services, campaign_id, later)
    states = {c.user_id: c.state for c in copies(session_factory, campaign_id)}
    assert sorted(states.values()).count("gone") == len(sent) - 2
