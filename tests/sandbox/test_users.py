"""user.get/current/admin/fields/search/add/update, in process and over HTTP."""
from __future__ import annotations

import requests

from sandbox.app_lifecycle import complete_registration
from sandbox.seed import POSITION_MANAGER
from tests.sandbox.inprocess import call, error_of, items, make_sandbox, store_staff


def test_user_get_pages_of_fifty_in_id_order_with_wire_types() -> None:
    sandbox = make_sandbox(stores=8)
    first = call(sandbox, "user.get", {})
    assert first.total == len(sandbox.portal.users) and first.next == 50
    rows = first.items
    assert [r["ID"] for r in rows] == [str(i) for i in range(1, 51)]
    assert rows[0]["ACTIVE"] is True and isinstance(rows[0]["UF_DEPARTMENT"][0], int)
    assert rows[0]["TIME_ZONE"] == "Europe/Moscow" and rows[0]["USER_TYPE"] == "employee"
    last = call(sandbox, "user.get", {"start": 50 * (first.total // 50)})
    assert last.next is None
    fast = call(sandbox, "user.get", {"start": -1, "filter": {">ID": 10}})
    assert fast.total is None and fast.items[0]["ID"] == "11"


def test_filter_forms_prefixes_and_sort_variants() -> None:
    sandbox = make_sandbox(stores=8)
    store_id, manager, _ = store_staff(sandbox)
    by_filter = items(call(sandbox, "user.get", {"FILTER": {"UF_DEPARTMENT": store_id}}))
    by_lower = items(call(sandbox, "user.get", {"filter": {"UF_DEPARTMENT": [store_id]}}))
    by_top = items(call(sandbox, "user.get", {"UF_DEPARTMENT": str(store_id)}))
    assert by_filter == by_lower == by_top and manager in {int(r["ID"]) for r in by_top}
    managers = items(call(sandbox, "user.get", {"filter": {"WORK_POSITION": POSITION_MANAGER}}))
    assert managers and all(r["WORK_POSITION"].lower() == POSITION_MANAGER.lower() for r in managers)
    assert [r["ID"] for r in items(call(sandbox, "user.get", {"filter": {"@ID": [3, 5, 7]}}))] == ["3", "5", "7"]
    assert "1" not in {r["ID"] for r in items(call(sandbox, "user.get", {"filter": {"!ID": 1}}))}
    surname = sandbox.portal.users[manager].last_name
    found = items(call(sandbox, "user.get", {"filter": {"%LAST_NAME": surname[1:4]}}))
    assert str(manager) in {r["ID"] for r in found}
    desc = items(call(sandbox, "user.get", {"SORT": "ID", "ORDER": "DESC"}))
    assert int(desc[0]["ID"]) == max(sandbox.portal.users)
    assert items(call(sandbox, "user.get", {"sort": "ID", "order": "desc"}))[0] == desc[0]
    picked = items(call(sandbox, "user.get", {"filter": {"ID": 2}, "select": ["NAME"]}))
    assert set(picked[0]) == {"ID", "NAME"}


def test_active_filter_accepts_booleans_and_flags() -> None:
    sandbox = make_sandbox(stores=20)
    total = len(sandbox.portal.users)
    dismissed = sum(not u.active for u in sandbox.portal.users.values())
    assert dismissed > 0
    assert call(sandbox, "user.get", {"filter": {"ACTIVE": True}}).total == total - dismissed
    assert call(sandbox, "user.get", {"filter": {"ACTIVE": "Y"}}).total == total - dismissed
    assert call(sandbox, "user.get", {"ACTIVE": "N"}).total == dismissed
    assert call(sandbox, "user.get", {"filter": {"ACTIVE": "false"}}).total == dismissed


def test_current_admin_fields_and_search() -> None:
    sandbox = make_sandbox()
    _, manager, _ = store_staff(sandbox)
    assert call(sandbox, "user.current", {}, user_id=manager)["ID"] == str(manager)
    assert call(sandbox, "user.admin", {}) is True
    assert call(sandbox, "user.admin", {}, user_id=manager) is False
    assert call(sandbox, "user.fields", {})["WORK_POSITION"] == "Должность"
    name = sandbox.portal.users[manager].last_name
    assert str(manager) in {r["ID"] for r in items(call(sandbox, "user.search", {"FILTER": {"FIND": name}}))}


def test_user_add_validates_and_invites_without_firing_onuseradd() -> None:
    sandbox = make_sandbox()
    store_id, manager, _ = store_staff(sandbox)
    denied = error_of(sandbox, "user.add", {"EMAIL": "x@uyutdom.ru", "UF_DEPARTMENT": [store_id]}, user_id=manager)
    assert (denied.code, denied.description, denied.status) == ("ERROR_CORE", "access_denied", 400)
    assert error_of(sandbox, "user.add", {"UF_DEPARTMENT": [store_id]}).description == "wrong_email"
    assert error_of(sandbox, "user.add", {"EMAIL": "not-an-email", "UF_DEPARTMENT": [1]}).code == "ERROR_ARGUMENT"
    taken = sandbox.portal.users[2].email.upper()
    duplicate = error_of(sandbox, "user.add", {"EMAIL": taken, "UF_DEPARTMENT": [1]})
    assert (duplicate.code, duplicate.description) == ("ERROR_ARGUMENT", "User with this email already exists")
    assert error_of(sandbox, "user.add", {"EMAIL": "n@uyutdom.ru"}).description == "no_extranet_field"
    new_id = call(sandbox, "user.add", {"EMAIL": "new.hire@uyutdom.ru", "UF_DEPARTMENT": [store_id],
                                        "NAME": "Ольга", "WORK_POSITION": "Кассир"})
    assert isinstance(new_id, int)
    row = items(call(sandbox, "user.get", {"ID": new_id}))[0]
    assert (row["EMAIL"], row["UF_DEPARTMENT"], row["NAME"]) == ("new.hire@uyutdom.ru", [store_id], "Ольга")
    assert sandbox.events.fired == []       # type: ignore[attr-defined]
    complete_registration(sandbox, new_id, {"LAST_NAME": "Петрова"})
    fired = sandbox.events.fired            # type: ignore[attr-defined]
    assert [(f.event, f.data["ID"], f.data["UF_DEPARTMENT"]) for f in fired] == [("ONUSERADD", new_id, [store_id])]


def test_user_update_dismisses_and_rehires() -> None:
    sandbox = make_sandbox()
    _, manager, seller = store_staff(sandbox)
    assert call(sandbox, "user.update", {"ID": seller, "ACTIVE": "N"}) is True
    assert error_of(sandbox, "user.current", {}, user_id=seller).code == "NO_AUTH_FOUND"
    assert call(sandbox, "user.update", {"ID": seller, "ACTIVE": "Y", "WORK_POSITION": "Кассир"}) is True
    assert call(sandbox, "user.current", {}, user_id=seller)["WORK_POSITION"] == "Кассир"
    for bad in ({"ID": 999999}, {"ID": "abc"}, {}):
        error = error_of(sandbox, "user.update", bad)
        assert (error.code, error.description) == ("ERROR_CORE", "access_denied")
    assert error_of(sandbox, "user.update", {"ID": seller, "NAME": "X"}, user_id=manager).code == "ERROR_CORE"


def test_dismissed_users_webhook_stops_working_over_http(sandbox_server) -> None:  # type: ignore[no-untyped-def]
    seller = next(u.id for u in sandbox_server.portal.users.values() if not u.is_admin and u.active)
    hook = sandbox_server.webhook(seller)
    assert requests.get(hook + "user.current", timeout=10).json()["result"]["ID"] == str(seller)
    answer = requests.post(sandbox_server.admin_webhook + "user.update", json={"ID": seller, "ACTIVE": "N"}, timeout=10)
    assert answer.json()["result"] is True
    blocked = requests.get(hook + "user.current", timeout=10)
    assert blocked.status_code == 401 and blocked.json()["error"] == "NO_AUTH_FOUND"
