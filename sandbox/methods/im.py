"""im.notify.system.add and im.notify (api-reference/chats/notifications), kept for assertions."""
from __future__ import annotations

import json
from typing import Any

from ..errors import RestError
from ..registry import Call, rest_method
from ..state import Notification

ATTACH_LIMIT = 30 * 1024        # "the maximum allowable size of the ATTACH is 30 KB"


def _error(code: str, text: str) -> RestError:
    return RestError(code, text, 400)


def _notify(call: Call, kind: str) -> int | bool:
    try:
        user_id = int(str(call.get("USER_ID", default="0")).strip() or 0)
    except ValueError:
        user_id = 0
    if user_id <= 0:
        raise _error("USER_ID_EMPTY", "User ID can't be empty")
    message = str(call.get("MESSAGE") or "").strip()
    if not message:
        raise _error("MESSAGE_EMPTY", "Message can't be empty")
    if user_id not in call.portal.users:
        return False            # "If the notification was not created, it may return false"
    attach = call.get("ATTACH")
    if attach is not None:
        text = attach if isinstance(attach, str) else json.dumps(attach, ensure_ascii=False)
        if len(text.encode()) > ATTACH_LIMIT:
            raise _error("ATTACH_OVERSIZE", "You have exceeded the maximum allowable size of attach")
        if isinstance(attach, str):
            try:
                json.loads(attach)
            except ValueError:
                raise _error("ATTACH_ERROR", "Incorrect attach params") from None
    tag = str(call.get("TAG") or "")
    sub_tag = str(call.get("SUB_TAG") or "")
    client_id = call.auth.client_id
    if call.auth.kind == "webhook":
        # Webhooks have no application; tags are scoped by CLIENT_ID instead (the docs:
        # "Pass it with CLIENT_ID when calling via webhook").
        client_id = str(call.get("CLIENT_ID") or "")
        if (tag or sub_tag) and not client_id:
            raise _error("CLIENT_ID_EMPTY", "Client ID can't be empty")
        client_id = f"webhook_{client_id}" if client_id else ""
    if tag:
        stale = [n.id for n in call.portal.notifications.values()
                 if n.tag == tag and n.client_id == client_id]
        for note_id in stale:
            del call.portal.notifications[note_id]
    note_id = call.portal.new_id("notification")
    call.portal.notifications[note_id] = Notification(
        id=note_id, user_id=user_id, message=message, kind=kind,
        from_user_id=call.auth.user_id if kind == "user" else None, tag=tag, sub_tag=sub_tag,
        created=call.now(), client_id=client_id)
    return note_id


@rest_method("im.notify.system.add", scope="im")
def notify_system_add(call: Call) -> int | bool:
    """Send a system notification; the same TAG replaces earlier ones of this app."""
    return _notify(call, "system")


@rest_method("im.notify.personal.add", scope="im")
def notify_personal_add(call: Call) -> int | bool:
    """Send a personal notification from the caller."""
    return _notify(call, "user")


@rest_method("im.notify", scope="im")
def notify(call: Call) -> Any:
    """Send a notification; TYPE USER (default) or SYSTEM."""
    kind = str(call.get("TYPE") or "USER").strip().upper()
    return _notify(call, "system" if kind == "SYSTEM" else "user")
