"""im.notify.system.add / im.notify: recorded notifications and documented errors."""
from __future__ import annotations

from tests.sandbox.inprocess import add_app, call, error_of, make_sandbox


def test_system_notification_is_recorded_and_tag_replaces() -> None:
    sandbox = make_sandbox()
    app = add_app(sandbox, ["im"])
    first = call(sandbox, "im.notify.system.add", {"USER_ID": 5, "MESSAGE": "  Чек-лист просрочен ",
                                                   "TAG": "store-7"}, client_id=app.client_id)
    note = sandbox.portal.notifications[first]
    assert (note.user_id, note.message, note.kind) == (5, "Чек-лист просрочен", "system")
    second = call(sandbox, "im.notify.system.add", {"USER_ID": 5, "MESSAGE": "Новое", "TAG": "store-7"},
                  client_id=app.client_id)
    assert first not in sandbox.portal.notifications and second in sandbox.portal.notifications
    personal = call(sandbox, "im.notify", {"USER_ID": 6, "MESSAGE": "Привет"}, client_id=app.client_id)
    system = call(sandbox, "im.notify", {"USER_ID": 6, "MESSAGE": "Сбой", "TYPE": "SYSTEM"}, client_id=app.client_id)
    assert sandbox.portal.notifications[personal].kind == "user"
    assert sandbox.portal.notifications[system].kind == "system"


def test_errors() -> None:
    sandbox = make_sandbox()
    assert error_of(sandbox, "im.notify.system.add", {"MESSAGE": "x"}).code == "USER_ID_EMPTY"
    assert error_of(sandbox, "im.notify.system.add", {"USER_ID": 0, "MESSAGE": "x"}).code == "USER_ID_EMPTY"
    assert error_of(sandbox, "im.notify.system.add", {"USER_ID": 2, "MESSAGE": "  "}).code == "MESSAGE_EMPTY"
    tag = error_of(sandbox, "im.notify.system.add", {"USER_ID": 2, "MESSAGE": "x", "TAG": "t"})
    assert tag.code == "CLIENT_ID_EMPTY"
    assert call(sandbox, "im.notify.system.add", {"USER_ID": 2, "MESSAGE": "x", "TAG": "t", "CLIENT_ID": "hr"})
    assert call(sandbox, "im.notify.system.add", {"USER_ID": 999999, "MESSAGE": "x"}) is False
    assert error_of(sandbox, "im.notify", {"USER_ID": 2, "MESSAGE": "x", "ATTACH": "{bad"}).code == "ATTACH_ERROR"
