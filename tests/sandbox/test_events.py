"""event.* methods and EventDispatcher delivery to a real local HTTP receiver."""
from __future__ import annotations

from typing import Iterator

import pytest

from sandbox.events import EventDispatcher
from sandbox.runtime import Sandbox
from tests.sandbox.inprocess import add_app, call, error_of, items, make_sandbox, store_staff
from tests.sandbox.receiver import Receiver

AUTH_KEYS = ["auth[access_token]", "auth[expires]", "auth[expires_in]", "auth[scope]", "auth[domain]",
             "auth[server_endpoint]", "auth[status]", "auth[client_endpoint]", "auth[member_id]",
             "auth[user_id]", "auth[application_token]"]


@pytest.fixture
def wired(receiver: Receiver) -> Iterator[tuple[Sandbox, EventDispatcher, str]]:
    sandbox = make_sandbox()
    dispatcher = EventDispatcher(sandbox, timeout=2.0)
    sandbox.events = dispatcher
    app = add_app(sandbox, ["task", "user"], base=receiver.url)
    yield sandbox, dispatcher, app.client_id
    dispatcher.stop()


def test_task_add_is_posted_form_encoded_with_exact_literals(wired, receiver) -> None:  # type: ignore[no-untyped-def]
    sandbox, dispatcher, client_id = wired
    assert call(sandbox, "event.bind", {"event": "OnTaskAdd", "handler": receiver.url + "/events"},
                client_id=client_id) is True
    _, manager, _ = store_staff(sandbox)
    task = call(sandbox, "tasks.task.add", {"fields": {"TITLE": "Открытие", "RESPONSIBLE_ID": manager}})
    assert dispatcher.wait_idle(30)
    [got] = receiver.wait_for(1)
    keys = [k for k, _ in got.form]
    assert got.content_type == "application/x-www-form-urlencoded" and got.path == "/events"
    assert keys[:2] == ["event", "event_handler_id"] and "ts" in keys and keys[-len(AUTH_KEYS):] == AUTH_KEYS
    assert got.get("event") == "ONTASKADD"
    assert got.get("data[FIELDS_AFTER][ID]") == task["task"]["id"]
    assert got.get("data[FIELDS_BEFORE]") == "undefined"
    assert got.get("auth[application_token]") == sandbox.portal.apps[client_id].application_token
    assert got.get("auth[user_id]") == "1" and got.get("auth[status]") == "L"
    assert got.get("auth[access_token]") in sandbox.portal.access_tokens
    assert dispatcher.log[-1]["status"] == 200 and dispatcher.log[-1]["error"] is None


def test_failures_are_logged_and_never_retried(wired, receiver) -> None:  # type: ignore[no-untyped-def]
    sandbox, dispatcher, client_id = wired
    receiver.status = 500
    call(sandbox, "event.bind", {"event": "ONTASKUPDATE", "handler": receiver.url + "/a"}, client_id=client_id)
    call(sandbox, "event.bind", {"event": "ONTASKUPDATE", "handler": "http://127.0.0.1:9/closed"},
         client_id=client_id)
    dispatcher.fire("ONTASKUPDATE", {"FIELDS_BEFORE": {"ID": 5}, "FIELDS_AFTER": {"ID": 5}}, 1, "task:5")
    assert dispatcher.wait_idle(30)
    assert len(receiver.received) == 1
    errors = {str(entry["handler"]).rsplit("/", 1)[-1]: entry["error"] for entry in dispatcher.log}
    assert errors == {"a": "HTTP 500", "closed": "ConnectionError"} and len(dispatcher.log) == 2


def test_system_events_carry_no_tokens_and_uninstalled_apps_get_nothing(wired, receiver) -> None:  # type: ignore[no-untyped-def]
    sandbox, dispatcher, client_id = wired
    call(sandbox, "event.bind", {"event": "ONTASKUPDATE", "handler": receiver.url + "/e"}, client_id=client_id)
    dispatcher.fire("ONTASKUPDATE", {"FIELDS_AFTER": {"ID": 7}}, None, "task:7")
    assert dispatcher.wait_idle(30)
    [got] = receiver.wait_for(1)
    assert got.get("auth[access_token]") is None and got.get("auth[application_token]")
    sandbox.portal.apps[client_id].installed = False
    dispatcher.fire("ONTASKUPDATE", {"FIELDS_AFTER": {"ID": 7}}, 1, "task:7")
    assert dispatcher.wait_idle(30) and len(receiver.received) == 1


