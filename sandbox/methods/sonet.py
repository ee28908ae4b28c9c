"""sonet_group.create / sonet_group.get: workgroups and projects (api-reference/sonet-group)."""
from __future__ import annotations

from typing import Any

from ..clock import iso
from ..errors import RestError
from ..filtering import MISSING, apply_filter, parse_filter, parse_order, sort_records
from ..registry import Call, Page, page_of, rest_method
from ..state import Group

# The docs answer these failures with an empty error code and a text (sonet-group-create.md).
INCORRECT_INPUT = "Incorrect input data"
NO_PERMISSION = "You have no permissions to create a group"


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return str(value).strip().upper() in ("Y", "1", "TRUE")


def group_to_wire(group: Group) -> dict[str, Any]:
    return {
        "ID": str(group.id), "SITE_ID": "s1", "NAME": group.name, "DESCRIPTION": group.description,
        "DATE_CREATE": iso(group.date_create), "DATE_UPDATE": iso(group.date_create),
        "ACTIVE": "Y", "VISIBLE": "Y", "OPENED": "N", "CLOSED": "N", "SUBJECT_ID": "1",
        "OWNER_ID": str(group.owner_id), "KEYWORDS": "", "NUMBER_OF_MEMBERS": str(len(group.members)),
        "INITIATE_PERMS": "K", "PROJECT": "Y" if group.project else "N", "IS_EXTRANET": "N",
    }


def _field(group: Group, field: str) -> Any:
    return group_to_wire(group).get(field, MISSING)


@rest_method("sonet_group.create", scope="sonet_group")
def group_create(call: Call) -> int:
    """Create a workgroup, or a project with PROJECT=Y; the owner becomes a member."""
    name = call.get("NAME")
    if not isinstance(name, str) or not name.strip():
        raise RestError("", INCORRECT_INPUT, 400)
    owner = call.auth.user_id
    if call.get("OWNER_ID") not in (None, ""):
        try:
            requested = int(str(call.get("OWNER_ID")))
        except ValueError:
            raise RestError("", INCORRECT_INPUT, 400) from None
        if requested != owner and not call.is_admin:
            raise RestError("", NO_PERMISSION, 400)
        if requested not in call.portal.users:
            raise RestError("", INCORRECT_INPUT, 400)
        owner = requested
    group_id = call.portal.new_id("group")
    call.portal.groups[group_id] = Group(
        id=group_id, name=name.strip(), description=str(call.get("DESCRIPTION") or ""),
        owner_id=owner, project=_flag(call.get("PROJECT"), False), members={owner},
        date_create=call.now())
    return group_id


@rest_method("sonet_group.get", scope="sonet_group")
def group_get(call: Call) -> Page:
    """Groups with FILTER and ORDER; every sandbox group is VISIBLE, so all users see all."""
    groups = list(call.portal.groups.values())
    groups = apply_filter(groups, parse_filter(call.get_ci("FILTER")), _field)
    order = parse_order(call.get_ci("ORDER"), {"ID", "NAME", "DATE_CREATE", "PROJECT", "OWNER_ID"},
                        [("NAME", False)])
    sort_records(groups, order, _field)
    page = page_of(groups, call.get_ci("start"))
    page.items = [group_to_wire(g) for g in page.items]
    return page
