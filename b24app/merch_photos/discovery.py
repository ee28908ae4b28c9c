"""Which photos each store's week task has in Bitrix24, recorded without downloading any.

A photo counts wherever the manager put it: on a subtask (the upload page, or a subtask
added by hand), on the week task itself, or in a comment on the week task (what a task's
responsible does without edit rights on it). Tasks are read with ``tasks.task.list``
(rest-facts §5: ``UF_TASK_WEBDAV_FILES`` must be selected by name and holds attachment IDs):
filter PARENT_ID = [50 week tasks] for the subtasks and ID = [50 week tasks] for the tasks'
own files and COMMENTS_COUNT, the first pages of all chunks in one batch, further pages in
the next. Comments are read (``task.commentitem.getlist``, one command per task, batched)
only for tasks whose comment count changed since the last look. Only
attachments not seen before are resolved with ``disk.attachedObject.get`` (50 per batch) for
their name, size and upload time. The rows are stored with no thumbnail; the thumbnails job
makes them (``thumbnail_job``), so no page request ever downloads a photo.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..bitrix.commands import Command, CommandResult
from ..bitrix.envelope import items_of
from .models import MerchPhoto, MerchWeekTask

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient
    from ..wiring import Services

CHUNK = 50
PAGE_SIZE = 50
SELECT = ["ID", "PARENT_ID", "UF_TASK_WEBDAV_FILES", "COMMENTS_COUNT"]


@dataclass
class Discovery:
    """What one discovery pass found: new photos with their fresh download URLs (not stored)."""
    new: int = 0
    gone: int = 0
    download_urls: dict[int, str] = field(default_factory=dict)


def _list_command(key: str, filter_: Mapping[str, Any], start: int = 0) -> Command:
    return Command(key, "tasks.task.list", {"filter": dict(filter_), "select": SELECT,
                                            "order": {"ID": "asc"}, "start": start})


def _rows(result: CommandResult) -> list[dict[str, Any]]:
    if result.error is not None:
        raise result.error
    return [row for row in items_of(result.result, ["tasks"]) if isinstance(row, dict)]


@dataclass
class TaskFiles:
    """Attachments of week tasks: on subtasks and the task itself, and its comment count."""
    files: dict[int, tuple[int, int]] = field(default_factory=dict)   # attachment → (week task, holder)
    comment_counts: dict[int, int] = field(default_factory=dict)


def read_task_files(client: PortalClient, week_task_ids: Sequence[int]) -> TaskFiles:
    """Return the files of these week tasks' subtasks and of the tasks themselves."""
    filters: dict[str, dict[str, list[int]]] = {}
    for number, start in enumerate(range(0, len(week_task_ids), CHUNK)):
        chunk = list(week_task_ids[start:start + CHUNK])
        filters[f"sub{number}"] = {"PARENT_ID": chunk}
        filters[f"own{number}"] = {"ID": chunk}
    answers = client.run_commands([_list_command(key, f) for key, f in filters.items()])
    more: list[Command] = []
    for key, filter_ in filters.items():
        answer = answers[key]
        total = answer.total if answer.total is not None else 0
        for page_start in range(answer.next or PAGE_SIZE, total, PAGE_SIZE):
            more.append(_list_command(f"{key}_{page_start}", filter_, page_start))
    answers.update(client.run_commands(more) if more else {})
    own = set(week_task_ids)
    found = TaskFiles()
    for key, answer in answers.items():
        for task in _rows(answer):
            task_id = int(task["id"])
            week_task = task_id if key.startswith("own") else int(task.get("parentId") or 0)
            if week_task not in own:
                continue
            if key.startswith("own"):
                found.comment_counts[task_id] = int(task.get("commentsCount") or 0)
            for attachment in _attachment_ids(task):
                found.files[attachment] = (week_task, task_id)
    return found


