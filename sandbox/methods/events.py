"""event.bind/unbind/get, events, event.test, event.offline.* (api-reference/events/*)."""
from __future__ import annotations

import secrets
from typing import Any

from ..clock import iso
from ..errors import RestError, access_denied, argument_error
from ..filtering import MISSING, apply_filter, parse_filter, parse_order, sort_records
from ..registry import Call, Page, page_of, rest_method, to_int
from ..state import App, EventBinding, OfflineEvent
from ..handler_urls import check_handler_url

# Event code → the scope an app needs to bind it.
EVENT_SCOPES = {
    "ONAPPINSTALL": "basic", "ONAPPUNINSTALL": "basic", "ONAPPUPDATE": "basic",
    "ONAPPTEST": "basic", "ONOFFLINEEVENT": "basic",
    "ONTASKADD": "task", "ONTASKUPDATE": "task", "ONTASKDELETE": "task",
    "ONTASKCOMMENTADD": "task", "ONTASKCOMMENTUPDATE": "task", "ONTASKCOMMENTDELETE": "task",
    "ONUSERADD": "user",
}
SCOPE_ALIASES = {"user": {"user", "user_basic", "user_brief"}, "task": {"task", "tasks"}}
OFFLINE_FIELDS = {"ID", "TIMESTAMP_X", "EVENT_NAME", "MESSAGE_ID", "PROCESS_ID", "ERROR"}


def _app(call: Call) -> App:
    return call.portal.apps[call.auth.client_id]


def _scope_ok(scopes: list[str] | tuple[str, ...], needed: str) -> bool:
    if needed == "basic" or not scopes:
        return True
    return bool(SCOPE_ALIASES.get(needed, {needed}) & set(scopes))


def _event_code(call: Call) -> str:
    event = str(call.get("event", "EVENT") or "").strip().upper()
    if event not in EVENT_SCOPES or not _scope_ok(_app(call).scopes, EVENT_SCOPES[event]):
        raise RestError("ERROR_EVENT_NOT_FOUND", "Event not found", 400)
    return event


def _is_offline(call: Call) -> bool:
    return str(call.get("event_type", "EVENT_TYPE") or "online").strip().lower() == "offline"


@rest_method("event.bind", scope="basic", app_only=True)
def event_bind(call: Call) -> bool:
    """Bind a handler (online) or the offline queue (admin only) to an event."""
    event = _event_code(call)
    offline = _is_offline(call)
    raw_auth = call.get("auth_type", "AUTH_TYPE")
    auth_type = to_int(raw_auth, "auth_type") if raw_auth not in (None, "") else 0
    if not call.is_admin and (offline or auth_type not in (0, call.auth.user_id)):
        raise access_denied()
    if auth_type and auth_type not in call.portal.users:
        raise argument_error("Wrong auth_type", "auth_type")
    handler = "" if offline else str(call.get("handler", "HANDLER") or "").strip()
    if not offline:
        if not handler:
            raise argument_error("Argument 'handler' is null or empty", "handler")
        check_handler_url(handler, _app(call))
    for binding in call.portal.event_bindings.values():
        if (binding.client_id == call.auth.client_id and binding.event == event
                and binding.offline == offline and binding.handler == handler):
            raise RestError("ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!", 400)
    options = call.get("options", "OPTIONS")
    binding_id = call.portal.new_id("event_binding")
    call.portal.event_bindings[binding_id] = EventBinding(
        id=binding_id, client_id=call.auth.client_id, event=event, handler=handler,
        auth_type=auth_type, offline=offline, user_id=call.auth.user_id,
        options=options if isinstance(options, dict) else {})
    return True


@rest_method("event.unbind", scope="basic", app_only=True)
def event_unbind(call: Call) -> dict[str, int]:
    """Remove this app's bindings of an event (optionally one handler / auth_type)."""
    event = _event_code(call)
    offline = _is_offline(call)
    handler = str(call.get("handler", "HANDLER") or "").strip()
    raw_auth = call.get("auth_type", "AUTH_TYPE")
    doomed = [b.id for b in call.portal.event_bindings.values()
              if b.client_id == call.auth.client_id and b.event == event and b.offline == offline
              and (not handler or b.handler == handler)
              and (raw_auth in (None, "") or b.auth_type == to_int(raw_auth, "auth_type"))]
    for binding_id in doomed:
        del call.portal.event_bindings[binding_id]
    return {"count": len(doomed)}


@rest_method("event.get", scope="basic", app_only=True)
def event_get(call: Call) -> list[dict[str, Any]]:
    """This app's bindings."""
    return [{"event": b.event, "handler": b.handler, "auth_type": str(b.auth_type),
             "offline": 1 if b.offline else 0}
            for b in call.portal.event_bindings.values() if b.client_id == call.auth.client_id]


