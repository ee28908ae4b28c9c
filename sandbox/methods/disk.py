"""Drive: storages, folders, base64 uploads and attached objects (api-reference/disk/*).

Files are kept in memory (``DiskObject.content``). ``DOWNLOAD_URL`` points at the sandbox's
``/_sandbox/disk/...`` routes, which serve the bytes without auth (assumption: real portals
sign the URL with a token; the app must only follow it, never build it).
"""
from __future__ import annotations

import base64
import mimetypes
import re
import secrets
from datetime import datetime
from typing import Any

from ..clock import iso
from ..errors import RestError, access_denied
from ..registry import Call, Page, page_of, rest_method
from ..state import DiskObject, Portal, Storage

# Two-step uploads (no fileContent): token → (folder id, user id, generateUniqueName).
PENDING_UPLOADS: dict[str, tuple[int, int, bool]] = {}


def not_found(raw: Any) -> RestError:
    return RestError("ERROR_NOT_FOUND", f"Could not find entity with id `{raw}`", 400)


def _id_param(call: Call) -> int:
    raw = call.get_ci("id")
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise RestError("ERROR_ARGUMENT", "Invalid value of parameter {Parameter #0}", 400) from None


def file_to_wire(base_url: str, obj: DiskObject) -> dict[str, Any]:
    """A file or folder as disk.* methods return it (types as in the documented example)."""
    record: dict[str, Any] = {
        "ID": obj.id, "NAME": obj.name, "CODE": None, "STORAGE_ID": str(obj.storage_id),
        "TYPE": obj.type, "PARENT_ID": str(obj.parent_id) if obj.parent_id else None,
        "DELETED_TYPE": 0, "CREATE_TIME": iso(obj.create_time), "UPDATE_TIME": iso(obj.create_time),
        "DELETE_TIME": None, "CREATED_BY": str(obj.created_by), "UPDATED_BY": str(obj.created_by),
        "DELETED_BY": None, "DETAIL_URL": f"{base_url}/_sandbox/disk/file/{obj.id}",
    }
    if obj.type == "file":
        record.update({"GLOBAL_CONTENT_VERSION": 1, "FILE_ID": obj.file_id,
                       "SIZE": str(len(obj.content)),
                       "DOWNLOAD_URL": f"{base_url}/_sandbox/disk/file/{obj.id}/download"})
    else:
        record["REAL_OBJECT_ID"] = obj.id
    return record


def storage_to_wire(storage: Storage) -> dict[str, Any]:
    return {"ID": str(storage.id), "NAME": storage.name, "CODE": None, "MODULE_ID": "disk",
            "ENTITY_TYPE": storage.entity_type, "ENTITY_ID": storage.entity_id,
            "ROOT_OBJECT_ID": str(storage.root_object_id)}


def _new_storage(portal: Portal, name: str, entity_type: str, entity_id: str, owner: int,
                 now: datetime) -> Storage:
    folder_id = portal.new_id("disk_object")
    storage_id = portal.new_id("storage")
    portal.disk_objects[folder_id] = DiskObject(folder_id, storage_id, None, name, "folder", owner, now)
    storage = Storage(storage_id, name, entity_type, entity_id, folder_id)
    portal.storages[storage_id] = storage
    return storage


def user_storage(portal: Portal, user_id: int, now: datetime) -> Storage:
    """The user's own Drive, created on first use."""
    for storage in portal.storages.values():
        if storage.entity_type == "user" and storage.entity_id == str(user_id):
            return storage
    user = portal.users[user_id]
    return _new_storage(portal, f"{user.name} {user.last_name}".strip(), "user", str(user_id),
                        user_id, now)


def _can_write(call: Call, storage: Storage) -> bool:
    if call.is_admin or storage.entity_type in ("common", "group"):
        return True
    if storage.entity_type == "user":
        return storage.entity_id == str(call.auth.user_id)
    return storage.entity_type == "restapp" and storage.entity_id == call.auth.client_id


