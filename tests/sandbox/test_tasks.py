"""tasks.task.* in-process and over HTTP: fields, errors, list filters, transitions, events."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from task_portal import ADMIN, FILE_A, FILE_B, MANAGER, NOW, SELLER, SELLER2, Portal24


@pytest.fixture
def b24() -> Portal24:
    return Portal24()


def test_add_returns_lower_camel_string_fields_and_fires_ontaskadd(b24: Portal24) -> None:
    task = b24.call("tasks.task.add", {"fields": {
        "TITLE": "Open store #opening", "RESPONSIBLE_ID": SELLER, "CREATED_BY": MANAGER,
        "DEADLINE": "2025-12-31T23:59:59", "TAGS": ["store-7"], "ACCOMPLICES": [SELLER2],
        "CHECKLIST": [{"TITLE": "ignored"}]}})["task"]
    assert task["id"] == "1" and task["status"] == "2" and task["createdBy"] == str(MANAGER)
    assert task["deadline"] == "2025-12-31T23:59:59+03:00"
    assert task["accomplices"] == [str(SELLER2)] and task["checklist"] == []
    assert [t["title"] for t in task["tags"].values()] == ["store-7", "opening"]
    assert task["responsible"]["id"] == str(SELLER) and task["chatId"]
    assert b24.portal.checklist_items == {}
    [event] = b24.events()
    assert (event.event, event.object_key) == ("ONTASKADD", "task:1")
    assert event.data == {"FIELDS_BEFORE": "undefined", "FIELDS_AFTER": {"ID": 1},
                          "IS_ACCESSIBLE_BEFORE": "N", "IS_ACCESSIBLE_AFTER": "undefined"}


@pytest.mark.parametrize(("fields", "code", "text"), [
    (None, "100", "Could not find value for parameter {fields}"),
    ({"RESPONSIBLE_ID": 1}, "ERROR_CORE", "Task title is not specified<br>"),
    ({"TITLE": "x"}, "ERROR_CORE", "Responsible person is not specified<br>"),
    ({"TITLE": "x", "RESPONSIBLE_ID": 999}, "ERROR_CORE",
     'The user specified in the "Responsible" field was not found<br>'),
    ({"TITLE": "x", "RESPONSIBLE_ID": 1, "PARENT_ID": 77}, "ERROR_CORE",
     'The task specified in the "Parent Task" field was not found<br>'),
    ({"TITLE": "x", "RESPONSIBLE_ID": 1, "STATUS": 9}, "ERROR_CORE", "Invalid status<br>"),
    ({"TITLE": "x", "RESPONSIBLE_ID": 1, "DEADLINE": "soon"}, "ERROR_CORE",
     'Invalid date format in the field "DEADLINE"<br>'),
])
def test_add_rejects_bad_fields_with_bitrix_errors(b24: Portal24, fields: object, code: str,
                                                   text: str) -> None:
    error = b24.error("tasks.task.add", {"fields": fields} if fields is not None else {})
    assert (error.code, error.description, error.status) == (code, text, 400)
    assert b24.portal.tasks == {}


def test_webdav_files_become_attachments_and_update_overwrites_the_list(b24: Portal24) -> None:
    task_id = b24.add_task(UF_TASK_WEBDAV_FILES=[f"n{FILE_A}"])
    got = b24.call("tasks.task.get", {"taskId": task_id, "select": ["ID", "UF_TASK_WEBDAV_FILES"]})
    [first] = got["task"]["ufTaskWebdavFiles"]
    assert b24.portal.attached_objects[first].object_id == FILE_A
    assert "ufCrmTask" in got["task"] and "ufMailMessage" in got["task"]
    assert "ufTaskWebdavFiles" not in b24.call("tasks.task.get", {"taskId": task_id})["task"]
    b24.call("tasks.task.update", {"taskId": task_id,
                                   "fields": {"UF_TASK_WEBDAV_FILES": [first, f"n{FILE_B}"]}})
    files = b24.portal.tasks[task_id].attachments
    assert files[0] == first and b24.portal.attached_objects[files[1]].object_id == FILE_B
    b24.call("tasks.task.update", {"taskId": task_id, "fields": {"UF_TASK_WEBDAV_FILES": [files[1]]}})
    assert b24.portal.tasks[task_id].attachments == [files[1]] and first not in b24.portal.attached_objects
    attached = b24.call("tasks.task.files.attach", {"taskId": task_id, "fileId": FILE_A})
    assert attached["attachmentId"] in b24.portal.tasks[task_id].attachments


def test_update_guards_parent_links_and_needs_fields(b24: Portal24) -> None:
    parent = b24.add_task()
    child = b24.add_task(PARENT_ID=parent)
    assert b24.error("tasks.task.update", {"taskId": parent, "fields": {"PARENT_ID": parent}}
                     ).description == "Cannot bind the node to itself<br>"
    assert b24.error("tasks.task.update", {"taskId": parent, "fields": {"PARENT_ID": child}}
                     ).description == "Creating cyclic links in tasks is prohibited<br>"
    assert b24.error("tasks.task.update", {"taskId": parent}).code == "100"
    assert b24.error("tasks.task.update", {"fields": {"TITLE": "x"}}).code == "100"
    assert b24.error("tasks.task.update", {"taskId": "abc", "fields": {"TITLE": "x"}}
                     ).description == "wrong task id"


def test_update_without_changes_fires_nothing_and_changes_fire_ontaskupdate(b24: Portal24) -> None:
    task_id = b24.add_task(TITLE="Same")
    b24.call("tasks.task.update", {"taskId": task_id, "fields": {"TITLE": "Same"}})
    assert b24.events("ONTASKUPDATE") == []
    answer = b24.call("tasks.task.update", {"taskId": task_id, "fields": {"TITLE": "New"}})
    assert answer["task"]["title"] == "New" and len(b24.events("ONTASKUPDATE")) == 1


def test_get_of_missing_task_answers_empty_array(b24: Portal24) -> None:
    assert b24.call("tasks.task.get", {"taskId": 404}) == []
    assert b24.error("tasks.task.get", {"taskId": 1, "select": "ID"}).code == "100"


def test_list_filters_orders_and_pages(b24: Portal24) -> None:
    ids = [b24.add_task(TITLE=f"Task {n}", DEADLINE=(NOW + timedelta(days=n - 2, hours=1)).isoformat())
           for n in range(60)]
    page = b24.page("tasks.task.list", {"select": ["ID"]})
    assert page.total == 60 and page.next == 50 and page.items["tasks"][0]["id"] == str(ids[-1])
    overdue = b24.page("tasks.task.list", {"filter": {"STATUS": -1}, "order": {"ID": "asc"}})
    assert [t["id"] for t in overdue.items["tasks"]] == [str(ids[0]), str(ids[1])]
    assert all(t["subStatus"] == "-1" for t in overdue.items["tasks"])
    soon = b24.page("tasks.task.list", {"filter": {"STATUS": -3}})
    assert [t["id"] for t in soon.items["tasks"]] == [str(ids[2])]
    window = b24.page("tasks.task.list", {"filter": {">=DEADLINE": "2025-11-10T00:00",
                                                      "<DEADLINE": "2025-11-12"}})
    assert sorted(int(t["id"]) for t in window.items["tasks"]) == [ids[6], ids[7]]
    titled = b24.page("tasks.task.list", {"filter": {"TITLE": "Task 1%"}})
    assert titled.total == 11
    some = b24.page("tasks.task.list", {"filter": {"ID": ids[:3], "!ID": ids[1]}})
    assert sorted(int(t["id"]) for t in some.items["tasks"]) == [ids[0], ids[2]]
    fast = b24.page("tasks.task.list", {"start": -1, "order": {"ID": "ASC"}, "filter": {">ID": 5}})
    assert (fast.total, fast.next, len(fast.items["tasks"])) == (None, None, 50)
    by_deadline = b24.page("tasks.task.list", {"order": {"DEADLINE": "desc"}})
    assert by_deadline.items["tasks"][0]["id"] == str(ids[-1])
    error = b24.error("tasks.task.list", {"order": {"NOPE": "asc"}})
    assert (error.code, error.description) == ("0", "Invalid sorting key")


def test_list_filters_tags_members_and_xml_id(b24: Portal24) -> None:
    tagged = b24.add_task(TAGS=["store-1"], AUDITORS=[MANAGER], XML_ID="so:1")
    b24.add_task(TAGS=["store-2"], ACCOMPLICES=[SELLER2])
    for flt, expected in [({"TAG": "store-1"}, [tagged]), ({"AUDITOR": MANAGER}, [tagged]),
                          ({"XML_ID": "so:1"}, [tagged]), ({"!TAG": "store-2"}, [tagged])]:
        found = b24.page("tasks.task.list", {"filter": flt}).items["tasks"]
        assert [int(t["id"]) for t in found] == expected, flt


def test_complete_under_task_control_waits_for_the_creator(b24: Portal24) -> None:
    task_id = b24.add_task(user=MANAGER, TASK_CONTROL="Y")
    done = b24.call("tasks.task.complete", {"taskId": task_id}, user=SELLER)
    assert done["task"]["status"] == "4"
    assert b24.call("tasks.task.approve", {"taskId": task_id}, user=MANAGER)["task"]["status"] == "5"
    task_two = b24.add_task(user=MANAGER, TASK_CONTROL="Y")
    assert b24.call("tasks.task.complete", {"taskId": task_two}, user=MANAGER)["task"]["status"] == "5"
    task_three = b24.add_task(user=MANAGER, TASK_CONTROL="N")
    assert b24.call("tasks.task.complete", {"taskId": task_three}, user=SELLER)["task"]["status"] == "5"


def test_transitions_follow_proceed_action(b24: Portal24) -> None:
    task_id = b24.add_task()
    assert b24.call("tasks.task.start", {"taskId": task_id}, user=SELLER)["task"]["status"] == "3"
    assert b24.call("tasks.task.pause", {"taskId": task_id}, user=SELLER)["task"]["status"] == "2"
    assert b24.call("tasks.task.defer", {"taskId": task_id}, user=SELLER)["task"]["status"] == "6"
    assert b24.call("tasks.task.renew", {"taskId": task_id}, user=SELLER)["task"]["status"] == "2"
    error = b24.error("tasks.task.renew", {"taskId": task_id}, user=SELLER)
    assert (error.code, error.description) == ("0", "Action on the task is not allowed")
    assert b24.error("tasks.task.complete", {"taskId": 999}).description == \
        "Action on the task is not allowed"
    delegated = b24.call("tasks.task.delegate", {"taskId": task_id, "userId": SELLER2}, user=SELLER)
    assert delegated["task"]["responsibleId"] == str(SELLER2)
    assert str(SELLER) in delegated["task"]["auditors"]
    statuses = [(r.value_from, r.value_to) for r in b24.portal.history.values() if r.field == "STATUS"]
    assert statuses == [("2", "3"), ("3", "2"), ("2", "6"), ("6", "2")]


def test_subtasks_auto_complete_parent_with_se_parameter_2(b24: Portal24) -> None:
    parent = b24.add_task(SE_PARAMETER=[{"CODE": 2, "VALUE": "Y"}])
    kids = [b24.add_task(PARENT_ID=parent) for _ in range(2)]
    b24.call("tasks.task.complete", {"taskId": kids[0]})
    assert b24.portal.tasks[parent].status == 2
    b24.call("tasks.task.complete", {"taskId": kids[1]})
    assert b24.portal.tasks[parent].status == 5


def test_delete_answers_task_true_and_fires_ontaskdelete(b24: Portal24) -> None:
    task_id = b24.add_task()
    assert b24.call("tasks.task.delete", {"taskId": task_id}) == {"task": True}
    assert b24.events("ONTASKDELETE")[0].data == {
        "FIELDS_BEFORE": {"ID": task_id}, "FIELDS_AFTER": "undefined",
        "IS_ACCESSIBLE_BEFORE": "undefined", "IS_ACCESSIBLE_AFTER": "N"}
    assert b24.error("tasks.task.delete", {"taskId": task_id}).code == "1048582"


def test_history_list_filters_by_field(b24: Portal24) -> None:
    task_id = b24.add_task()
    b24.call("tasks.task.start", {"taskId": task_id})
    rows = b24.call("tasks.task.history.list", {"taskId": task_id, "filter": {"FIELD": "STATUS"},
                                                "order": {"createdDate": "ASC"}})["list"]
    assert [(r["field"], r["value"]) for r in rows] == [("STATUS", {"from": "2", "to": "3"})]
    assert rows[0]["user"]["id"] == ADMIN
    assert b24.call("tasks.task.history.list", {"taskId": 999}) == {"list": []}


def test_get_fields_describes_status_values(b24: Portal24) -> None:
    fields = b24.call("tasks.task.getfields")["fields"]
    assert fields["TITLE"]["required"] is True and "5" in fields["STATUS"]["values"]


def test_tasks_over_http(sandbox_server) -> None:  # type: ignore[no-untyped-def]
    hook = sandbox_server.admin_webhook
    admin_id = int(hook.rstrip("/").split("/")[-2])
    added = requests.post(hook + "tasks.task.add.json", json={
        "fields": {"TITLE": "HTTP task", "RESPONSIBLE_ID": admin_id}}, timeout=10).json()
    task_id = added["result"]["task"]["id"]
    form = requests.post(hook + "tasks.task.list", data={
        "filter[ID]": task_id, "select[]": ["ID", "TITLE"]}, timeout=10).json()
    assert form["result"]["tasks"][0]["title"] == "HTTP task" and form["total"] == 1
    missing = requests.post(hook + "tasks.task.add", json={"fields": {"RESPONSIBLE_ID": 1}},
                            timeout=10)
    assert missing.status_code == 400
    assert missing.json()["error_description"] == "Task title is not specified<br>"
