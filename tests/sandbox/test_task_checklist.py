"""task.checklistitem.*: positional arguments, the BX_CHECKLIST_1 root, toggles, no events."""
from __future__ import annotations

import pytest
import requests

from task_portal import ADMIN, MANAGER, OUTSIDER, SELLER, Portal24


@pytest.fixture
def b24() -> Portal24:
    return Portal24()


def add_item(b24: Portal24, task_id: int, user: int = ADMIN, **fields: object) -> int:
    fields.setdefault("TITLE", "Count the till")
    item_id = b24.call("task.checklistitem.add", {"TASKID": task_id, "FIELDS": fields}, user)
    assert isinstance(item_id, int)
    return item_id


def test_first_item_creates_the_bx_checklist_1_root(b24: Portal24) -> None:
    task_id = b24.add_task()
    first = add_item(b24, task_id, TITLE="First")
    second = add_item(b24, task_id, TITLE="Second")
    rows = {r["ID"]: r for r in b24.call("task.checklistitem.getlist", {"TASKID": task_id})}
    [root] = [r for r in rows.values() if r["PARENT_ID"] == 0]
    assert root["TITLE"] == "BX_CHECKLIST_1"
    assert rows[str(first)]["PARENT_ID"] == root["ID"] and rows[str(second)]["SORT_INDEX"] == "1"
    assert [r["ID"] for r in b24.call("task.checklistitem.getlist", {"TASKID": task_id})] == \
        sorted(rows, key=int, reverse=True)
    new_list = add_item(b24, task_id, TITLE="Second list", PARENT_ID=0)
    assert b24.call("task.checklistitem.get", {"TASKID": task_id, "ITEMID": new_list})["PARENT_ID"] == 0


def test_checklist_changes_fire_no_event_but_write_history(b24: Portal24) -> None:
    task_id = b24.add_task()
    b24.sink.fired.clear()
    item = add_item(b24, task_id)
    assert b24.call("task.checklistitem.complete", {"TASKID": task_id, "ITEMID": item}) is True
    assert b24.call("task.checklistitem.complete", {"TASKID": task_id, "ITEMID": item}) is True
    assert b24.call("task.checklistitem.update", {"TASKID": task_id, "ITEMID": item,
                                                  "FIELDS": {"TITLE": "Renamed"}}) is None
    assert b24.call("task.checklistitem.renew", {"TASKID": task_id, "ITEMID": item}) is True
    assert b24.events() == []
    fields = [r["field"] for r in b24.call("tasks.task.history.list", {
        "taskId": task_id, "order": {"createdDate": "ASC"}})["list"]]
    assert fields == ["NEW", "CHECKLIST_ITEM_CREATE", "CHECKLIST_ITEM_CHECK",
                      "CHECKLIST_ITEM_RENAME", "CHECKLIST_ITEM_UNCHECK"]
    checks = b24.call("tasks.task.history.list", {"taskId": task_id,
                                                  "filter": {"FIELD": "CHECKLIST_ITEM_CHECK"}})
    assert len(checks["list"]) == 1


def test_complete_sets_toggled_fields_and_ignores_taskid(b24: Portal24) -> None:
    task_id = b24.add_task()
    item = add_item(b24, task_id)
    assert b24.call("task.checklistitem.complete", {"TASKID": 12345, "ITEMID": item}) is True
    row = b24.call("task.checklistitem.get", {"TASKID": task_id, "ITEMID": item})
    assert (row["IS_COMPLETE"], row["TOGGLED_BY"]) == ("Y", str(ADMIN))
    assert row["TOGGLED_DATE"].startswith("2025-11-06T")


def test_misordered_complete_returns_false(b24: Portal24) -> None:
    task_id = b24.add_task()
    item = add_item(b24, task_id)
    assert b24.call("task.checklistitem.complete", {"ITEMID": item, "TASKID": task_id + 500}) is False
    error = b24.error("task.checklistitem.complete", {"TASKID": 0, "ITEMID": item})
    assert error.description == "TASKS_ERROR_ASSERT_EXCEPTION<br>"


def test_members_add_task_auditors_and_fire_ontaskupdate(b24: Portal24) -> None:
    task_id = b24.add_task()
    b24.sink.fired.clear()
    add_item(b24, task_id, MEMBERS={str(MANAGER): {"TYPE": "U"}})
    assert MANAGER in b24.portal.tasks[task_id].auditors
    assert [e.event for e in b24.events()] == ["ONTASKUPDATE"]


