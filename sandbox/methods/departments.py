"""department.get/add/update/delete: ID, NAME, SORT, PARENT, UF_HEAD (api-reference/departments)."""
from __future__ import annotations

from typing import Any

from ..errors import RestError, core_error
from ..filtering import MISSING, apply_filter, parse_filter, sort_records
from ..registry import Call, Page, page_of, rest_method, to_int
from ..state import Department

FIELDS = ("ID", "NAME", "SORT", "PARENT", "UF_HEAD")
NOT_FOUND = "Department not found"
ONE_ROOT = "There can only be one top-level department"


def department_to_wire(dep: Department) -> dict[str, Any]:
    """IDs as strings, SORT an integer; PARENT and UF_HEAD only when set (as documented)."""
    record: dict[str, Any] = {"ID": str(dep.id), "NAME": dep.name, "SORT": dep.sort}
    if dep.parent is not None:
        record["PARENT"] = str(dep.parent)
    if dep.head is not None:
        record["UF_HEAD"] = str(dep.head)
    return record


def _field(dep: Department, field: str) -> Any:
    values = {"ID": dep.id, "NAME": dep.name, "SORT": dep.sort,
              "PARENT": dep.parent if dep.parent is not None else 0,
              "UF_HEAD": dep.head if dep.head is not None else 0}
    return values.get(field, MISSING)


def _require_admin(call: Call) -> None:
    # department.* answer "Access denied" as ERROR_CORE, not the generic 403 (department-delete.md).
    if not call.is_admin:
        raise core_error("Access denied")


def _optional_int(value: Any, what: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    return to_int(value, what)


def _check_parent(call: Call, parent: int | None, moving: int | None = None) -> None:
    deps = call.portal.departments
    if parent is None:
        if any(d.parent is None and d.id != moving for d in deps.values()):
            raise core_error(ONE_ROOT)
        return
    if parent not in deps:
        raise core_error("Parent department not found")
    cursor: int | None = parent
    while cursor is not None and moving is not None:
        if cursor == moving:
            raise core_error("A department cannot be moved under itself or its sub-department")
        cursor = deps[cursor].parent


def _check_head(call: Call, head: int | None) -> None:
    if head is not None and head not in call.portal.users:
        raise core_error("User not found")


@rest_method("department.get", scope="department")
def department_get(call: Call) -> Page:
    """List departments filtered by ID/NAME/SORT/PARENT/UF_HEAD, sort/order, START paging."""
    # Lower-case `sort`/`order` choose the ordering; upper-case field names (SORT included)
    # are filters, as in the documented example {"sort": "NAME", "order": "DESC", "PARENT": 1}.
    top = {k: v for k, v in call.params.items()
           if k == k.upper() and k.lstrip("!=<>@%") in FIELDS}
    conditions = parse_filter(call.get_ci("FILTER")) + parse_filter(top)
    deps = apply_filter(list(call.portal.departments.values()), conditions, _field)
    sort = call.get("sort")
    order = call.get("order", "ORDER")
    field = str(sort).upper() if isinstance(sort, str) and str(sort).upper() in FIELDS else "SORT"
    descending = isinstance(order, str) and order.strip().upper() == "DESC"
    sort_records(deps, [(field, descending), ("ID", False)] if field != "ID" else [("ID", descending)],
                 _field)
    page = page_of(deps, call.get_ci("START"))
    page.items = [department_to_wire(d) for d in page.items]
    return page


@rest_method("department.add", scope="department")
def department_add(call: Call) -> int:
    """Create a department; NAME and PARENT are required, only one root may exist."""
    _require_admin(call)
    name = str(call.get("NAME") or "").strip()
    if not name:
        raise core_error("Department name not provided.<br>")
    parent = _optional_int(call.get("PARENT"), "PARENT")
    _check_parent(call, parent)
    head = _optional_int(call.get("UF_HEAD"), "UF_HEAD")
    _check_head(call, head)
    sort = to_int(call.get("SORT", default=500), "SORT")
    dep_id = call.portal.new_id("department")
    call.portal.departments[dep_id] = Department(dep_id, name, parent, sort, head)
    return dep_id


def _existing(call: Call) -> Department:
    try:
        dep_id = to_int(call.get("ID"), "ID")
    except RestError:
        raise core_error(NOT_FOUND) from None
    dep = call.portal.departments.get(dep_id)
    if dep is None:
        raise core_error(NOT_FOUND)
    return dep


@rest_method("department.update", scope="department")
def department_update(call: Call) -> bool:
    """Change NAME, SORT, PARENT or UF_HEAD of a department."""
    _require_admin(call)
    dep = _existing(call)
    if "NAME" in call.params:
        name = str(call.params["NAME"] or "").strip()
        if not name:
            raise core_error("Department name not provided.<br>")
        dep.name = name
    if "PARENT" in call.params:
        parent = _optional_int(call.params["PARENT"], "PARENT")
        _check_parent(call, parent, moving=dep.id)
        dep.parent = parent
    if "UF_HEAD" in call.params:
        head = _optional_int(call.params["UF_HEAD"], "UF_HEAD")
        _check_head(call, head)
        dep.head = head
    if "SORT" in call.params:
        dep.sort = to_int(call.params["SORT"], "SORT")
    return True


@rest_method("department.delete", scope="department")
def department_delete(call: Call) -> bool:
    """Delete a department and its sub-departments; members lose those departments."""
    _require_admin(call)
    dep = _existing(call)
    if dep.parent is None:
        raise core_error("Access denied")
    doomed = {dep.id}
    grew = True
    while grew:
        children = {d.id for d in call.portal.departments.values() if d.parent in doomed}
        grew = not children <= doomed
        doomed |= children
    for dep_id in doomed:
        del call.portal.departments[dep_id]
    for user in call.portal.users.values():
        if any(d in doomed for d in user.departments):
            user.departments = [d for d in user.departments if d not in doomed]
    return True