def test_bind_errors_get_and_unbind(wired, receiver) -> None:  # type: ignore[no-untyped-def]
    sandbox, _, client_id = wired
    handler = receiver.url + "/h"
    assert call(sandbox, "event.bind", {"event": "ONUSERADD", "handler": handler}, client_id=client_id)
    dup = error_of(sandbox, "event.bind", {"event": "ONUSERADD", "handler": handler}, client_id=client_id)
    assert (dup.code, dup.status) == ("ERROR_HANDLER_ALREADY_EXIST", 400)
    unknown = error_of(sandbox, "event.bind", {"event": "ONCRMLEADADD", "handler": handler}, client_id=client_id)
    assert (unknown.code, unknown.status) == ("ERROR_EVENT_NOT_FOUND", 400)
    assert error_of(sandbox, "event.bind", {"event": "ONUSERADD", "handler": "ftp://x/"},
                    client_id=client_id).code == "ERROR_UNSUPPORTED_PROTOCOL"
    assert error_of(sandbox, "event.bind", {"event": "ONTASKADD", "handler": "https://elsewhere.example/h"},
                    client_id=client_id).code == "ERROR_HANDLER_URL_MISMATCH"
    assert error_of(sandbox, "event.bind", {"event": "ONUSERADD", "handler": handler}).code == "WRONG_AUTH_TYPE"
    _, manager, _ = store_staff(sandbox)
    assert error_of(sandbox, "event.bind", {"event": "ONTASKADD", "event_type": "offline"},
                    user_id=manager, client_id=client_id).code == "ACCESS_DENIED"
    assert call(sandbox, "event.get", {}, client_id=client_id) == [
        {"event": "ONUSERADD", "handler": handler, "auth_type": "0", "offline": 0}]
    assert "ONTASKCOMMENTADD" in call(sandbox, "events", {}, client_id=client_id)
    assert call(sandbox, "event.unbind", {"event": "ONUSERADD", "handler": handler}, client_id=client_id) == {"count": 1}
    assert call(sandbox, "event.get", {}, client_id=client_id) == []


def test_offline_queue_keeps_the_latest_change_per_object(wired) -> None:  # type: ignore[no-untyped-def]
    sandbox, dispatcher, client_id = wired
    assert call(sandbox, "event.bind", {"event": "ONTASKUPDATE", "event_type": "offline"}, client_id=client_id)
    for _ in range(3):
        dispatcher.fire("ONTASKUPDATE", {"FIELDS_AFTER": {"ID": 11}}, 1, "task:11")
    dispatcher.fire("ONTASKUPDATE", {"FIELDS_AFTER": {"ID": 12}}, 1, "task:12")
    listed = call(sandbox, "event.offline.list", {}, client_id=client_id)
    assert listed.total == 2 and listed.items[0]["ERROR"] == "0"
    reserved = call(sandbox, "event.offline.get", {"clear": 0, "limit": 1}, client_id=client_id)
    assert len(reserved["events"]) == 1 and reserved["process_id"]
    assert reserved["events"][0]["EVENT_DATA"] == {"FIELDS_AFTER": {"ID": 11}}
    rest = call(sandbox, "event.offline.get", {"clear": 0}, client_id=client_id)
    assert [e["EVENT_DATA"]["FIELDS_AFTER"]["ID"] for e in rest["events"]] == [12]
    message = reserved["events"][0]["MESSAGE_ID"]
    assert call(sandbox, "event.offline.error", {"process_id": reserved["process_id"], "message_id": [message]},
                client_id=client_id) is True
    assert call(sandbox, "event.offline.get", {"error": 1}, client_id=client_id)["events"][0]["MESSAGE_ID"] == message
    assert call(sandbox, "event.offline.clear", {"process_id": rest["process_id"]}, client_id=client_id) is True
    assert items(call(sandbox, "event.offline.list", {}, client_id=client_id)) == []
    assert error_of(sandbox, "event.offline.clear", {}, client_id=client_id).code == "ERROR_ARGUMENT"
    _, manager, _ = store_staff(sandbox)
    assert error_of(sandbox, "event.offline.get", {}, user_id=manager, client_id=client_id).status == 403
