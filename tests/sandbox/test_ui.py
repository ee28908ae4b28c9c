"""The portal UI over real HTTP: pick a user, tasks (overdue), checklist, comments, photos, menu."""
from __future__ import annotations

import base64
import html
import re
from urllib.parse import urljoin

import requests

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_a_user_works_a_task_from_the_portal_ui(sandbox_server, receiver) -> None:  # type: ignore[no-untyped-def]
    base, hook = sandbox_server.base_url, sandbox_server.admin_webhook
    store = next(d for d in sandbox_server.portal.departments.values() if d.name.startswith("Магазин "))
    manager = store.head
    app = requests.post(sandbox_server.control("apps"), json={"install_url": receiver.url + "/install",
                                                              "scopes": ["task", "placement"]}, timeout=10).json()
    requests.post(sandbox_server.control(f"apps/{app['client_id']}/install"), json={}, timeout=10)
    token = receiver.received[0].get("auth[access_token]")
    rest = f"{base}/rest/"
    requests.post(rest + "event.bind", json={"auth": token, "event": "ONTASKUPDATE", "handler": receiver.url + "/ev"}, timeout=10)
    requests.post(rest + "placement.bind", json={"auth": token, "PLACEMENT": "LEFT_MENU", "TITLE": "Открытие магазина",
                                                 "HANDLER": receiver.url + "/menu"}, timeout=10)
    requests.post(rest + "placement.bind", json={"auth": token, "PLACEMENT": "TASK_VIEW_TAB", "TITLE": "Отчёт",
                                                 "HANDLER": receiver.url + "/tab"}, timeout=10)
    task = requests.post(hook + "tasks.task.add", json={"fields": {
        "TITLE": "Открытие смены", "RESPONSIBLE_ID": manager, "DEADLINE": "2020-01-01T10:00:00+03:00"}},
        timeout=10).json()["result"]["task"]
    item = requests.post(hook + "task.checklistitem.add", json={"TASKID": task["id"], "FIELDS": {"TITLE": "Включить свет"}},
                         timeout=10).json()["result"]
    sandbox_server.sandbox.events.wait_idle(30)
    deliveries = len(sandbox_server.sandbox.events.log)

    assert "Выберите пользователя" in requests.get(base + "/", params={"q": "управляющ"}, timeout=10).text
    listing = requests.get(f"{base}/ui/u/{manager}/tasks", timeout=10).text
    assert "Открытие смены" in listing and 'class="overdue"' in listing and "Открытие магазина" in listing
    page = requests.get(f"{base}/ui/u/{manager}/tasks/{task['id']}", timeout=10).text
    assert "Включить свет" in page and "Выполнено" in page and "Отчёт" in page

    requests.post(f"{base}/ui/u/{manager}/tasks/{task['id']}/checklist/{item}", data={"action": "complete"}, timeout=10)
    got = requests.post(hook + "task.checklistitem.get", json={"TASKID": task["id"], "ITEMID": item}, timeout=10)
    assert got.json()["result"]["IS_COMPLETE"] == "Y"
    requests.post(f"{base}/ui/u/{manager}/tasks/{task['id']}/checklist/{item}", data={"action": "renew"}, timeout=10)
    got = requests.post(hook + "task.checklistitem.get", json={"TASKID": task["id"], "ITEMID": item}, timeout=10)
    assert got.json()["result"]["IS_COMPLETE"] == "N"
    assert sandbox_server.sandbox.events.wait_idle(30)
    assert len(sandbox_server.sandbox.events.log) == deliveries     # a tick or untick fires no event

    requests.post(f"{base}/ui/u/{manager}/tasks/{task['id']}/comments", data={"message": "Свет включён"}, timeout=10)
    requests.post(f"{base}/ui/u/{manager}/tasks/{task['id']}/photos",
                  files={"photo": ("vitrina.png", PNG, "image/png")}, timeout=10)
    page = requests.get(f"{base}/ui/u/{manager}/tasks/{task['id']}", timeout=10).text
    assert "Свет включён" in page and "/_sandbox/disk/attached/" in page
    tab_id = next(p.id for p in sandbox_server.portal.placements.values() if p.placement == "TASK_VIEW_TAB")
    tab = requests.get(f"{base}/ui/u/{manager}/tasks/{task['id']}", params={"tab": tab_id}, timeout=10).text
    assert "/_sandbox/open?" in tab and "TASK_VIEW_TAB" in tab
    menu_binding = next(p.id for p in sandbox_server.portal.placements.values() if p.placement == "LEFT_MENU")
    frame = requests.get(f"{base}/ui/u/{manager}/app/{menu_binding}", timeout=10).text
    assert "<iframe" in frame and "LEFT_MENU" in frame
    # The iframe loads the self-submitting placement form; submitting it reaches the handler.
    src = html.unescape(re.search(r'<iframe src="([^"]+)"', frame).group(1))  # type: ignore[union-attr]
    form = requests.get(urljoin(base + "/", src), timeout=10).text
    action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', form).group(1))  # type: ignore[union-attr]
    fields = dict((html.unescape(n), html.unescape(v))
                  for n, v in re.findall(r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"', form))
    assert fields["PLACEMENT"] == "LEFT_MENU" and fields["APPLICATION_TOKEN"] == app["application_token"]
    requests.post(action, data=fields, timeout=10)
    opened = receiver.received[-1]
    assert opened.path == "/menu" and opened.get("PLACEMENT") == "LEFT_MENU"
    who = requests.post(rest + "profile", json={"auth": opened.get("AUTH_ID")}, timeout=10).json()
    assert who["result"]["ID"] == str(manager)
    error = requests.post(f"{base}/ui/u/{manager}/tasks/{task['id']}/photos", timeout=10)
    assert error.status_code == 400 and "10 МБ" in error.text
