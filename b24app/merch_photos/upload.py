"""A manager sends several photos at once: they go to Drive and into a new subtask.

Each file is uploaded with ``disk.folder.uploadfile`` (base64 ``fileContent``, rest-facts §7)
and the subtask is created under the store's week task with the Drive object IDs as
``UF_TASK_WEBDAV_FILES: ["n<ID>"]`` (``ID``, never ``FILE_ID``). The form carries a one-time
key, stamped as the subtask's TAG: a form posted twice (a double tap, a retry on a flaky
mobile connection) finds the first subtask instead of creating a second one.
"""
from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from .stamped import TaskCaller, find_by_tag

MAX_FILES = 20
MAX_FILE_BYTES = 25 * 1024 * 1024
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


class UploadRejected(ValueError):
    """The upload cannot be accepted; ``args[0]`` is a message key of the catalog."""


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


@dataclass(frozen=True)
class UploadResult:
    subtask_id: int
    file_ids: tuple[int, ...]
    repeated: bool


def upload_tag(nonce: str) -> str:
    return f"merch_photos:upload:{nonce}"


def check_photos(photos: list[Photo]) -> list[Photo]:
    """Return the photos with safe names; raise UploadRejected for none, too many, or non-images."""
    chosen = [p for p in photos if p.content]
    if not chosen:
        raise UploadRejected("upload_none")
    if len(chosen) > MAX_FILES:
        raise UploadRejected("upload_too_many")
    checked: list[Photo] = []
    for index, photo in enumerate(chosen, start=1):
        if len(photo.content) > MAX_FILE_BYTES:
            raise UploadRejected("upload_too_large")
        try:
            with Image.open(io.BytesIO(photo.content)) as image:
                image.verify()
                extension = (image.format or "jpg").lower().replace("jpeg", "jpg")
        except (UnidentifiedImageError, OSError, ValueError):
            raise UploadRejected("upload_not_image") from None
        stem = _UNSAFE_NAME.sub("_", photo.name.rsplit(".", 1)[0]).strip(" ._") or f"photo{index}"
        checked.append(Photo(f"{stem[:80]}.{extension}", photo.content))
    return checked


def send_photos(client: TaskCaller, *, folder_id: int, week_task_id: int, manager_id: int,
                title: str, photos: list[Photo], nonce: str,
                group_id: int | None = None) -> UploadResult:
    """Upload ``photos`` and create one subtask of the week task holding them."""
    if not _NONCE.match(nonce):
        raise UploadRejected("upload_expired")
    tag = upload_tag(nonce)
    existing = find_by_tag(client, tag)
    if existing is not None:
        return UploadResult(existing, (), repeated=True)
    file_ids: list[int] = []
    for photo in check_photos(photos):
        uploaded = client.call("disk.folder.uploadfile", {
            "id": folder_id, "data": {"NAME": photo.name},
            "fileContent": [photo.name, base64.b64encode(photo.content).decode("ascii")],
            "generateUniqueName": True})
        file_ids.append(int(uploaded["ID"]))
    fields: dict[str, object] = {
        "TITLE": title, "PARENT_ID": week_task_id, "RESPONSIBLE_ID": manager_id,
        "CREATED_BY": manager_id, "TAGS": [tag],
        "UF_TASK_WEBDAV_FILES": [f"n{file_id}" for file_id in file_ids]}
    if group_id is not None:
        fields["GROUP_ID"] = group_id
    created = client.call("tasks.task.add", {"fields": fields})
    return UploadResult(int(created["task"]["id"]), tuple(file_ids), repeated=False)