def _folder(call: Call, folder_id: int) -> tuple[DiskObject, Storage]:
    obj = call.portal.disk_objects.get(folder_id)
    if obj is None or obj.type != "folder":
        raise not_found(folder_id)
    storage = call.portal.storages[obj.storage_id]
    if not _can_write(call, storage):
        raise access_denied("Access denied")
    return obj, storage


def _unique_name(portal: Portal, parent_id: int, name: str, generate: bool) -> str:
    taken = {o.name.lower() for o in portal.disk_objects.values() if o.parent_id == parent_id}
    if name.lower() not in taken:
        return name
    if not generate:
        # Assumption: the Drive's "object with the same name exists" error code (DISK_OBJ_22000).
        raise RestError("DISK_OBJ_22000", "A file or folder with this name already exists", 400)
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot and stem else (name, "")
    number = 1
    while f"{stem} ({number}){ext}".lower() in taken:
        number += 1
    return f"{stem} ({number}){ext}"


def store_file(portal: Portal, folder: DiskObject, name: str, content: bytes, user_id: int,
               now: datetime, generate_unique: bool) -> DiskObject:
    """Save bytes as a new file in ``folder``; FILE_ID comes from a separate counter."""
    final = _unique_name(portal, folder.id, name, generate_unique)
    obj_id = portal.new_id("disk_object")
    content_type = mimetypes.guess_type(final)[0] or "application/octet-stream"
    obj = DiskObject(obj_id, folder.storage_id, folder.id, final, "file", user_id, now,
                     file_id=portal.new_id("b_file") + 30000, content=content,
                     content_type=content_type)
    portal.disk_objects[obj_id] = obj
    return obj


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")


def php_base64_decode(text: str) -> bytes:
    """Decode as PHP's non-strict ``base64_decode``: skip foreign characters and padding.

    ``CRestUtil::saveFile`` decodes ``fileContent`` this way, so the documented
    ``"iVBORw0KGgo..."`` uploads on a real portal; a lone trailing character is dropped.
    """
    alphabet_only = _NOT_BASE64.sub("", text)
    usable = len(alphabet_only) - (len(alphabet_only) % 4 == 1)
    chunk = alphabet_only[:usable]
    return base64.b64decode(chunk + "=" * (-len(chunk) % 4))


def _decode(call: Call, raw: Any) -> tuple[str, bytes]:
    if isinstance(raw, dict):
        raw = list(raw.values())
    if not isinstance(raw, list) or len(raw) != 2 or not isinstance(raw[1], str):
        raise RestError("ERROR_ARGUMENT", "Invalid value of parameter {fileContent}", 400)
    content = php_base64_decode(raw[1])
    if not content:
        # saveFile answers nothing for empty content; the upload then fails as a whole.
        raise RestError("ERROR_COULD_NOT_SAVE_FILE", "Could not save file", 400)
    return str(raw[0]), content


def _upload(call: Call, folder: DiskObject) -> dict[str, Any]:
    generate = str(call.get_ci("generateUniqueName", default="")).lower() in ("true", "1", "y")
    content = call.get_ci("fileContent")
    if content is None:
        token = secrets.token_hex(16)
        PENDING_UPLOADS[token] = (folder.id, call.auth.user_id, generate)
        return {"field": "file", "uploadUrl": f"{call.base_url}/_sandbox/disk/upload/{token}"}
    data = call.get_ci("data")
    name = str(data.get("NAME") or "").strip() if isinstance(data, dict) else ""
    if not name:
        raise RestError("DISK_BASE_SERVICE_22001",
                        "Error: required parameter NAME (DISK_BASE_SERVICE_22001)", 400)
    _, payload = _decode(call, content)
    obj = store_file(call.portal, folder, name, payload, call.auth.user_id, call.now(), generate)
    return file_to_wire(call.base_url, obj)


@rest_method("disk.folder.uploadfile", scope="disk")
def folder_upload_file(call: Call) -> dict[str, Any]:
    """Upload ``fileContent`` [name, base64] into folder ``id``."""
    folder, _ = _folder(call, _id_param(call))
    return _upload(call, folder)


