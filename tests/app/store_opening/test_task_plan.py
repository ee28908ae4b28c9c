"""Planning one opening task: people, fields, batch commands with references."""
from __future__ import annotations

import math
from datetime import date, datetime, timezone

from b24app.bitrix.commands import MAX_BATCH, Ref, command_text
from b24app.store_opening.task_plan import (ChecklistItem, People, TaskPlan, plan_commands,
                                            plan_from_payload, plan_to_payload, resolve_people,
                                            slot_key, task_fields, task_tag)


def test_manager_is_responsible_deputies_help_heads_observe() -> None:
    people = resolve_people(110, [111], [111, 112], [103, 102, 102, 101, 110])
    assert people == People(110, (111, 112), (103, 102, 101), False, 103)


def test_vacant_manager_falls_back_to_first_deputy_and_is_flagged() -> None:
    people = resolve_people(None, [111, 113], [111, 112, 113], [103, 102])
    assert people is not None
    assert people.responsible_id == 111 and people.vacant_manager
    assert 111 not in people.accomplices and people.accomplices == (112, 113)


def test_nobody_to_be_responsible() -> None:
    assert resolve_people(None, [], [112], [103]) is None


def test_observers_never_include_the_responsible() -> None:
    people = resolve_people(None, [103], [], [103, 102])
    assert people is not None and people.auditors == (102,) and people.superior_id == 102


def _plan(items: int = 12) -> TaskPlan:
    return TaskPlan(
        slot_key=slot_key(17, date(2026, 12, 4)), store_id=17, local_date=date(2026, 12, 4),
        title="Открытие смены", description="d", people=People(5, (6,), (7, 8), False, 7),
        deadline=datetime(2026, 12, 4, 7, 0, tzinfo=timezone.utc), time_zone="Europe/Moscow",
        items=tuple(ChecklistItem(f"Пункт {i}", important=i == 0, photo=i == 1)
                    for i in range(items)))


def test_fields_carry_local_deadline_tag_and_members() -> None:
    fields = task_fields(_plan())
    assert fields["DEADLINE"] == "2026-12-04T10:00:00+03:00"
    assert fields["TAGS"] == [task_tag("store_opening:17:2026-12-04")]
    assert fields["RESPONSIBLE_ID"] == 5 and fields["ACCOMPLICES"] == [6]
    assert fields["AUDITORS"] == [7, 8]


def test_items_reference_the_task_positionally() -> None:
    commands = plan_commands(_plan(3))
    assert [c.method for c in commands] == ["tasks.task.add"] + ["task.checklistitem.add"] * 3
    first = commands[1]
    assert isinstance(first.params, list) and first.params[0] == Ref("t", "task", "id")
    text = command_text(first.method, first.params)
    assert text.startswith("task.checklistitem.add?0=$result[t][task][id]&1[TITLE]=")
    assert "1[IS_IMPORTANT]=Y" in text


def test_tasks_and_items_fill_batches_to_the_lower_bound() -> None:
    commands = [c for _ in range(250) for c in plan_commands(_plan(12))]
    assert len(commands) == 250 * 13
    assert math.ceil(len(commands) / MAX_BATCH) == 65


def test_payload_round_trip_keeps_the_snapshot() -> None:
    plan = _plan(2)
    assert plan_from_payload(plan_to_payload(plan)) == plan
    assert plan.needs_photo
