"""Who sees and changes tasks: members, department heads (recursive), admins, outsiders."""
from __future__ import annotations

import pytest

from task_portal import ADMIN, MANAGER, OUTSIDER, REGION_HEAD, SELLER, SELLER2, Portal24
from sandbox.task_access import subordinates_of


@pytest.fixture
def b24() -> Portal24:
    return Portal24()


def visible(b24: Portal24, user: int) -> list[int]:
    page = b24.page("tasks.task.list", {"select": ["ID"], "order": {"ID": "asc"}}, user)
    return [int(t["id"]) for t in page.items["tasks"]]


def test_subordinates_include_sub_departments(b24: Portal24) -> None:
    assert subordinates_of(b24.portal, REGION_HEAD) == {MANAGER, SELLER, SELLER2}
    assert subordinates_of(b24.portal, MANAGER) == {SELLER, SELLER2}
    assert subordinates_of(b24.portal, SELLER) == set()


def test_visibility_of_members_heads_admins_and_outsiders(b24: Portal24) -> None:
    sellers_task = b24.add_task(user=ADMIN, RESPONSIBLE_ID=SELLER)
    audited = b24.add_task(user=ADMIN, RESPONSIBLE_ID=ADMIN, AUDITORS=[SELLER2])
    hq_task = b24.add_task(user=ADMIN, RESPONSIBLE_ID=OUTSIDER)
    assert visible(b24, SELLER) == [sellers_task]
    assert visible(b24, SELLER2) == [audited]
    assert visible(b24, MANAGER) == [sellers_task, audited]
    assert visible(b24, REGION_HEAD) == [sellers_task, audited]
    assert visible(b24, OUTSIDER) == [hq_task]
    assert visible(b24, ADMIN) == [sellers_task, audited, hq_task]
    assert b24.call("tasks.task.get", {"taskId": hq_task}, SELLER) == []


def test_only_editors_update_and_delete(b24: Portal24) -> None:
    task_id = b24.add_task(user=SELLER2, RESPONSIBLE_ID=SELLER)
    change = {"taskId": task_id, "fields": {"TITLE": "Changed"}}
    assert b24.error("tasks.task.update", change, SELLER).description == \
        "Action on the task is not allowed"
    assert b24.error("tasks.task.update", change, OUTSIDER).code == "0"
    assert b24.call("tasks.task.update", change, MANAGER)["task"]["title"] == "Changed"
    assert b24.error("tasks.task.delete", {"taskId": task_id}, SELLER).code == "1048582"
    assert b24.call("tasks.task.delete", {"taskId": task_id}, SELLER2) == {"task": True}


def test_status_actions_need_a_role(b24: Portal24) -> None:
    task_id = b24.add_task(user=ADMIN, RESPONSIBLE_ID=SELLER, AUDITORS=[OUTSIDER])
    assert b24.error("tasks.task.start", {"taskId": task_id}, OUTSIDER).description == \
        "Action on the task is not allowed"
    assert b24.call("tasks.task.start", {"taskId": task_id}, MANAGER)["task"]["status"] == "3"
    action = b24.call("tasks.task.get", {"taskId": task_id}, SELLER)["task"]["action"]
    assert action["pause"] is True and action["edit"] is False and action["start"] is False


def test_approve_is_for_creator_admin_or_their_head(b24: Portal24) -> None:
    task_id = b24.add_task(user=SELLER2, RESPONSIBLE_ID=SELLER, TASK_CONTROL="Y")
    b24.call("tasks.task.complete", {"taskId": task_id}, SELLER)
    assert b24.error("tasks.task.approve", {"taskId": task_id}, SELLER).code == "0"
    assert b24.call("tasks.task.complete", {"taskId": task_id}, MANAGER)["task"]["status"] == "5"
