"""Files attached to a campaign: uploaded to Bitrix24 Drive once, attached to every copy.

The compose page keeps the uploaded bytes on the draft (base64, bounded by the limits
below). When sending starts, one work item per campaign uploads them into a folder of its
own in the application's storage (``disk.storage.getforapp`` → ``disk.folder.addsubfolder``
→ ``disk.folder.uploadfile`` with base64 ``fileContent``, rest-facts §7 "Uploading files"),
and records the Drive object IDs; each copy then carries them as
``UF_TASK_WEBDAV_FILES: ["n<ID>"]`` (rest-facts §5). Copies wait in dispatch until the
upload has settled. A crash after the upload heals by finding the campaign's folder by its
name and uploading only the files missing from it.
"""
from __future__ import annotations

import base64
import posixpath
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from .. import workqueue
from ..bitrix.commands import Command, Ref
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from .models import FanoutCampaign

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

FILES_KIND = "position_fanout.files"
MAX_FILES = 5
MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAX_NAME = 200


@dataclass(frozen=True)
class UploadedFile:
    """A file as the compose form received it."""
    name: str
    content: bytes


def files_key(campaign_id: int) -> str:
    """Return the idempotency key of a campaign's upload."""
    return f"position_fanout:{campaign_id}:files"


def folder_name(campaign_id: int) -> str:
    """Return the Drive folder of a campaign's files (the name is how a retry finds it)."""
    return f"storeops-fanout-{campaign_id}"


def check_files(files: tuple[UploadedFile, ...]) -> tuple[list[dict[str, Any]], str | None]:
    """Return the files as stored on a draft, or an error message key."""
    chosen = [f for f in files if f.name.strip() and f.content]
    if len(chosen) > MAX_FILES:
        return [], "position_fanout.err_files_many"
    if sum(len(f.content) for f in chosen) > MAX_TOTAL_BYTES:
        return [], "position_fanout.err_file_large"
    stored: list[dict[str, Any]] = []
    taken: set[str] = set()
    for upload in chosen:
        name = unique_name(clean_name(upload.name), taken)
        taken.add(name.lower())
        stored.append({"name": name, "size": len(upload.content),
                       "content": base64.b64encode(upload.content).decode("ascii")})
    return stored, None


def clean_name(raw: str) -> str:
    """Return a file name without any folder part, control characters or excess length."""
    name = posixpath.basename(raw.replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable()) or "file"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else name[:MAX_NAME]
    return name


def unique_name(name: str, taken: set[str]) -> str:
    """Return ``name``, or ``stem (2).ext`` etc. when the campaign already has that name."""
    if name.lower() not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot and stem else (name, "")
    number = 2
    while f"{stem} ({number}){ext}".lower() in taken:
        number += 1
    return f"{stem} ({number}){ext}"


def waiting_for_upload(campaign: FanoutCampaign) -> bool:
    """True while a file of the campaign has neither a Drive ID nor a final error."""
    return any(not f.get("disk_id") and not f.get("error") for f in campaign.files)


def queue_upload(session: Session, campaign: FanoutCampaign, now: datetime) -> bool:
    """Enqueue the upload of the campaign's new files (once per campaign); True if any."""
    pending = [f for f in campaign.files if not f.get("disk_id") and f.get("content")]
    if not pending:
        return False
    workqueue.enqueue(session, campaign.portal_id, FILES_KIND, files_key(campaign.id), {
        "campaign_id": campaign.id, "folder": folder_name(campaign.id),
        "files": [{"name": f["name"], "content": f["content"]} for f in pending]}, now=now)
    return True


def _upload(key: str, folder_id: Any, name: str, content: str) -> Command:
    return Command(key, "disk.folder.uploadfile", {
        "id": folder_id, "data": {"NAME": name}, "fileContent": [name, content]})


def build_upload(item: WorkItem) -> list[Command]:
    """Return the app storage, a new folder in it, and one upload per file."""
    commands = [Command("storage", "disk.storage.getforapp", {}),
                Command("folder", "disk.folder.addsubfolder", {
                    "id": Ref("storage", "ROOT_OBJECT_ID"),
                    "data": {"NAME": item.payload["folder"]}})]
    for index, wanted in enumerate(item.payload["files"]):
        commands.append(_upload(f"file{index}", Ref("folder", "ID"), wanted["name"],
                                wanted["content"]))
    return commands


def find_upload(client: PortalClient, item: WorkItem) -> Results | None:
    """Find the campaign's folder by name; upload only the files missing from it."""
    storage = client.call("disk.storage.getforapp")
    root = storage["ROOT_OBJECT_ID"]
    folders = [row for row in client.list_all("disk.folder.getchildren", {
        "id": root, "filter": {"NAME": item.payload["folder"]}})
        if row.get("TYPE") == "folder" and row.get("NAME") == item.payload["folder"]]
    if not folders:
        return None
    folder = folders[0]
    present = {str(row.get("NAME")): row for row in client.list_all(
        "disk.folder.getchildren", {"id": folder["ID"]}) if row.get("TYPE") == "file"}
    results: Results = {"storage": storage, "folder": folder}
    missing: list[Command] = []
    for index, wanted in enumerate(item.payload["files"]):
        if wanted["name"] in present:
            results[f"file{index}"] = present[wanted["name"]]
        else:
            missing.append(_upload(f"file{index}", folder["ID"], wanted["name"],
                                   wanted["content"]))
    for key, outcome in client.run_commands(missing).items():
        if outcome.error is not None:
            raise outcome.error
        results[key] = outcome.result
    return results


def record_upload(session: Session, item: WorkItem, results: Results) -> None:
    """Store each file's Drive ID on the campaign and drop the bytes kept for the upload."""
    campaign = session.get(FanoutCampaign, int(item.payload["campaign_id"]))
    if campaign is None:
        return
    uploaded = {wanted["name"]: int(results[f"file{index}"]["ID"])
                for index, wanted in enumerate(item.payload["files"])}
    campaign.files = [{"name": f["name"], "size": f.get("size", 0),
                       "disk_id": f.get("disk_id") or uploaded.get(f["name"])}
                      for f in campaign.files]


def upload_failed(session: Session, item: WorkItem, error: str, parked: bool) -> None:
    """Once the upload is parked, let the copies go out without the files, and say why."""
    if not parked:
        return
    campaign = session.get(FanoutCampaign, int(item.payload["campaign_id"]))
    if campaign is None:
        return
    campaign.files = [f if f.get("disk_id") else
                      {"name": f["name"], "size": f.get("size", 0), "error": error[:300]}
                      for f in campaign.files]


def register_upload_kind() -> None:
    """Register the upload's work kind (idempotent)."""
    register_kind(WorkKind(FILES_KIND, build_upload, find_upload, record_upload,
                           batchable=False, on_failure=upload_failed))
