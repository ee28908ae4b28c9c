"""Sending against the sandbox portal: one copy per recipient, dismissed skipped, crash-safe."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app import workqueue
from b24app.clock import FixedClock
from b24app.ledger import get_slot
from b24app.position_fanout.compose import DraftInput, create_campaign, validate_draft
from b24app.position_fanout.models import FanoutCampaign, FanoutCopy
from b24app.position_fanout.send import copy_key, dispatch, progress, start_send
from b24app.workqueue.runner import send_items
from b24app.workqueue.store import claim_ready

from .conftest import FanoutEnv

MANAGER_KEY = "управляющий магазином"
SENDER = 1


def make_campaign(session: Session, env: FanoutEnv, clock: FixedClock, **changes: object) -> int:
    values: dict[str, object] = dict(title="Инвентаризация", description="Пересчитать обувь",
                                     deadline_days="2", priority="2", checklist="Склад\nЗал",
                                     position_keys=(MANAGER_KEY,), department_ids=("1",))
    values.update(changes)
    draft, errors = validate_draft(DraftInput(**values), clock.now(), "Europe/Moscow",  # type: ignore[arg-type]
                                   {MANAGER_KEY}, set())
    assert draft is not None, errors
    return create_campaign(session, env.portal_id, SENDER, draft, clock.now()).id


def tasks_tagged(env: FanoutEnv, campaign_id: int) -> list[object]:
    prefix = f"position_fanout:{campaign_id}:"
    return [t for t in env.sandbox.portal.tasks.values()
            if any(tag.startswith(prefix) for tag in t.tags)]


def test_each_recipient_gets_one_copy_with_sender_as_creator_and_auditor(
        fanout_env: FanoutEnv, session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    env = fanout_env
    with session_factory.begin() as session:
        campaign_id = make_campaign(session, env, clock)
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        total = start_send(session, campaign, clock.now())
    assert total >= 8
    dispatch(env.services, campaign_id, clock.now())
    workqueue.run_once(env.services, clock.now())
    dispatch(env.services, campaign_id, clock.now())
    tasks = tasks_tagged(env, campaign_id)
    assert len(tasks) == total
    for task in tasks:
        assert task.created_by == SENDER and task.auditors == [SENDER]  # type: ignore[attr-defined]
        assert task.tags == [copy_key(campaign_id, task.responsible_id)]  # type: ignore[attr-defined]
        items = [i.title for i in env.sandbox.portal.checklist_items.values()  # type: ignore[attr-defined]
                 if i.task_id == task.id and i.parent_id != 0]  # type: ignore[attr-defined]
        assert sorted(items) == ["Зал", "Склад"]
    with session_factory() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None and campaign.status == "sent"
        shown = progress(session, campaign)
        assert (shown.done, shown.total, shown.finished) == (total, total, True)


def test_recipient_dismissed_before_sending_is_skipped_and_listed(
        fanout_env: FanoutEnv, session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    env = fanout_env
    with session_factory.begin() as session:
        campaign_id = make_campaign(session, env, clock)
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        start_send(session, campaign, clock.now())
        leaver = session.scalars(select(FanoutCopy).where(
            FanoutCopy.campaign_id == campaign_id).order_by(FanoutCopy.id)).first()
        assert leaver is not None
    # Dismissed in the portal after the preview; the org model has not synced yet.
    env.sandbox.portal.users[leaver.user_id].active = False
    dispatch(env.services, campaign_id, clock.now())
    workqueue.run_once(env.services, clock.now())
    assert all(t.responsible_id != leaver.user_id for t in tasks_tagged(env, campaign_id))  # type: ignore[attr-defined]
    with session_factory() as session:
        copy = session.get(FanoutCopy, leaver.id)
        assert copy is not None and (copy.status, copy.reason) == ("skipped", "dismissed")
        slot = get_slot(session, env.portal_id, "position_fanout", copy_key(campaign_id, leaver.user_id))
        assert slot is not None and slot.outcome == "skipped"


def test_crash_between_sending_and_recording_neither_loses_nor_duplicates(
        fanout_env: FanoutEnv, session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    env = fanout_env
    with session_factory.begin() as session:
        campaign_id = make_campaign(session, env, clock)
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None
        total = start_send(session, campaign, clock.now())
    dispatch(env.services, campaign_id, clock.now())
    # A worker claims half of the copies, Bitrix24 creates them, and the worker dies before
    # recording anything.
    claimed = claim_ready(session_factory, clock.now(), limit=total // 2, worker_id="doomed",
                          lease_seconds=60)
    client = env.services.bitrix.for_portal(env.portal_id)
    send_items(client, claimed)
    assert len(tasks_tagged(env, campaign_id)) == len(claimed)
    # Another worker picks everything up once the dead worker's lease has expired.
    later = clock.now() + timedelta(minutes=5)
    workqueue.run_once(env.services, later)
    dispatch(env.services, campaign_id, later)
    tasks = tasks_tagged(env, campaign_id)
    assert len(tasks) == total
    assert len({t.responsible_id for t in tasks}) == total  # type: ignore[attr-defined]
    with session_factory() as session:
        copies = list(session.scalars(select(FanoutCopy).where(FanoutCopy.campaign_id == campaign_id)))
        assert {c.status for c in copies} == {"created"}
        assert {c.task_id for c in copies} == {t.id for t in tasks}  # type: ignore[attr-defined]
