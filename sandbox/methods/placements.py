"""placement.bind/unbind/get/list (api-reference/widgets/*); admin + application context."""
from __future__ import annotations

from typing import Any

from ..errors import RestError
from ..handler_urls import check_handler_url
from ..registry import Call, rest_method, to_int
from ..state import PlacementBinding

# Placement code → the tool scope an app needs besides `placement`.
PLACEMENT_SCOPES = {
    "LEFT_MENU": "placement", "REST_APP_URI": "placement", "PAGE_BACKGROUND_WORKER": "placement",
    "TASK_VIEW_TAB": "task", "TASK_VIEW_SIDEBAR": "task", "TASK_VIEW_TOP_PANEL": "task",
    "TASK_LIST_CONTEXT_MENU": "task", "TASK_USER_LIST_TOOLBAR": "task",
    "TASK_GROUP_LIST_TOOLBAR": "task", "TASK_ROBOT_DESIGNER_TOOLBAR": "task",
    "USER_PROFILE_MENU": "user", "USER_PROFILE_TOOLBAR": "user",
}
SINGLE_INSTANCE = {"REST_APP_URI", "PAGE_BACKGROUND_WORKER"}
USER_MODE = {"PAGE_BACKGROUND_WORKER"}
SCOPE_ALIASES = {"user": {"user", "user_basic", "user_brief"}, "task": {"task", "tasks"}}


def _soft_error(code: str, text: str, argument: str | None = None) -> RestError:
    # placement.bind answers these with HTTP 200 (placement-bind.md "Possible Error Codes").
    return RestError(code, text, 200, {"argument": argument} if argument else None)


def _scope_ok(scopes: list[str], needed: str) -> bool:
    return not scopes or bool(SCOPE_ALIASES.get(needed, {needed}) & set(scopes))


def _available(call: Call) -> list[str]:
    scopes = list(call.portal.apps[call.auth.client_id].scopes) if call.auth.kind == "oauth" \
        else list(call.auth.scopes)
    return [code for code, needed in PLACEMENT_SCOPES.items() if _scope_ok(scopes, needed)]


def _text(call: Call, name: str) -> str:
    value = call.get(name)
    return value.strip() if isinstance(value, str) else ""


@rest_method("placement.bind", scope="placement", admin_only=True, app_only=True)
def placement_bind(call: Call) -> bool:
    """Register a widget handler for a placement code."""
    code = _text(call, "PLACEMENT").upper()
    if not code:
        raise _soft_error("ERROR_ARGUMENT", "Argument 'PLACEMENT' is null or empty", "PLACEMENT")
    if code not in _available(call):
        raise RestError("ERROR_PLACEMENT_NOT_FOUND", "Placement not found", 400)
    handler = _text(call, "HANDLER")
    if not handler:
        raise _soft_error("ERROR_ARGUMENT", "Argument 'HANDLER' is null or empty", "HANDLER")
    app = call.portal.apps[call.auth.client_id]
    check_handler_url(handler, app)
    user_id = 0
    if call.get("USER_ID") not in (None, "", 0, "0"):
        if code not in USER_MODE:
            raise _soft_error("ERROR_PLACEMENT_USER_MODE", "User mode is not available")
        user_id = to_int(call.get("USER_ID"), "USER_ID")
    mine = [p for p in call.portal.placements.values()
            if p.client_id == app.client_id and p.placement == code]
    if code in SINGLE_INSTANCE and mine:
        raise _soft_error("ERROR_PLACEMENT_MAX_COUNT", "Placement max count exceeded")
    if any(p.handler == handler and p.user_id == user_id for p in mine):
        raise RestError("ERROR_CORE", "Unable to set placement handler: Handler already binded", 400)
    options, lang_all = call.get("OPTIONS"), call.get("LANG_ALL")
    binding_id = call.portal.new_id("placement")
    call.portal.placements[binding_id] = PlacementBinding(
        id=binding_id, client_id=app.client_id, placement=code, handler=handler,
        title=_text(call, "TITLE"), description=_text(call, "DESCRIPTION"),
        group_name=_text(call, "GROUP_NAME"), user_id=user_id,
        options=options if isinstance(options, dict) else {},
        lang_all=lang_all if isinstance(lang_all, dict) else {})
    return True


@rest_method("placement.unbind", scope="placement", admin_only=True, app_only=True)
def placement_unbind(call: Call) -> dict[str, int]:
    """Remove this app's handlers of a placement (optionally one HANDLER / USER_ID)."""
    raw = call.get("PLACEMENT")
    if raw is not None and not isinstance(raw, str):
        raise RestError("ERROR_ARGUMENT", "The value of an argument 'PLACEMENT' must be of type string",
                        400, {"argument": "PLACEMENT"})
    code = _text(call, "PLACEMENT").upper()
    if not code:
        raise RestError("ERROR_ARGUMENT", "Argument 'PLACEMENT' is null or empty", 400,
                        {"argument": "PLACEMENT"})
    handler = _text(call, "HANDLER")
    user_raw = call.get("USER_ID")
    doomed = [p.id for p in call.portal.placements.values()
              if p.client_id == call.auth.client_id and p.placement == code
              and (not handler or p.handler == handler)
              and (user_raw in (None, "") or p.user_id == to_int(user_raw, "USER_ID"))]
    for binding_id in doomed:
        del call.portal.placements[binding_id]
    # The docs: count grows by 1 per handler found and by 1 more per removal.
    return {"count": 2 * len(doomed)}


def placement_to_wire(binding: PlacementBinding) -> dict[str, Any]:
    return {"placement": binding.placement, "userId": binding.user_id, "handler": binding.handler,
            "options": binding.options or [], "title": binding.title,
            "description": binding.description, "groupName": binding.group_name,
            "langAll": binding.lang_all or []}


@rest_method("placement.get", scope="placement", app_only=True)
def placement_get(call: Call) -> list[dict[str, Any]]:
    """This app's registered handlers."""
    return [placement_to_wire(p) for p in call.portal.placements.values()
            if p.client_id == call.auth.client_id]


@rest_method("placement.list", scope="placement")
def placement_list(call: Call) -> list[str]:
    """Placement codes available to the caller's scopes (FULL: all; SCOPE: one scope's)."""
    scope = str(call.get_ci("SCOPE") or "").strip().lower()
    full = str(call.get_ci("FULL") or "").strip().lower() in ("1", "true", "y")
    codes = list(PLACEMENT_SCOPES) if full else _available(call)
    return [c for c in codes if not scope or PLACEMENT_SCOPES[c] == scope]