def test_delete_cascades_and_move_after_takes_the_parent(b24: Portal24) -> None:
    task_id = b24.add_task()
    top = add_item(b24, task_id, TITLE="Top")
    child = add_item(b24, task_id, TITLE="Child", PARENT_ID=top)
    other = add_item(b24, task_id, TITLE="Other")
    assert b24.call("task.checklistitem.moveafteritem",
                    {"TASKID": task_id, "ITEMID": other, "AFTERITEMID": child}) is None
    assert b24.portal.checklist_items[other].parent_id == top
    assert b24.call("task.checklistitem.delete", {"TASKID": task_id, "ITEMID": top}) is True
    assert {child, other, top}.isdisjoint(b24.portal.checklist_items)


@pytest.mark.parametrize(("method", "params", "text"), [
    ("task.checklistitem.add", {"TASKID": 1, "FIELDS": {"SORT_INDEX": 1}},
     "TASKS_ERROR_EXCEPTION_#8; Item name not specified; 8/TE/ACTION_FAILED_TO_BE_PROCESSED<br>"),
    ("task.checklistitem.add", {"TASKID": "x", "FIELDS": {"TITLE": "a"}},
     'TASKS_ERROR_EXCEPTION_#256; Param #0 (taskId) for method ctaskchecklistitem::add() expected '
     'to be of type "integer", but given something else.; 256/TE/WRONG_ARGUMENTS<br>'),
    ("task.checklistitem.get", {"TASKID": 1},
     "TASKS_ERROR_EXCEPTION_#256; Param #1 (itemId) expected by method ctaskchecklistitem::get(), "
     "but not given.; 256/TE/WRONG_ARGUMENTS<br>"),
    ("task.checklistitem.get", {"TASKID": 1, "ITEMID": 999},
     "TASKS_ERROR_EXCEPTION_#512; Check listitem not found or not accessible; "
     "512/TE/ITEM_NOT_FOUND_OR_NOT_ACCESSIBLE<br>"),
    ("task.checklistitem.getlist", {"TASKID": 1, "ORDER": {"IS_COMPLETED": "ASC"}},
     'TASKS_ERROR_EXCEPTION_#256; Param #1 (arOrder) for method ctaskchecklistitem::getlist() must '
     'not contain key "IS_COMPLETED".; 256/TE/WRONG_ARGUMENTS<br>'),
])
def test_checklist_errors_use_documented_texts(b24: Portal24, method: str,
                                               params: dict[str, object], text: str) -> None:
    b24.add_task()
    error = b24.error(method, params)
    assert (error.code, error.description) == ("ERROR_CORE", text)


def test_rights_on_items(b24: Portal24) -> None:
    task_id = b24.add_task(user=MANAGER)
    item = add_item(b24, task_id, user=MANAGER)
    assert b24.call("task.checklistitem.complete", {"TASKID": task_id, "ITEMID": item}, SELLER) is True
    assert b24.error("task.checklistitem.update", {"TASKID": task_id, "ITEMID": item,
                                                   "FIELDS": {"TITLE": "x"}}, SELLER).code == "ERROR_CORE"
    assert b24.call("task.checklistitem.isactionallowed",
                    {"TASKID": task_id, "ITEMID": item, "ACTIONID": 2}, SELLER) is False
    assert b24.call("task.checklistitem.isactionallowed",
                    {"TASKID": task_id, "ITEMID": item, "ACTIONID": 4}, SELLER) is True
    assert b24.call("task.checklistitem.complete", {"TASKID": task_id, "ITEMID": item}, OUTSIDER) is False
    assert "Adding item" in b24.error("task.checklistitem.add",
                                      {"TASKID": task_id, "FIELDS": {"TITLE": "a"}}, OUTSIDER).description


def test_task_get_shows_checklist_and_tree(b24: Portal24) -> None:
    task_id = b24.add_task()
    item = add_item(b24, task_id, TITLE="First")
    task = b24.call("tasks.task.get", {"taskId": task_id})["task"]
    assert task["checklist"][str(item)]["title"] == "First"
    [root] = task["checkListTree"]["descendants"]
    assert root["fields"]["title"] == "BX_CHECKLIST_1"
    assert root["descendants"][0]["fields"]["id"] == item


def test_positional_form_body_over_http(sandbox_server) -> None:  # type: ignore[no-untyped-def]
    hook = sandbox_server.admin_webhook
    admin_id = int(hook.rstrip("/").split("/")[-2])
    task = requests.post(hook + "tasks.task.add", json={"fields": {
        "TITLE": "t", "RESPONSIBLE_ID": admin_id}}, timeout=10).json()["result"]["task"]
    added = requests.post(hook + "task.checklistitem.add",
                          data={"0": task["id"], "1[TITLE]": "Via form"}, timeout=10).json()
    assert isinstance(added["result"], int)
    swapped = requests.post(hook + "task.checklistitem.complete",
                            json={"ITEMID": added["result"], "TASKID": 999999}, timeout=10).json()
    assert swapped["result"] is False
