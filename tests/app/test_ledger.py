"""Ledger: one row per slot, outcomes only move forward, counts by store and date."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from b24app import ledger
from b24app.ledger import LedgerSlot, SlotRef


def _slot(store: int, day: date) -> SlotRef:
    return SlotRef("store_opening", f"store:{store}:{day.isoformat()}", store_id=store, local_date=day)


def test_outcome_moves_forward_but_never_back(session_factory: Any, portal_id: int, clock: Any) -> None:
    now = clock.now()
    ref = _slot(12, date(2026, 12, 4))
    with session_factory.begin() as session:
        ledger.record_outcome(session, portal_id, ref, ledger.EXPECTED, now)
        ledger.record_outcome(session, portal_id, ref, ledger.CREATED, now, task_id=501)
        ledger.record_outcome(session, portal_id, ref, ledger.DONE_ON_TIME, now, done_at=now)
        late = ledger.record_outcome(session, portal_id, ref, ledger.CREATED, now + timedelta(hours=1),
                                     task_id=502, reason="late echo")
        assert late.outcome == ledger.DONE_ON_TIME
        assert late.task_id == 502 and late.reason == ""       # fields still written, outcome kept
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(LedgerSlot)) == 1


def test_explicit_regress_is_allowed(session_factory: Any, portal_id: int, clock: Any) -> None:
    ref = _slot(12, date(2026, 12, 4))
    with session_factory.begin() as session:
        ledger.record_outcome(session, portal_id, ref, ledger.MISSED, clock.now())
        slot = ledger.record_outcome(session, portal_id, ref, ledger.CREATED, clock.now(),
                                     reason="reopened by admin", allow_regress=True)
        assert slot.outcome == ledger.CREATED and slot.reason == "reopened by admin"


def test_retrying_and_failed_replace_each_other(session_factory: Any, portal_id: int, clock: Any) -> None:
    ref = _slot(1, date(2026, 12, 4))
    with session_factory.begin() as session:
        ledger.record_outcome(session, portal_id, ref, ledger.RETRYING, clock.now(), reason="503")
        slot = ledger.record_outcome(session, portal_id, ref, ledger.FAILED, clock.now(), reason="400")
        assert slot.outcome == ledger.FAILED and slot.reason == "400"


def test_unknown_outcome_is_rejected(session_factory: Any, portal_id: int, clock: Any) -> None:
    with session_factory.begin() as session, pytest.raises(ValueError):
        ledger.record_outcome(session, portal_id, _slot(1, date(2026, 12, 4)), "finished", clock.now())


def test_counts_by_outcome_for_stores_and_dates(session_factory: Any, portal_id: int, clock: Any) -> None:
    day = date(2026, 12, 4)
    plan = {(1, day): ledger.DONE_ON_TIME, (2, day): ledger.DONE_LATE, (3, day): ledger.SKIPPED,
            (1, day - timedelta(days=1)): ledger.MISSED, (2, day - timedelta(days=1)): ledger.DONE_ON_TIME,
            (4, day): ledger.CREATED}
    with session_factory.begin() as session:
        for (store, when), outcome in plan.items():
            ledger.record_outcome(session, portal_id, _slot(store, when), outcome, clock.now())
        ledger.record_outcome(session, portal_id, SlotRef("position_fanout", "c1:u5", subject_user_id=5),
                              ledger.CREATED, clock.now())
    with session_factory() as session:
        assert ledger.outcome_counts(session, portal_id, "store_opening", store_ids=[1, 2, 3],
                                     date_from=day, date_to=day) == {
            "done_on_time": 1, "done_late": 1, "skipped": 1}
        assert ledger.outcome_counts(session, portal_id, "store_opening") == {
            "done_on_time": 2, "done_late": 1, "skipped": 1, "missed": 1, "created": 1}
        by_store = ledger.outcome_counts_by_store(session, portal_id, "store_opening",
                                                  date_from=day - timedelta(days=1), date_to=day)
        assert by_store[1] == {"done_on_time": 1, "missed": 1}
        assert by_store[4] == {"created": 1}
        assert ledger.outcome_counts(session, portal_id, "position_fanout") == {"created": 1}
