"""Comments and notifications sent once, also when an attempt's answer was lost.

``task.commentitem.add`` takes no idempotency key and a comment has no field to stamp one on
that users would not see. So after an attempt that may have reached Bitrix24, the comment is
looked up before it is sent again: ``task.commentitem.getlist`` [TASKID, ORDER, FILTER]
(rest-facts §7), matching the author, the text (whitespace-normalised) and the time (posted
no earlier than the work item was created, less ``CLOCK_SKEW`` for the two clocks).
Notifications need no lookup: ``im.notify.system.add`` with a TAG replaces the earlier
notification with the same TAG (rest-facts §8; a webhook must send CLIENT_ID with it), so
each goes out with its work item's key as TAG and a resend replaces instead of adding.
The new task card (tasks 25.700+) has no getlist (rest-facts §5): the lookup then fails and
the comment is sent again, since a possible duplicate is better than a lost comment.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from ..bitrix.commands import Command
from ..bitrix.errors import B24Error
from .discovery import parse_time
from .stamped import TaskCaller

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=10)
NOTIFY_CLIENT_ID = "storeops"
CLOSED_STATUSES = frozenset({"4", "5"})    # awaiting control, completed


def _normalised(text: Any) -> str:
    return " ".join(str(text or "").split())


def find_comment(client: TaskCaller, task_id: int, text: str, author_id: int | None,
                 since: datetime) -> int | None:
    """Return the ID of a comment with this text (and author) posted since ``since``, or None."""
    filter_: dict[str, Any] = {} if author_id is None else {"AUTHOR_ID": author_id}
    rows = client.call("task.commentitem.getlist", [task_id, {"ID": "asc"}, filter_]) or []
    wanted = _normalised(text)
    for row in rows:
        posted = parse_time(row.get("POST_DATE"))
        if posted is not None and posted < since - CLOCK_SKEW:
            continue
        if author_id is not None and str(row.get("AUTHOR_ID")) != str(author_id):
            continue
        if _normalised(row.get("POST_MESSAGE")) == wanted:
            return int(row["ID"])
    return None


def comment_fields(text: str, author_id: int | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"POST_MESSAGE": text}
    if author_id is not None:
        fields["AUTHOR_ID"] = author_id
    return fields


def comment_command(key: str, task_id: int, text: str, author_id: int | None) -> Command:
    """Return the positional ``task.commentitem.add`` command."""
    return Command(key, "task.commentitem.add", [task_id, comment_fields(text, author_id)])


def comment_once(client: TaskCaller, task_id: int, text: str, author_id: int | None,
                 since: datetime) -> int:
    """Return the comment already posted by an earlier attempt, else post it now."""
    try:
        found = find_comment(client, task_id, text, author_id, since)
    except B24Error as error:
        log.warning("task %s: cannot read comments (%s); posting again", task_id,
                    type(error).__name__)
        found = None
    if found is not None:
        return found
    return int(client.call("task.commentitem.add", [task_id, comment_fields(text, author_id)]))


def notify_params(user_id: int, message: str, tag: str) -> dict[str, Any]:
    """Return ``im.notify.system.add`` params whose TAG makes a resend replace, not add."""
    return {"USER_ID": user_id, "MESSAGE": message, "TAG": tag, "CLIENT_ID": NOTIFY_CLIENT_ID}


def notify_command(key: str, user_id: int, message: str, tag: str) -> Command:
    return Command(key, "im.notify.system.add", notify_params(user_id, message, tag))


def task_status(client: TaskCaller, task_id: int) -> str:
    """Return the task's status code as Bitrix24 sends it ("2", "5", ...)."""
    answer = client.call("tasks.task.get", {"taskId": task_id, "select": ["ID", "STATUS"]})
    task = answer.get("task", {}) if isinstance(answer, dict) else {}
    return str(task.get("status", ""))