@rest_method("disk.storage.uploadfile", scope="disk")
def storage_upload_file(call: Call) -> dict[str, Any]:
    """Upload into the root folder of storage ``id``."""
    storage_id = _id_param(call)
    storage = call.portal.storages.get(storage_id)
    if storage is None:
        raise not_found(storage_id)
    folder, _ = _folder(call, storage.root_object_id)
    return _upload(call, folder)


@rest_method("disk.storage.getforapp", scope="disk", admin_only=True, app_only=True)
def storage_get_for_app(call: Call) -> dict[str, Any]:
    """The application's own storage (ENTITY_TYPE restapp), created on first use."""
    for storage in call.portal.storages.values():
        if storage.entity_type == "restapp" and storage.entity_id == call.auth.client_id:
            return storage_to_wire(storage)
    storage = _new_storage(call.portal, call.auth.client_id, "restapp", call.auth.client_id,
                           call.auth.user_id, call.now())
    return storage_to_wire(storage)


@rest_method("disk.folder.addsubfolder", scope="disk")
def folder_add_subfolder(call: Call) -> dict[str, Any]:
    """Create a folder ``data[NAME]`` inside folder ``id``."""
    parent, _ = _folder(call, _id_param(call))
    data = call.get_ci("data")
    name = str(data.get("NAME") or "").strip() if isinstance(data, dict) else ""
    if not name:
        raise RestError("DISK_BASE_SERVICE_22001",
                        "Error: required parameter NAME (DISK_BASE_SERVICE_22001)", 400)
    final = _unique_name(call.portal, parent.id, name, False)
    obj_id = call.portal.new_id("disk_object")
    obj = DiskObject(obj_id, parent.storage_id, parent.id, final, "folder", call.auth.user_id, call.now())
    call.portal.disk_objects[obj_id] = obj
    return file_to_wire(call.base_url, obj)


@rest_method("disk.folder.getchildren", scope="disk")
def folder_get_children(call: Call) -> Page:
    """Files and folders directly inside folder ``id`` (pages of 50)."""
    folder_id = _id_param(call)
    folder = call.portal.disk_objects.get(folder_id)
    if folder is None or folder.type != "folder":
        raise not_found(folder_id)
    children = [o for o in call.portal.disk_objects.values() if o.parent_id == folder_id]
    page = page_of(children, call.get_ci("start"))
    page.items = [file_to_wire(call.base_url, o) for o in page.items]
    return page


@rest_method("disk.file.get", scope="disk")
def file_get(call: Call) -> dict[str, Any]:
    """One file by ID."""
    file_id = _id_param(call)
    obj = call.portal.disk_objects.get(file_id)
    if obj is None or obj.type != "file":
        raise not_found(file_id)
    return file_to_wire(call.base_url, obj)


@rest_method("disk.attachedobject.get", scope="disk")
def attached_object_get(call: Call) -> dict[str, Any]:
    """An attachment (task file, comment file) with a working DOWNLOAD_URL."""
    att_id = _id_param(call)
    att = call.portal.attached_objects.get(att_id)
    if att is None or att.object_id not in call.portal.disk_objects:
        raise not_found(att_id)
    obj = call.portal.disk_objects[att.object_id]
    return {
        "ID": str(att.id), "OBJECT_ID": str(att.object_id), "MODULE_ID": att.module_id,
        "ENTITY_TYPE": _ENTITY_TYPES.get(att.entity_type, att.entity_type),
        "ENTITY_ID": str(att.entity_id), "CREATE_TIME": iso(obj.create_time),
        "CREATED_BY": str(att.created_by), "NAME": obj.name, "SIZE": str(len(obj.content)),
        "DOWNLOAD_URL": f"{call.base_url}/_sandbox/disk/attached/{att.id}/download",
    }


# The attachment's entity class as Drive reports it (disk-attached-object-get.md example).
_ENTITY_TYPES = {"task": "tasks_task", "comment": "forum_message"}
