"""department.get/add/update/delete."""
from __future__ import annotations

from tests.sandbox.inprocess import call, error_of, items, make_sandbox, store_staff


def test_get_filters_sorts_and_pages() -> None:
    sandbox = make_sandbox(stores=60)
    rows = call(sandbox, "department.get", {})
    assert rows.total == len(sandbox.portal.departments) and rows.next == 50
    root = items(call(sandbox, "department.get", {"ID": 1}))[0]
    assert root["SORT"] == 100 and "PARENT" not in root and root["UF_HEAD"] == "2"
    children = items(call(sandbox, "department.get", {"sort": "NAME", "order": "DESC", "PARENT": 1}))
    names = [c["NAME"] for c in children]
    assert names == sorted(names, key=str.lower, reverse=True) and all(c["PARENT"] == "1" for c in children)
    store_id, manager, _ = store_staff(sandbox)
    assert items(call(sandbox, "department.get", {"UF_HEAD": manager}))[0]["ID"] == str(store_id)
    second = call(sandbox, "department.get", {"START": 50})
    assert second.items[0]["ID"] not in {r["ID"] for r in rows.items}


def test_add_update_delete_and_their_errors() -> None:
    sandbox = make_sandbox()
    store_id, manager, _ = store_staff(sandbox)
    assert error_of(sandbox, "department.add", {"PARENT": 1}).description == "Department name not provided.<br>"
    assert error_of(sandbox, "department.add", {"NAME": "Second root"}).description == \
        "There can only be one top-level department"
    denied = error_of(sandbox, "department.add", {"NAME": "X", "PARENT": 1}, user_id=manager)
    assert (denied.code, denied.description) == ("ERROR_CORE", "Access denied")
    new_id = call(sandbox, "department.add", {"NAME": "Магазин Тест-1", "PARENT": 1, "UF_HEAD": manager})
    assert items(call(sandbox, "department.get", {"ID": new_id}))[0]["UF_HEAD"] == str(manager)
    child = call(sandbox, "department.add", {"NAME": "Склад", "PARENT": new_id})
    assert error_of(sandbox, "department.update", {"ID": new_id, "PARENT": child}).code == "ERROR_CORE"
    assert call(sandbox, "department.update", {"ID": new_id, "NAME": "Магазин Тест-2", "SORT": 10}) is True
    assert error_of(sandbox, "department.update", {"ID": 999999}).description == "Department not found"
    call(sandbox, "user.update", {"ID": manager, "UF_DEPARTMENT": [store_id, child]})
    assert call(sandbox, "department.delete", {"ID": new_id}) is True
    assert child not in sandbox.portal.departments
    assert sandbox.portal.users[manager].departments == [store_id]
    assert error_of(sandbox, "department.delete", {"ID": new_id}).description == "Department not found"



def test_lower_case_sort_is_the_ordering_and_upper_case_sort_is_a_filter() -> None:
    sandbox = make_sandbox(stores=10)
    by_id = items(call(sandbox, "department.get", {"sort": "ID", "order": "DESC"}))
    ids = [int(row["ID"]) for row in by_id]
    assert len(ids) == min(50, len(sandbox.portal.departments)) and ids == sorted(ids, reverse=True)
    root_sort = items(call(sandbox, "department.get", {"ID": 1}))[0]["SORT"]
    filtered = items(call(sandbox, "department.get", {"SORT": root_sort, "sort": "ID"}))
    assert filtered and all(row["SORT"] == root_sort for row in filtered)
