"""App lifecycle over real HTTP: register, install POST, open a placement, update, uninstall."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import requests

from tests.sandbox.receiver import Receiver


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action") or ""
        if tag == "input":
            self.fields.append((values.get("name") or "", values.get("value") or ""))


def register(handle, receiver: Receiver, scopes: list[str]) -> dict:  # type: ignore[no-untyped-def]
    answer = requests.post(handle.control("apps"), json={"install_url": receiver.url + "/install",
                                                         "handler_base": receiver.url + "/", "scopes": scopes},
                           timeout=10)
    assert answer.status_code == 201
    return answer.json()


def test_install_sends_tokens_that_work(sandbox_server, receiver) -> None:  # type: ignore[no-untyped-def]
    app = register(sandbox_server, receiver, ["task", "user", "placement"])
    assert re.fullmatch(r"local\.[0-9a-f]{14}\.\d{8}", app["client_id"])
    result = requests.post(sandbox_server.control(f"apps/{app['client_id']}/install"), json={}, timeout=10).json()
    assert result["delivery"]["status"] == 200
    [install] = receiver.received
    assert install.path == "/install" and install.get("event") == "ONAPPINSTALL"
    assert install.get("data[VERSION]") == "1" and install.get("auth[application_token]") == app["application_token"]
    assert install.get("auth[refresh_token]") and install.get("auth[member_id]") == sandbox_server.portal.member_id
    token = install.get("auth[access_token]")
    endpoint = install.get("auth[client_endpoint]")
    info = requests.post(endpoint + "app.info", json={"auth": token}, timeout=10).json()["result"]
    assert (info["INSTALLED"], info["STATUS"], info["CODE"]) == (True, "L", app["client_id"])
    bind = requests.post(endpoint + "event.bind", json={"auth": token, "event": "ONAPPUNINSTALL",
                                                        "handler": receiver.url + "/uninstall"}, timeout=10)
    assert bind.json()["result"] is True
    requests.post(endpoint + "placement.bind", json={"auth": token, "PLACEMENT": "LEFT_MENU",
                                                     "HANDLER": receiver.url + "/menu", "TITLE": "Store Ops"}, timeout=10)

    page = requests.get(sandbox_server.control("open"), params={"user_id": 5, "placement": "LEFT_MENU",
                                                                "options": json.dumps({"view": "stores"})}, timeout=10)
    form = FormParser()
    form.feed(page.text)
    fields = dict(form.fields)
    assert form.action.startswith(receiver.url + "/menu?DOMAIN=") and "APP_SID=" in form.action
    assert fields["PLACEMENT"] == "LEFT_MENU" and json.loads(fields["PLACEMENT_OPTIONS"]) == {"view": "stores"}
    assert fields["APPLICATION_TOKEN"] == app["application_token"] and fields["status"] == "L"
    assert {"AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID", "SERVER_ENDPOINT", "member_id", "APPLICATION_SCOPE"} <= set(fields)
    who = requests.post(endpoint + "user.current", json={"auth": fields["AUTH_ID"]}, timeout=10).json()["result"]
    assert who["ID"] == "5"
    requests.post(form.action, data=form.fields, timeout=10)
    assert receiver.received[-1].get("AUTH_ID") == fields["AUTH_ID"]

    requests.post(sandbox_server.control(f"apps/{app['client_id']}/update"), json={}, timeout=10)
    assert receiver.received[-1].get("data[VERSION]") == "2"
    fresh = receiver.received[-1].get("auth[access_token]")
    assert requests.post(endpoint + "event.get", json={"auth": fresh}, timeout=10).json()["result"] == []
    assert requests.post(endpoint + "placement.get", json={"auth": fresh}, timeout=10).json()["result"] == []

    requests.post(endpoint + "event.bind", json={"auth": fresh, "event": "ONAPPUNINSTALL",
                                                 "handler": receiver.url + "/uninstall"}, timeout=10)
    gone = requests.post(sandbox_server.control(f"apps/{app['client_id']}/uninstall"), json={"clean": 1}, timeout=10)
    assert gone.json()["installed"] is False
    uninstall = receiver.received[-1]
    assert uninstall.path == "/uninstall" and uninstall.get("event") == "ONAPPUNINSTALL"
    assert uninstall.get("data[CLEAN]") == "1" and uninstall.get("data[LANGUAGE_ID]") == "ru"
    assert uninstall.get("auth[access_token]") is None
    assert uninstall.get("auth[application_token]") == app["application_token"]
    dead = requests.post(endpoint + "app.info", json={"auth": fresh}, timeout=10)
    assert dead.status_code == 401


def test_registration_fires_onuseradd_only_when_completed(sandbox_server, receiver) -> None:  # type: ignore[no-untyped-def]
    app = register(sandbox_server, receiver, ["user"])
    requests.post(sandbox_server.control(f"apps/{app['client_id']}/install"), json={}, timeout=10)
    token = receiver.received[0].get("auth[access_token]")
    endpoint = receiver.received[0].get("auth[client_endpoint]")
    requests.post(endpoint + "event.bind", json={"auth": token, "event": "ONUSERADD",
                                                 "handler": receiver.url + "/events"}, timeout=10)
    new_id = requests.post(sandbox_server.admin_webhook + "user.add",
                           json={"EMAIL": "invitee@uyutdom.ru", "UF_DEPARTMENT": [1]}, timeout=10).json()["result"]
    sandbox_server.sandbox.events.wait_idle(30)
    assert len(receiver.received) == 1
    done = requests.post(sandbox_server.control(f"users/{new_id}/register"), json={"NAME": "Инна"}, timeout=10)
    assert done.json()["registered"] is True
    assert sandbox_server.sandbox.events.wait_idle(30)
    event = receiver.wait_for(2)[-1]
    assert event.get("event") == "ONUSERADD" and event.get("data[ID]") == str(new_id)
    assert event.get("data[NAME]") == "Инна" and event.get("data[UF_DEPARTMENT][0]") == "1"
    again = requests.post(sandbox_server.control(f"users/{new_id}/register"), json={}, timeout=10)
    assert again.status_code == 409


def test_bad_registrations_and_unknown_targets(sandbox_server) -> None:  # type: ignore[no-untyped-def]
    bad = requests.post(sandbox_server.control("apps"), json={"install_url": "nope", "scopes": ["task"]}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "INVALID_REQUEST"
    assert requests.post(sandbox_server.control("apps"), data="{", timeout=10).status_code == 400
    assert requests.post(sandbox_server.control("apps/local.x.1/install"), json={}, timeout=10).status_code == 404
    page = requests.get(sandbox_server.control("open"), params={"user_id": 1, "placement": "LEFT_MENU"}, timeout=10)
    assert page.status_code == 404