def read_comment_files(client: PortalClient, week_task_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """Return {week task: {attachment: comment}} for the tasks whose comments could be read.

    ``task.commentitem.getlist`` is positional and lists ``ATTACHED_OBJECTS`` by attachment
    ID (rest-facts §7); the new task card has no getlist, and such a task is left out.
    """
    if not week_task_ids:
        return {}
    answers = client.run_commands([Command(f"c{t}", "task.commentitem.getlist", [t, {"ID": "asc"}])
                                   for t in week_task_ids])
    found: dict[int, dict[int, int]] = {}
    for task_id in week_task_ids:
        answer = answers[f"c{task_id}"]
        if not answer.ok or not isinstance(answer.result, list):
            continue
        files: dict[int, int] = {}
        for comment in answer.result:
            attached = comment.get("ATTACHED_OBJECTS") or {}
            for key, info in (attached.items() if isinstance(attached, dict) else []):
                raw = info.get("ATTACHMENT_ID", key) if isinstance(info, dict) else key
                if str(raw).isdigit():
                    files[int(str(raw))] = int(comment["ID"])
        found[task_id] = files
    return found


def _attachment_ids(task: Mapping[str, Any]) -> list[int]:
    raw = task.get("ufTaskWebdavFiles") or []
    values: Iterable[Any] = raw.values() if isinstance(raw, dict) else raw
    return [int(v) for v in values if str(v).isdigit()]


def resolve_attachments(client: PortalClient, attachment_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Return ``disk.attachedObject.get`` answers for these attachments (those that resolved)."""
    if not attachment_ids:
        return {}
    answers = client.run_commands([Command(f"a{a}", "disk.attachedObject.get", {"id": a})
                                   for a in attachment_ids])
    return {a: answers[f"a{a}"].result for a in attachment_ids
            if answers[f"a{a}"].ok and isinstance(answers[f"a{a}"].result, dict)}


@dataclass(frozen=True)
class _Known:
    week_task_id: int
    comment_id: int | None


def discover_photos(services: Services, portal_id: int, tasks: Sequence[MerchWeekTask],
                    now: datetime) -> Discovery:
    """Record the photos these week tasks hold now (new ones without a thumbnail yet)."""
    by_task = {int(t.task_id): t.id for t in tasks if t.task_id}
    report = Discovery()
    if not by_task:
        return report
    client = services.bitrix.for_portal(portal_id)
    listed = read_task_files(client, sorted(by_task))
    with services.session_factory() as session:
        known = {a: _Known(w, c) for a, w, c in session.execute(
            select(MerchPhoto.attachment_id, MerchPhoto.week_task_id, MerchPhoto.comment_id)
            .where(MerchPhoto.portal_id == portal_id, MerchPhoto.week_task_id.in_(list(by_task))))}
        seen = {int(task_id or 0): count for task_id, count in session.execute(
            select(MerchWeekTask.task_id, MerchWeekTask.comments_seen)
            .where(MerchWeekTask.id.in_(list(by_task.values()))))}
    # Comments are read again only where their number changed since the last look.
    changed = [t for t in sorted(by_task) if listed.comment_counts.get(t, 0) != seen.get(t, 0)]
    reread = read_comment_files(client, changed)
    current: dict[int, tuple[int, int, int | None]] = {
        a: (week, holder, None) for a, (week, holder) in listed.files.items()}
    for week_task, files in reread.items():
        current.update({a: (week_task, week_task, c) for a, c in files.items()})
    for attachment, old in known.items():
        if old.comment_id is not None and old.week_task_id not in reread:
            current.setdefault(attachment, (old.week_task_id, old.week_task_id, old.comment_id))
    gone = sorted(set(known) - set(current))
    with services.session_factory.begin() as session:
        if gone:
            session.execute(delete(MerchPhoto).where(MerchPhoto.portal_id == portal_id,
                                                     MerchPhoto.attachment_id.in_(gone)))
        counts = dict.fromkeys(by_task, 0)
        for week_task_id, _, _ in current.values():
            counts[week_task_id] += 1
        for row in session.scalars(select(MerchWeekTask).where(
                MerchWeekTask.id.in_(list(by_task.values())))):
            task_id = int(row.task_id or 0)
            row.photo_count = counts.get(task_id, 0)
            if task_id in reread:
                row.comments_seen = listed.comment_counts.get(task_id, 0)
    report.gone = len(gone)
    fresh = [a for a in current if a not in known]
    meta = resolve_attachments(client, fresh)
    with services.session_factory.begin() as session:
        for attachment, info in meta.items():
            week_task_id, holder_id, comment_id = current[attachment]
            photo = MerchPhoto(
                portal_id=portal_id, attachment_id=attachment, week_task_id=week_task_id,
                subtask_id=holder_id, comment_id=comment_id, name=str(info.get("NAME", ""))[:255],
                size=int(info.get("SIZE") or 0), uploaded_at=parse_time(info.get("CREATE_TIME")),
                thumbnail=None, thumb_error="", fetched_at=None)
            if _insert(session, photo):
                report.new += 1
            report.download_urls[attachment] = str(info.get("DOWNLOAD_URL") or "")
    return report


def _insert(session: Session, photo: MerchPhoto) -> bool:
    """Add the row unless a concurrent pass (the job, another page) recorded it first."""
    try:
        with session.begin_nested():
            session.add(photo)
    except IntegrityError:
        return False
    return True


def parse_time(value: Any) -> datetime | None:
    """Return an aware datetime from Bitrix24's ISO 8601 text, or None."""
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo is not None else None
