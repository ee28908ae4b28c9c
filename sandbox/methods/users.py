"""user.get/current/admin/fields/search/add/update (rest-facts §8, api-reference/user/*)."""
from __future__ import annotations

import re
from typing import Any

from ..clock import iso
from ..errors import RestError, argument_error, core_error
from ..filtering import MISSING, Condition, apply_filter, parse_filter, sort_records
from ..registry import Call, Page, page_of, rest_method, to_int
from ..state import User

# Keys of user.get that are parameters, not top-level filter fields (the docs mix cases).
RESERVED = {"SORT", "ORDER", "FILTER", "ADMIN_MODE", "SELECT", "START", "IMAGE_RESIZE", "AUTH",
            "__ORDER"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELD_LABELS = {
    "ID": "ID", "XML_ID": "Внешний код", "ACTIVE": "Активность", "NAME": "Имя",
    "LAST_NAME": "Фамилия", "SECOND_NAME": "Отчество", "EMAIL": "E-Mail",
    "LAST_LOGIN": "Последняя авторизация", "DATE_REGISTER": "Дата регистрации",
    "IS_ONLINE": "Онлайн", "TIME_ZONE": "Часовой пояс", "PERSONAL_GENDER": "Пол",
    "PERSONAL_BIRTHDAY": "Дата рождения", "PERSONAL_MOBILE": "Мобильный телефон",
    "PERSONAL_CITY": "Город", "WORK_PHONE": "Рабочий телефон", "WORK_POSITION": "Должность",
    "UF_DEPARTMENT": "Подразделения", "USER_TYPE": "Тип пользователя",
}
# Fields a caller may set through user.add/update, mapped to User attributes.
SETTABLE = {"NAME": "name", "LAST_NAME": "last_name", "SECOND_NAME": "second_name",
            "WORK_POSITION": "work_position", "PERSONAL_MOBILE": "personal_mobile",
            "PERSONAL_BIRTHDAY": "personal_birthday", "TIME_ZONE": "time_zone"}
EXTRA_SETTABLE = ("PERSONAL_CITY", "PERSONAL_GENDER", "WORK_PHONE", "XML_ID", "UF_PHONE_INNER")


def to_bool(value: Any) -> bool | None:
    """Read a Y/N-ish flag (true, "Y", 1, "true"); None when it is neither yes nor no."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().upper()
    if text in ("Y", "1", "TRUE"):
        return True
    if text in ("N", "0", "FALSE", ""):
        return False
    return None


def _wire_all(user: User) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ID": str(user.id), "XML_ID": "", "ACTIVE": user.active, "NAME": user.name,
        "LAST_NAME": user.last_name, "SECOND_NAME": user.second_name, "EMAIL": user.email,
        "LAST_LOGIN": iso(user.date_register) if user.registered else None,
        "DATE_REGISTER": iso(user.date_register), "IS_ONLINE": "N", "TIME_ZONE": user.time_zone,
        "PERSONAL_GENDER": "",
        "PERSONAL_BIRTHDAY": (f"{user.personal_birthday}T00:00:00+03:00"
                              if user.personal_birthday else ""),
        "PERSONAL_MOBILE": user.personal_mobile, "PERSONAL_CITY": "", "WORK_PHONE": "",
        "WORK_POSITION": user.work_position, "UF_DEPARTMENT": list(user.departments),
        "USER_TYPE": user.user_type,
    }
    record.update(user.extra)
    return record


_FAST_FIELDS = {
    "ID": lambda u: u.id, "ACTIVE": lambda u: u.active, "NAME": lambda u: u.name,
    "LAST_NAME": lambda u: u.last_name, "EMAIL": lambda u: u.email,
    "WORK_POSITION": lambda u: u.work_position, "UF_DEPARTMENT": lambda u: u.departments,
    "USER_TYPE": lambda u: u.user_type, "TIME_ZONE": lambda u: u.time_zone,
}


def user_field(user: User, field: str) -> Any:
    """One field for filtering and sorting (MISSING when the user has no such field)."""
    fast = _FAST_FIELDS.get(field)
    if fast is not None:
        return fast(user)
    return _wire_all(user).get(field, MISSING)


def user_to_wire(user: User, select: list[str] | None = None) -> dict[str, Any]:
    """The user.get record (IDs as strings, ACTIVE a JSON boolean, UF_DEPARTMENT ints).

    With ``select`` only those fields (``*`` all, ``UF_*`` every user field) plus ID.
    """
    record = _wire_all(user)
    if not select:
        return record
    wanted = {s.upper() for s in select}
    if "*" in wanted:
        return record
    return {k: v for k, v in record.items()
            if k in wanted or k == "ID" or ("UF_*" in wanted and k.startswith("UF_"))}


def _filter_conditions(call: Call) -> list[Condition]:
    conditions = parse_filter(call.get_ci("FILTER"))
    top = {k: v for k, v in call.params.items() if k.upper().lstrip("!=<>@%") not in RESERVED}
    return conditions + parse_filter(top)


def _active_matches(user: User, cond: Condition) -> bool:
    wanted = to_bool(cond.value)
    if wanted is None:
        return True
    return (user.active == wanted) != cond.op.startswith("!")


def _search_matches(user: User, cond: Condition) -> bool:
    words = str(cond.value).lower().split()
    haystack = " ".join((user.name, user.last_name, user.second_name, user.email,
                         user.work_position)).lower()
    return all(word in haystack for word in words)


SPECIAL = {"ACTIVE": _active_matches, "NAME_SEARCH": _search_matches, "FIND": _search_matches}


def _order(call: Call) -> list[tuple[str, bool]]:
    sort, order = call.get_ci("SORT"), call.get_ci("ORDER")
    if isinstance(order, dict) and order:
        return [(str(k).upper(), str(v).upper() == "DESC") for k, v in order.items()]
    field = str(sort).upper() if isinstance(sort, str) and sort.strip() else "ID"
    descending = isinstance(order, str) and order.strip().upper() == "DESC"
    return [(field, descending)]


def _select(call: Call) -> list[str] | None:
    raw = call.get_ci("SELECT")
    if isinstance(raw, dict):
        raw = list(raw.values())
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    return [str(item) for item in raw] if isinstance(raw, list) and raw else None


def _list_users(call: Call, extra: list[Condition] | None = None) -> Page:
    users = [u for u in call.portal.users.values() if u.user_type != "bot"]
    users = apply_filter(users, _filter_conditions(call) + (extra or []), user_field, SPECIAL)
    order = _order(call)
    if order != [("ID", False)]:
        sort_records(users, order, user_field)
    page = page_of(users, call.get_ci("START"))
    select = _select(call)
    page.items = [user_to_wire(u, select) for u in page.items]
    return page


@rest_method("user.get", scope="user_brief")
def user_get(call: Call) -> Page:
    """List users: filters with prefixes, sort/order in either case, pages of 50."""
    return _list_users(call)


@rest_method("user.search", scope="user_brief")
def user_search(call: Call) -> Page:
    """user.get plus FIND (name, surname, e-mail, position words)."""
    return _list_users(call)


@rest_method("user.current", scope="user_brief")
def user_current(call: Call) -> dict[str, Any]:
    """The caller's own record."""
    return user_to_wire(call.user)


@rest_method("user.admin", scope="basic")
def user_admin(call: Call) -> bool:
    """Whether the caller may manage application settings (a portal admin)."""
    return call.is_admin


@rest_method("user.fields", scope="user_brief")
def user_fields(call: Call) -> dict[str, str]:
    """Field codes with their labels."""
    return dict(FIELD_LABELS)


def _departments(call: Call, raw: Any) -> list[int]:
    values = raw if isinstance(raw, list) else list(raw.values()) if isinstance(raw, dict) else [raw]
    ids = [to_int(v, "UF_DEPARTMENT") for v in values if v not in ("", None)]
    missing = [i for i in ids if i not in call.portal.departments]
    if missing:
        raise core_error(f"Department {missing[0]} not found")
    return ids


def _email_taken(call: Call, email: str, except_id: int = 0) -> bool:
    return any(u.email.lower() == email.lower() and u.id != except_id
               for u in call.portal.users.values())


def _apply_fields(call: Call, user: User) -> None:
    for key, attr in SETTABLE.items():
        value = call.get(key)
        if value is not None:
            setattr(user, attr, str(value).strip())
    for key in list(EXTRA_SETTABLE) + [k for k in call.params if k.upper().startswith("UF_")
                                       and k.upper() != "UF_DEPARTMENT"]:
        if key in call.params:
            user.extra[key.upper()] = call.params[key]


@rest_method("user.add", scope="user")
def user_add(call: Call) -> int:
    """Invite a user: EMAIL and UF_DEPARTMENT are required; ONUSERADD waits for registration."""
    if not call.is_admin:
        raise core_error("access_denied")
    email = str(call.get("EMAIL") or "").strip()
    if not EMAIL_RE.match(email):
        raise argument_error("wrong_email", "")
    if _email_taken(call, email):
        raise argument_error("User with this email already exists", "")
    extranet = to_bool(call.get("EXTRANET", default="N"))
    raw_departments = call.get("UF_DEPARTMENT")
    if extranet:
        if not call.get("SONET_GROUP_ID"):
            raise RestError("ERROR_GROUPID", "Group code not specified", 400)
        departments: list[int] = []
    else:
        if raw_departments in (None, "", [], {}):
            raise argument_error("no_extranet_field", "")
        departments = _departments(call, raw_departments)
    user_id = call.portal.new_id("user")
    user = User(id=user_id, email=email, name="", last_name="", departments=departments,
                user_type="extranet" if extranet else "employee",
                date_register=call.now(), registered=False)
    _apply_fields(call, user)
    call.portal.users[user_id] = user
    return user_id


@rest_method("user.update", scope="user")
def user_update(call: Call) -> bool:
    """Change a user; ACTIVE "N" dismisses (their webhooks and tokens stop), "Y" re-hires."""
    try:
        user_id = to_int(call.get("ID"), "ID")
    except RestError:
        raise core_error("access_denied") from None
    user = call.portal.users.get(user_id)
    if user is None or not (call.is_admin or user_id == call.auth.user_id):
        raise core_error("access_denied")
    admin_only = ("ACTIVE", "UF_DEPARTMENT", "EMAIL")
    if not call.is_admin and any(key in call.params for key in admin_only):
        raise core_error("access_denied")
    if "EMAIL" in call.params:
        email = str(call.params["EMAIL"]).strip()
        if not EMAIL_RE.match(email):
            raise argument_error("wrong_email", "")
        if _email_taken(call, email, user_id):
            raise argument_error("User with this email already exists", "")
        user.email = email
    if "UF_DEPARTMENT" in call.params:
        user.departments = _departments(call, call.params["UF_DEPARTMENT"])
    if "ACTIVE" in call.params:
        active = to_bool(call.params["ACTIVE"])
        if active is None:
            raise core_error("Invalid value of ACTIVE")
        user.active = active
    _apply_fields(call, user)
    return True
