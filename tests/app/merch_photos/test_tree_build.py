"""The tree and the week tasks against the sandbox: find-or-create, parents, boundaries, cost."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.models import MerchTreeNode, MerchWeekTask
from b24app.merch_photos.ticks import build_week
from b24app.workqueue import WorkItem

from .conftest import MOSCOW, SPB, MerchEnv

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)


def _nodes(env: MerchEnv) -> list[MerchTreeNode]:
    with env.session_factory() as session:
        return list(session.scalars(select(MerchTreeNode).order_by(MerchTreeNode.id)))


def test_first_build_creates_four_levels_per_city_and_a_task_per_store(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    client = merch_env.services.bitrix.for_portal(merch_env.portal_id)
    report = build_week(merch_env.services, pool, IsoWeek(2026, 49), NOW)
    assert report.failed == 0 and report.succeeded == 10       # 2 × 4 nodes + 2 stores
    tasks = merch_env.tasks()
    nodes = {(n.city_id, n.level): n for n in _nodes(merch_env)}
    for city in (MOSCOW, SPB):
        chain = [nodes[(city, level)] for level in ("city", "year", "month", "week")]
        assert tasks[chain[0].task_id].parent_id in (None, 0)
        for parent, child in zip(chain, chain[1:]):
            assert tasks[child.task_id].parent_id == parent.task_id
        assert all(tasks[n.task_id].responsible_id == merch_env.merchandiser for n in chain)
        assert all(tasks[n.task_id].group_id for n in chain)
    week_node = nodes[(MOSCOW, "week")]
    assert tasks[week_node.task_id].title.startswith("Неделя 49 (30.11–06.12)")
    assert tasks[nodes[(MOSCOW, "month")].task_id].title.startswith("Декабрь 2026")
    with merch_env.session_factory() as session:
        store_task = session.scalar(select(MerchWeekTask).where(MerchWeekTask.store_id == 8))
    assert store_task is not None
    created = tasks[store_task.task_id]
    assert created.parent_id == week_node.task_id
    assert created.responsible_id == merch_env.manager_of(8)
    assert created.created_by == merch_env.merchandiser
    # 10 commands fit one batch: the minimum, one project lookup and one create besides.
    assert report.sent_commands == 10
    assert client.requests_sent == 1 + 2


def test_rerun_creates_nothing_and_sends_nothing(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    build_week(merch_env.services, pool, IsoWeek(2026, 49), NOW)
    before = len(merch_env.tasks())
    client = merch_env.services.bitrix.for_portal(merch_env.portal_id)
    sent = client.requests_sent
    again = build_week(merch_env.services, pool, IsoWeek(2026, 49), NOW)
    assert again.claimed == 0
    assert len(merch_env.tasks()) == before
    assert client.requests_sent == sent


def test_next_weeks_reuse_city_year_month_and_cross_month_and_year(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    for week in (IsoWeek(2026, 48), IsoWeek(2026, 49), IsoWeek(2026, 53), IsoWeek(2027, 1)):
        assert build_week(merch_env.services, pool, week, NOW).failed == 0
    nodes = _nodes(merch_env)
    moscow = [n for n in nodes if n.city_id == MOSCOW]
    assert len([n for n in moscow if n.level == "city"]) == 1
    assert sorted(n.period for n in moscow if n.level == "year") == ["2026", "2027"]
    assert sorted(n.period for n in moscow if n.level == "month") == ["2026-11", "2026-12", "2027-01"]
    tasks = merch_env.tasks()
    by_period = {n.period: n for n in moscow}
    # Week 53 (28.12–03.01) hangs under December 2026; week 1 of 2027 under January 2027.
    assert tasks[by_period["2026-W53"].task_id].parent_id == by_period["2026-12"].task_id
    assert tasks[by_period["2027-W01"].task_id].parent_id == by_period["2027-01"].task_id
    assert tasks[by_period["2027-01"].task_id].parent_id == by_period["2027"].task_id
    # Week 49 (30.11–06.12) belongs to December, week 48 to November.
    assert tasks[by_period["2026-W49"].task_id].parent_id == by_period["2026-12"].task_id
    assert tasks[by_period["2026-W48"].task_id].parent_id == by_period["2026-11"].task_id


def test_crash_after_sending_heals_by_tag_instead_of_creating_twice(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, IsoWeek(2026, 49), NOW)
    # Simulate a crash between the call and the record: forget what was recorded.
    with merch_env.session_factory.begin() as session:
        for node in session.scalars(select(MerchTreeNode)):
            node.task_id = None
        for row in session.scalars(select(MerchWeekTask)):
            row.task_id = None
        for item in session.scalars(select(WorkItem)):
            item.status, item.last_error = "pending", "ConnectionError: lost"
    before = len(merch_env.tasks())
    report = build_week(merch_env.services, pool, IsoWeek(2026, 49), NOW)
    assert report.healed == 5 and report.failed == 0
    assert len(merch_env.tasks()) == before
    with merch_env.session_factory() as session:
        assert all(n.task_id for n in session.scalars(select(MerchTreeNode)))
