"""Which photos each store's week task has in Bitrix24, recorded without downloading any.

A photo counts whether the manager attached it to a subtask (the upload page, or a subtask
added by hand) or straight to the week task itself. Both are read with ``tasks.task.list``
(rest-facts §5: ``UF_TASK_WEBDAV_FILES`` must be selected by name and holds attachment IDs):
filter PARENT_ID = [50 week tasks] for the subtasks and ID = [50 week tasks] for the tasks'
own files, the first pages of all chunks in one batch, further pages in the next. Only
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
SELECT = ["ID", "PARENT_ID", "UF_TASK_WEBDAV_FILES"]


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


def read_task_files(client: PortalClient, week_task_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Return {attachment ID: (week task ID, task holding it)} for these week tasks."""
    firsts: list[Command] = []
    for number, start in enumerate(range(0, len(week_task_ids), CHUNK)):
        chunk = list(week_task_ids[start:start + CHUNK])
        firsts.append(_list_command(f"sub{number}", {"PARENT_ID": chunk}))
        firsts.append(_list_command(f"own{number}", {"ID": chunk}))
    answers = client.run_commands(firsts)
    more: list[Command] = []
    for command in firsts:
        answer = answers[command.key]
        total = answer.total if answer.total is not None else 0
        for page_start in range(answer.next or PAGE_SIZE, total, PAGE_SIZE):
            more.append(_list_command(f"{command.key}_{page_start}", command.params["filter"],
                                      page_start))
    answers.update(client.run_commands(more) if more else {})
    own = set(week_task_ids)
    found: dict[int, tuple[int, int]] = {}
    for key, answer in answers.items():
        for task in _rows(answer):
            task_id = int(task["id"])
            week_task = task_id if key.startswith("own") else int(task.get("parentId") or 0)
            if week_task not in own:
                continue
            for attachment in _attachment_ids(task):
                found[attachment] = (week_task, task_id)
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


def discover_photos(services: Services, portal_id: int, tasks: Sequence[MerchWeekTask],
                    now: datetime) -> Discovery:
    """Record the photos these week tasks hold now (new ones without a thumbnail yet)."""
    by_task = {int(t.task_id): t.id for t in tasks if t.task_id}
    report = Discovery()
    if not by_task:
        return report
    client = services.bitrix.for_portal(portal_id)
    current = read_task_files(client, sorted(by_task))
    with services.session_factory.begin() as session:
        known = set(session.scalars(select(MerchPhoto.attachment_id).where(
            MerchPhoto.portal_id == portal_id, MerchPhoto.week_task_id.in_(list(by_task)))))
        gone = sorted(known - set(current))
        if gone:
            session.execute(delete(MerchPhoto).where(MerchPhoto.portal_id == portal_id,
                                                     MerchPhoto.attachment_id.in_(gone)))
        counts = dict.fromkeys(by_task, 0)
        for week_task_id, _ in current.values():
            counts[week_task_id] += 1
        for row in session.scalars(select(MerchWeekTask).where(
                MerchWeekTask.id.in_(list(by_task.values())))):
            row.photo_count = counts.get(int(row.task_id or 0), 0)
    report.gone = len(gone)
    fresh = [a for a in current if a not in known]
    meta = resolve_attachments(client, fresh)
    with services.session_factory.begin() as session:
        for attachment, info in meta.items():
            week_task_id, holder_id = current[attachment]
            photo = MerchPhoto(
                portal_id=portal_id, attachment_id=attachment, week_task_id=week_task_id,
                subtask_id=holder_id, name=str(info.get("NAME", ""))[:255],
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
