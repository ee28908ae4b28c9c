"""placement.bind/unbind/get/list: admin + app context, documented errors and statuses."""
from __future__ import annotations

from tests.sandbox.inprocess import add_app, call, error_of, make_sandbox, store_staff

HANDLER = "http://127.0.0.1:9/placement/"


def test_bind_get_unbind() -> None:
    sandbox = make_sandbox()
    app = add_app(sandbox, ["placement", "task"])
    assert call(sandbox, "placement.bind", {"PLACEMENT": "TASK_VIEW_TAB", "HANDLER": HANDLER,
                                            "TITLE": "Чек-лист", "OPTIONS": {"groupId": "11,12"}},
                client_id=app.client_id) is True
    assert call(sandbox, "placement.bind", {"PLACEMENT": "left_menu", "HANDLER": HANDLER + "menu"},
                client_id=app.client_id) is True
    bound = call(sandbox, "placement.get", {}, client_id=app.client_id)
    assert bound[0] | {"langAll": None} == {"placement": "TASK_VIEW_TAB", "userId": 0, "handler": HANDLER,
                                            "options": {"groupId": "11,12"}, "title": "Чек-лист",
                                            "description": "", "groupName": "", "langAll": None}
    assert bound[1]["placement"] == "LEFT_MENU"
    assert call(sandbox, "placement.unbind", {"PLACEMENT": "TASK_VIEW_TAB"}, client_id=app.client_id) == {"count": 2}
    assert [p["placement"] for p in call(sandbox, "placement.get", {}, client_id=app.client_id)] == ["LEFT_MENU"]


def test_errors_and_their_http_statuses() -> None:
    sandbox = make_sandbox()
    app = add_app(sandbox, ["placement"])
    bind = lambda params, **kw: error_of(sandbox, "placement.bind", params, **kw)  # noqa: E731
    assert call(sandbox, "placement.bind", {"PLACEMENT": "REST_APP_URI", "HANDLER": HANDLER}, client_id=app.client_id)
    again = bind({"PLACEMENT": "REST_APP_URI", "HANDLER": HANDLER + "2"}, client_id=app.client_id)
    assert (again.code, again.status) == ("ERROR_PLACEMENT_MAX_COUNT", 200)
    missing = bind({"HANDLER": HANDLER}, client_id=app.client_id)
    assert (missing.code, missing.status, missing.extra) == ("ERROR_ARGUMENT", 200, {"argument": "PLACEMENT"})
    assert bind({"PLACEMENT": "NO_SUCH", "HANDLER": HANDLER}, client_id=app.client_id).code == "ERROR_PLACEMENT_NOT_FOUND"
    no_scope = bind({"PLACEMENT": "TASK_VIEW_TAB", "HANDLER": HANDLER}, client_id=app.client_id)
    assert no_scope.code == "ERROR_PLACEMENT_NOT_FOUND"
    user_mode = bind({"PLACEMENT": "LEFT_MENU", "HANDLER": HANDLER, "USER_ID": 2}, client_id=app.client_id)
    assert (user_mode.code, user_mode.status) == ("ERROR_PLACEMENT_USER_MODE", 200)
    assert bind({"PLACEMENT": "LEFT_MENU", "HANDLER": HANDLER}).status == 403   # webhook: WRONG_AUTH_TYPE
    _, manager, _ = store_staff(sandbox)
    denied = bind({"PLACEMENT": "LEFT_MENU", "HANDLER": HANDLER}, user_id=manager, client_id=app.client_id)
    assert (denied.code, denied.status) == ("ACCESS_DENIED", 403)
    assert bind({"PLACEMENT": "LEFT_MENU", "HANDLER": "localhost/x"}, client_id=app.client_id).code == \
        "ERROR_UNSUPPORTED_PROTOCOL"
    unbind = error_of(sandbox, "placement.unbind", {}, client_id=app.client_id)
    assert (unbind.code, unbind.status) == ("ERROR_ARGUMENT", 400)


def test_list_follows_scopes() -> None:
    sandbox = make_sandbox()
    app = add_app(sandbox, ["placement", "user"])
    codes = call(sandbox, "placement.list", {}, client_id=app.client_id)
    assert "USER_PROFILE_MENU" in codes and "LEFT_MENU" in codes and "TASK_VIEW_TAB" not in codes
    assert "TASK_VIEW_TAB" in call(sandbox, "placement.list", {"FULL": True}, client_id=app.client_id)
