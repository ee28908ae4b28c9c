"""task.commentitem.add/getlist/get: positional legacy comment methods (old task card).

Any user who can read the task may post, also on behalf of another user via AUTHOR_ID
(task-comment-item-add.md). ``UF_FORUM_MESSAGE_DOC`` ``n``-IDs become forum attachments.
Adding fires ONTASKCOMMENTADD with ``FIELDS_AFTER={ID,TASK_ID}`` and writes a COMMENT
history row.
"""
from __future__ import annotations

from typing import Any, Callable

from ..clock import iso
from ..errors import core_error
from ..registry import Call, rest_method
from ..state import Comment
from ..task_access import TaskAccess
from ..task_legacy import ACTION_FAILED, ITEM_NOT_FOUND, LegacyArgs
from ..task_ops import attach, disk_file_id, fire_comment_add, record
from ..task_values import as_int, as_list, parse_datetime

CLS = "ctaskcommentitem"
WRITABLE = {"POST_MESSAGE", "AUTHOR_ID", "POST_DATE", "UF_FORUM_MESSAGE_DOC"}
SORTABLE = {"ID", "AUTHOR_ID", "AUTHOR_NAME", "AUTHOR_EMAIL", "POST_DATE"}
FILTERABLE = {"ID", "AUTHOR_ID", "AUTHOR_NAME", "POST_DATE"}


def _attachment(call: Call, attached_id: int) -> dict[str, str]:
    attached = call.portal.attached_objects.get(attached_id)
    obj = call.portal.disk_objects.get(attached.object_id) if attached else None
    url = f"{call.base_url}/_sandbox/disk/attached/{attached_id}/download"
    return {"ATTACHMENT_ID": str(attached_id), "NAME": obj.name if obj else "",
            "SIZE": str(len(obj.content)) if obj else "0",
            "FILE_ID": str(obj.id) if obj else "", "DOWNLOAD_URL": url, "VIEW_URL": url}


def comment_row(call: Call, comment: Comment) -> dict[str, Any]:
    """Render a comment as getlist/get answer it."""
    author = call.portal.users.get(comment.author_id)
    return {
        "POST_MESSAGE_HTML": None, "ID": str(comment.id), "AUTHOR_ID": str(comment.author_id),
        "AUTHOR_NAME": f"{author.name} {author.last_name}".strip() if author else "",
        "AUTHOR_EMAIL": author.email if author else "",
        "POST_DATE": iso(comment.post_date), "POST_MESSAGE": comment.message,
        "ATTACHED_OBJECTS": {str(a): _attachment(call, a) for a in comment.attachments},
    }


@rest_method("task.commentitem.add", scope="task")
def comment_add(call: Call) -> int:
    args = LegacyArgs(call, CLS, "add", [("taskId", "integer"), ("arFields", "array")], 2)
    args.check_keys(1, WRITABLE)
    task_id, fields = args.get(0), args.get(1)
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(task_id)
    if task is None or not access.can_read(task):
        raise core_error("Insufficient permissions to add a comment<br>")
    message = str(fields.get("POST_MESSAGE") or "").strip()
    if not message:
        raise core_error("Comment text is not specified<br>")
    author_id = as_int(fields.get("AUTHOR_ID")) if fields.get("AUTHOR_ID") else call.user.id
    if author_id not in call.portal.users:
        raise core_error("Comment author not found<br>")
    try:
        post_date = parse_datetime(fields["POST_DATE"]) if fields.get("POST_DATE") else None
    except ValueError:
        post_date = None
    disk_ids = [disk_file_id(v) for v in as_list(fields.get("UF_FORUM_MESSAGE_DOC"))]
    for disk_id in disk_ids:
        obj = call.portal.disk_objects.get(disk_id) if disk_id else None
        if obj is None or obj.type != "file":
            raise core_error("File not found<br>")
    comment = Comment(id=call.portal.new_id("comment"), task_id=task.id, author_id=author_id,
                      post_date=post_date or call.now(), message=message)
    comment.attachments = [attach(call.portal, d, "forum", "comment", comment.id, author_id)
                           for d in disk_ids if d is not None]
    call.portal.comments[comment.id] = comment
    record(call.portal, task.id, author_id, "COMMENT", None, str(comment.id), call.now())
    fire_comment_add(call, comment.id, task.id)
    return comment.id


def _filter_check(call: Call, key: str, value: Any) -> Callable[[Comment], bool]:
    op = key[:len(key) - len(key.lstrip("!<>="))]
    field = key[len(op):]
    wanted = as_list(value) if isinstance(value, list) else [value]

    def actual(c: Comment) -> Any:
        if field == "ID":
            return c.id
        if field == "AUTHOR_ID":
            return c.author_id
        if field == "AUTHOR_NAME":
            author = call.portal.users.get(c.author_id)
            return f"{author.name} {author.last_name}".strip() if author else ""
        return c.post_date

    def convert(v: Any) -> Any:
        if field in ("ID", "AUTHOR_ID"):
            return as_int(v)
        if field == "POST_DATE":
            try:
                return parse_datetime(str(v))
            except ValueError:
                return None
        return str(v)

    targets = [convert(v) for v in wanted]

    def check(c: Comment) -> bool:
        have = actual(c)
        if op in ("", "="):
            return have in targets
        if op in ("!", "!="):
            return have not in targets
        target = targets[0]
        if target is None:
            return False
        return bool({"<": have < target, "<=": have <= target,
                     ">": have > target, ">=": have >= target}.get(op, False))
    return check


def _row_key(key: str) -> Callable[[dict[str, Any]], Any]:
    if key in ("ID", "AUTHOR_ID"):
        return lambda row: int(row[key])
    return lambda row: str(row[key] or "").lower()


@rest_method("task.commentitem.getlist", scope="task")
def comment_getlist(call: Call) -> list[dict[str, Any]]:
    spec = [("taskId", "integer"), ("arOrder", "array"), ("arFilter", "array")]
    args = LegacyArgs(call, CLS, "getlist", spec, 1)
    args.check_keys(1, SORTABLE)
    args.check_keys(2, FILTERABLE, strip_prefix=True)
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(args.get(0))
    if task is None or not access.can_read(task):
        raise core_error(ACTION_FAILED)
    checks = [_filter_check(call, k, v) for k, v in (args.get(2) or {}).items()]
    comments = [c for c in call.portal.comments.values()
                if c.task_id == task.id and all(check(c) for check in checks)]
    rows = [comment_row(call, c) for c in sorted(comments, key=lambda c: c.id)]
    order = args.get(1) or {"ID": "DESC"}
    for key, direction in reversed(list(order.items())):
        rows.sort(key=_row_key(key), reverse=str(direction).strip().upper() == "DESC")
    return rows


@rest_method("task.commentitem.get", scope="task")
def comment_get(call: Call) -> dict[str, Any]:
    args = LegacyArgs(call, CLS, "get", [("taskId", "integer"), ("itemId", "integer")], 2)
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(args.get(0))
    comment = call.portal.comments.get(args.get(1))
    if task is None or comment is None or comment.task_id != task.id or not access.can_read(task):
        raise core_error(ITEM_NOT_FOUND)
    return comment_row(call, comment)