@rest_method("events", scope="basic")
def events_list(call: Call) -> list[str]:
    """Event codes available to the caller's scopes (FULL: all; SCOPE: one scope's)."""
    scope = str(call.get_ci("SCOPE") or "").strip().lower()
    full = str(call.get_ci("FULL") or "").strip().lower() in ("1", "true", "y")
    scopes = _app(call).scopes if call.auth.kind == "oauth" else list(call.auth.scopes)
    return [code for code, needed in EVENT_SCOPES.items()
            if (not scope or needed == scope) and (full or _scope_ok(scopes, needed))]


@rest_method("event.test", scope="basic", app_only=True)
def event_test(call: Call) -> bool:
    """Fire ONAPPTEST with data[QUERY] = the call's parameters."""
    query = {k: v for k, v in call.params.items() if k not in ("auth", "__order")}
    call.events.fire("ONAPPTEST", {"QUERY": query}, call.auth.user_id, "")
    return True


def _offline_field(record: OfflineEvent, field: str) -> Any:
    values = {"ID": record.id, "TIMESTAMP_X": iso(record.timestamp), "EVENT_NAME": record.event_name,
              "MESSAGE_ID": record.message_id, "PROCESS_ID": record.process_id,
              "ERROR": 1 if record.error else 0}
    return values.get(field, MISSING)


def _offline_wire(record: OfflineEvent, full: bool) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "ID": str(record.id), "TIMESTAMP_X": iso(record.timestamp),
        "EVENT_NAME": record.event_name, "EVENT_DATA": record.event_data or False,
        "EVENT_ADDITIONAL": record.event_additional or False, "MESSAGE_ID": record.message_id}
    if full:
        wire.update({"PROCESS_ID": record.process_id, "ERROR": "1" if record.error else "0"})
    return wire


def _own_records(call: Call) -> list[OfflineEvent]:
    return [r for r in call.portal.offline_events.values() if r.client_id == call.auth.client_id]


def _process_id(call: Call) -> str:
    process_id = str(call.get("process_id", "PROCESS_ID") or "").strip()
    if not process_id:
        raise argument_error("Argument 'process_id' is null or empty", "process_id")
    return process_id


def _id_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else list(raw.values()) if isinstance(raw, dict) else [raw]
    return [str(v) for v in values]


@rest_method("event.offline.get", scope="basic", admin_only=True, app_only=True)
def offline_get(call: Call) -> dict[str, Any]:
    """Take the first queued records; clear=1 (default) deletes them, clear=0 reserves them."""
    process_id = str(call.get("process_id") or "").strip()
    want_errors = str(call.get("error", default="0")).strip() in ("1", "true", "Y")
    clear = str(call.get("clear", default="1")).strip() not in ("0", "false", "N")
    limit = to_int(call.get("limit", default=50), "limit")
    records = [r for r in _own_records(call) if r.error == want_errors
               and (not r.process_id or (process_id and r.process_id == process_id))]
    records = apply_filter(records, parse_filter(call.get("filter")), _offline_field)
    order = parse_order(call.get("order"), OFFLINE_FIELDS, [("TIMESTAMP_X", False)])
    records = sort_records(records, order + [("ID", False)], _offline_field)[:max(limit, 0)]
    if clear:
        for record in records:
            del call.portal.offline_events[record.id]
        return {"process_id": None, "events": [_offline_wire(r, False) for r in records]}
    process_id = process_id or secrets.token_hex(16)
    for record in records:
        record.process_id = process_id
    return {"process_id": process_id, "events": [_offline_wire(r, False) for r in records]}


@rest_method("event.offline.clear", scope="basic", admin_only=True, app_only=True)
def offline_clear(call: Call) -> bool:
    """Delete records reserved by ``process_id`` (all, or those in ``id`` / ``message_id``)."""
    process_id = _process_id(call)
    ids, messages = _id_list(call.get("id")), _id_list(call.get("message_id"))
    for record in _own_records(call):
        if record.process_id != process_id:
            continue
        if ids and str(record.id) not in ids:
            continue
        if not ids and messages and record.message_id not in messages:
            continue
        del call.portal.offline_events[record.id]
    return True


@rest_method("event.offline.error", scope="basic", admin_only=True, app_only=True)
def offline_error(call: Call) -> bool:
    """Mark records of ``process_id`` with the given MESSAGE_IDs as failed."""
    process_id = _process_id(call)
    messages = _id_list(call.get("message_id"))
    for record in _own_records(call):
        if record.process_id == process_id and record.message_id in messages:
            # A failed record leaves the reservation and waits for a get with error=1.
            record.error = True
            record.process_id = ""
    return True


@rest_method("event.offline.list", scope="basic", admin_only=True, app_only=True)
def offline_list(call: Call) -> Page:
    """Read the queue without changing it (default order ID ASC, pages of 50)."""
    records = apply_filter(_own_records(call), parse_filter(call.get("filter")), _offline_field)
    order = parse_order(call.get("order"), OFFLINE_FIELDS, [("ID", False)])
    sort_records(records, order, _offline_field)
    page = page_of(records, call.get("start"))
    page.items = [_offline_wire(r, True) for r in page.items]
    return page
