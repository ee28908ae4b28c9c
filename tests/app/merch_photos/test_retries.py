"""Crash and retry: a verdict or a reminder whose answer was lost is finished on retry without a
second comment or notification; one that never reached Bitrix24 is sent on retry, once."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from b24app.bitrix.commands import Command, CommandResult
from b24app.bitrix.errors import B24TransportError
from b24app.merch_photos import verdicts
from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.models import MerchWeekTask
from b24app.merch_photos.reminders import reminder_tick
from b24app.merch_photos.ticks import build_week
from b24app.workqueue import DONE, WorkItem, run_once

from .conftest import MOSCOW, MerchEnv

WEEK = IsoWeek(2026, 49)
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
AFTER_DEADLINE = datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc)
LATER = timedelta(hours=2)          # past any backoff of a first failure


def _break_next_send(env: MerchEnv, monkeypatch: pytest.MonkeyPatch, *, reached: bool) -> None:
    """Make the next ``run_commands`` fail: after Bitrix24 ran it (answer lost) or before."""
    client = env.services.bitrix.for_portal(env.portal_id)
    real = client.run_commands

    def lossy(commands: Sequence[Command]) -> dict[str, CommandResult]:
        monkeypatch.setattr(client, "run_commands", real)      # only this one call fails
        if reached:
            real(commands)
        raise B24TransportError("connection reset while reading the answer")

    monkeypatch.setattr(client, "run_commands", lossy)


def _row(env: MerchEnv) -> MerchWeekTask:
    with env.session_factory() as session:
        row = session.scalar(select(MerchWeekTask).where(MerchWeekTask.store_id == 8))
        assert row is not None
        return row


def _sent(env: MerchEnv, task_id: int, user_id: int) -> tuple[list[str], list[Any]]:
    portal = env.sandbox.portal
    comments = [c.message for c in portal.comments.values() if c.task_id == task_id]
    notes = [n for n in portal.notifications.values() if n.user_id == user_id]
    return comments, notes


def _items(env: MerchEnv, kind: str) -> list[WorkItem]:
    with env.session_factory() as session:
        return list(session.scalars(select(WorkItem).where(WorkItem.kind == kind)))


@pytest.mark.parametrize("reached", [True, False], ids=["answer-lost", "never-sent"])
def test_a_verdict_retried_after_a_crash_comments_completes_and_notifies_once(
        merch_env: MerchEnv, monkeypatch: pytest.MonkeyPatch, reached: bool) -> None:
    pool = merch_env.make_pool([MOSCOW])
    merch_env.set_clock(MONDAY)
    build_week(merch_env.services, pool, WEEK, MONDAY)
    row = _row(merch_env)
    task_id, manager = int(row.task_id or 0), int(row.manager_id or 0)
    _break_next_send(merch_env, monkeypatch, reached=reached)
    report = verdicts.give_verdict(merch_env.services, row.id, verdicts.ACCEPT, "Хорошая выкладка",
                                   merch_env.merchandiser, "crash-form-01", MONDAY)
    assert report.failed == 1
    status = merch_env.sandbox.portal.tasks[task_id].status
    assert status == (5 if reached else 2)
    # The worker picks the item up again later.
    assert run_once(merch_env.services, MONDAY + LATER) == 1
    comments, notes = _sent(merch_env, task_id, manager)
    assert comments == ["Хорошая выкладка"]
    assert len(notes) == 1 and "принят" in notes[0].message
    assert merch_env.sandbox.portal.tasks[task_id].status == 5
    assert _row(merch_env).status == "accepted"
    [item] = _items(merch_env, verdicts.VERDICT_KIND)
    assert item.status == DONE
    # Another retry (a double post of the same form) changes nothing.
    verdicts.give_verdict(merch_env.services, row.id, verdicts.ACCEPT, "Хорошая выкладка",
                          merch_env.merchandiser, "crash-form-01", MONDAY + LATER)
    assert _sent(merch_env, task_id, manager)[0] == comments
    assert len(_sent(merch_env, task_id, manager)[1]) == 1


def test_the_same_words_in_a_later_verdict_are_a_new_comment(merch_env: MerchEnv,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    pool = merch_env.make_pool([MOSCOW])
    merch_env.set_clock(MONDAY)
    build_week(merch_env.services, pool, WEEK, MONDAY)
    row = _row(merch_env)
    verdicts.give_verdict(merch_env.services, row.id, verdicts.COMMENT, "Ок", merch_env.merchandiser,
                          "words-form-01", MONDAY)
    # A day later the same words again; this attempt never reaches Bitrix24, its retry must post.
    merch_env.set_clock(MONDAY + timedelta(days=1))
    _break_next_send(merch_env, monkeypatch, reached=False)
    verdicts.give_verdict(merch_env.services, row.id, verdicts.COMMENT, "Ок", merch_env.merchandiser,
                          "words-form-02", MONDAY + timedelta(days=1))
    run_once(merch_env.services, MONDAY + timedelta(days=1) + LATER)
    comments, notes = _sent(merch_env, int(row.task_id or 0), int(row.manager_id or 0))
    assert comments == ["Ок", "Ок"]
    assert len(notes) == 2                       # one per verdict: their TAGs differ


def test_a_reminder_retried_after_a_lost_answer_is_not_repeated(
        merch_env: MerchEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = merch_env.make_pool([MOSCOW])
    merch_env.set_clock(AFTER_DEADLINE)
    build_week(merch_env.services, pool, WEEK, MONDAY)
    row = _row(merch_env)
    task_id, manager = int(row.task_id or 0), int(row.manager_id or 0)
    client = merch_env.services.bitrix.for_portal(merch_env.portal_id)
    real = client.run_commands

    def lose_the_reminder_answer(commands: Sequence[Command]) -> dict[str, CommandResult]:
        results = real(commands)
        if any(c.method == "task.commentitem.add" for c in commands):
            monkeypatch.setattr(client, "run_commands", real)
            raise B24TransportError("timeout reading the answer")
        return results

    monkeypatch.setattr(client, "run_commands", lose_the_reminder_answer)
    assert reminder_tick(merch_env.services, AFTER_DEADLINE) == 0      # sent, but not recorded
    # The next tick finds the item due again and heals it: the comment is found, not repeated.
    assert reminder_tick(merch_env.services, AFTER_DEADLINE + timedelta(minutes=5)) == 1
    assert run_once(merch_env.services, AFTER_DEADLINE + LATER) == 0
    comments, notes = _sent(merch_env, task_id, manager)
    assert len(comments) == 1 and len(notes) == 1
    assert _row(merch_env).reminded_at is not None
    assert reminder_tick(merch_env.services, AFTER_DEADLINE + 2 * LATER) == 0
    assert len(_sent(merch_env, task_id, manager)[0]) == 1
