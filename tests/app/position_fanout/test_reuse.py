"""Templates, recurring schedules (one campaign per run) and late joiners."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from b24app.position_fanout.compose import DraftInput, create_campaign, validate_draft
from b24app.position_fanout.models import FanoutCampaign, FanoutCopy
from b24app.position_fanout.reuse import (add_late_joiners, create_schedule, next_run,
                                          run_schedule, save_template)
from b24app.position_fanout.send import start_send

from .conftest import Chain, add_user

NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)
KEY = "управляющий магазином"


def test_monthly_on_the_first_in_local_time() -> None:
    assert next_run("monthly", 1, "09:00", "Asia/Yekaterinburg", NOW) == \
        datetime(2027, 1, 1, 4, 0, tzinfo=timezone.utc)
    assert next_run("weekly", 0, "09:00", "Europe/Moscow", NOW) == \
        datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)


def _campaign(session: Session, portal_id: int, chain: Chain, late: bool) -> FanoutCampaign:
    draft, _ = validate_draft(DraftInput(title="Отчёт", deadline_days="5", position_keys=(KEY,),
                                         department_ids=(str(chain.moscow),),
                                         include_late_joiners=late),
                              NOW, "Europe/Moscow", {KEY}, set())
    assert draft is not None
    return create_campaign(session, portal_id, chain.sender, draft, NOW)


def test_a_schedule_run_creates_one_campaign_even_when_run_twice(
        session_factory: sessionmaker[Session], portal_id: int, chain: Chain) -> None:
    with session_factory.begin() as session:
        template = save_template(session, _campaign(session, portal_id, chain, False), "Ежемесячно",
                                 chain.sender, NOW)
        schedule = create_schedule(session, template, chain.sender, "monthly", 1, "09:00",
                                   "Europe/Moscow", NOW)
        due = schedule.next_run_at
        first = run_schedule(session, schedule, due)
        schedule.next_run_at = due          # the job crashed before saving the next run
        second = run_schedule(session, schedule, due)
        assert first is not None and second is not None and first.id == second.id
        assert first.status == "sending" and first.run_key is not None
        assert schedule.next_run_at > due


def test_late_joiner_gets_a_copy_only_if_the_sender_chose_that(
        session_factory: sessionmaker[Session], portal_id: int, chain: Chain) -> None:
    with session_factory.begin() as session:
        with_late = _campaign(session, portal_id, chain, True)
        without = _campaign(session, portal_id, chain, False)
        start_send(session, with_late, NOW)
        start_send(session, without, NOW)
        add_user(session, portal_id, 200, "Новый", "Управляющий магазином", [chain.store_b])
        session.flush()
        later = NOW + timedelta(days=1)
        assert add_late_joiners(session, with_late, later) == 1
        assert add_late_joiners(session, with_late, later) == 0
        assert add_late_joiners(session, without, later) == 0
        late_copy = session.scalar(select(FanoutCopy).where(
            FanoutCopy.campaign_id == with_late.id, FanoutCopy.user_id == 200))
        assert late_copy is not None and late_copy.late_joiner
        assert session.scalar(select(func.count()).select_from(FanoutCopy).where(
            FanoutCopy.campaign_id == without.id, FanoutCopy.user_id == 200)) == 0
