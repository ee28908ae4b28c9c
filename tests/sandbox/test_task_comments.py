"""task.commentitem.add/getlist/get: positional, attachments, ONTASKCOMMENTADD."""
from __future__ import annotations

import pytest

from task_portal import ADMIN, FILE_A, FILE_B, MANAGER, OUTSIDER, SELLER, Portal24


@pytest.fixture
def b24() -> Portal24:
    return Portal24()


def test_add_returns_id_attaches_files_and_fires_event(b24: Portal24) -> None:
    task_id = b24.add_task()
    b24.sink.fired.clear()
    comment_id = b24.call("task.commentitem.add", {"TASKID": task_id, "FIELDS": {
        "POST_MESSAGE": "Photos attached", "AUTHOR_ID": SELLER,
        "UF_FORUM_MESSAGE_DOC": [f"n{FILE_A}", f"n{FILE_B}"]}})
    assert isinstance(comment_id, int)
    [event] = b24.events()
    assert (event.event, event.data) == ("ONTASKCOMMENTADD",
                                         {"FIELDS_AFTER": {"ID": comment_id, "TASK_ID": task_id}})
    [row] = b24.call("task.commentitem.getlist", {"TASKID": task_id})
    assert row["AUTHOR_ID"] == str(SELLER) and row["POST_MESSAGE"] == "Photos attached"
    files = list(row["ATTACHED_OBJECTS"].values())
    assert [f["FILE_ID"] for f in files] == [str(FILE_A), str(FILE_B)]
    assert files[0]["DOWNLOAD_URL"] == \
        f"http://sb.test/_sandbox/disk/attached/{files[0]['ATTACHMENT_ID']}/download"
    assert b24.call("task.commentitem.get", {"TASKID": task_id, "ITEMID": comment_id})["ID"] == \
        str(comment_id)
    history = b24.call("tasks.task.history.list", {"taskId": task_id, "filter": {"FIELD": "COMMENT"}})
    assert history["list"][0]["value"] == {"from": None, "to": str(comment_id)}


def test_getlist_orders_by_id_desc_and_filters(b24: Portal24) -> None:
    task_id = b24.add_task()
    ids = [b24.call("task.commentitem.add", {"TASKID": task_id, "FIELDS": {
        "POST_MESSAGE": f"m{n}", "AUTHOR_ID": author}}) for n, author in
        enumerate([ADMIN, MANAGER, ADMIN])]
    rows = b24.call("task.commentitem.getlist", {"TASKID": task_id})
    assert [int(r["ID"]) for r in rows] == sorted(ids, reverse=True)
    mine = b24.call("task.commentitem.getlist", {"TASKID": task_id, "ORDER": {"ID": "asc"},
                                                 "FILTER": {"AUTHOR_ID": ADMIN}})
    assert [int(r["ID"]) for r in mine] == [ids[0], ids[2]]
    later = b24.call("task.commentitem.getlist", {"TASKID": task_id, "ORDER": {},
                                                  "FILTER": {">ID": ids[0]}})
    assert len(later) == 2


@pytest.mark.parametrize(("params", "user", "text"), [
    ({"TASKID": 1, "FIELDS": {"POST_MESSAGE": ""}}, ADMIN, "Comment text is not specified<br>"),
    ({"TASKID": 1, "FIELDS": {"POST_MESSAGE": "x"}}, OUTSIDER,
     "Insufficient permissions to add a comment<br>"),
    ({"TASKID": 1, "FIELDS": {"POST_MESSAGE": "x", "UF_FORUM_MESSAGE_DOC": ["n777"]}}, ADMIN,
     "File not found<br>"),
    ({"TASKID": 1, "FIELDS": {"POST_MESSAGE": "x", "TITLE": "y"}}, ADMIN,
     'TASKS_ERROR_EXCEPTION_#256; Param #1 (arFields) for method ctaskcommentitem::add() must not '
     'contain key "TITLE".; 256/TE/WRONG_ARGUMENTS<br>'),
])
def test_add_errors(b24: Portal24, params: dict[str, object], user: int, text: str) -> None:
    b24.add_task()
    error = b24.error("task.commentitem.add", params, user)
    assert (error.code, error.description) == ("ERROR_CORE", text)
    assert b24.portal.comments == {}


def test_getlist_rejects_misordered_and_unknown_keys(b24: Portal24) -> None:
    task_id = b24.add_task()
    swapped = b24.error("task.commentitem.getlist", {"TASKID": task_id,
                                                     "FILTER": {">=POST_DATE": "2025-01-01"}})
    assert 'Param #1 (arOrder)' in swapped.description and '">=POST_DATE"' in swapped.description
    bad = b24.error("task.commentitem.getlist", {"TASKID": task_id, "ORDER": {},
                                                 "FILTER": {"%POST_DATE": "2025"}})
    assert 'Param #2 (arFilter)' in bad.description
    assert "#512" in b24.error("task.commentitem.get", {"TASKID": task_id, "ITEMID": 5}).description
