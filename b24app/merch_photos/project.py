"""The Bitrix24 project (workgroup) that holds the tree, and the Drive folder for uploads.

The project is found by name before it is created (``sonet_group.get`` FILTER NAME, then
``sonet_group.create`` with PROJECT=Y), so a crash between creating and recording it heals
by lookup instead of creating a second project. Calls are made with no transaction open.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..bitrix.errors import B24Error
from .pools import get_settings

if TYPE_CHECKING:
    from ..wiring import Services

PHOTO_FOLDER_NAME = "Фотоотчёты мерчендайзинга"


def ensure_project(services: Services, portal_id: int) -> int:
    """Return the project's group ID, finding or creating it (at most one lookup + one create)."""
    with services.session_factory.begin() as session:
        settings = get_settings(session, portal_id)
        if settings.group_id is not None:
            return settings.group_id
        name = settings.project_name
    client = services.bitrix.for_portal(portal_id)
    found = client.call("sonet_group.get", {"FILTER": {"NAME": name}, "ORDER": {"ID": "ASC"}})
    rows: list[Any] = list(found or [])
    if rows:
        group_id = int(rows[0]["ID"])
    else:
        group_id = int(client.call("sonet_group.create", {
            "NAME": name, "PROJECT": "Y", "VISIBLE": "Y", "OPENED": "N"}))
    with services.session_factory.begin() as session:
        get_settings(session, portal_id).group_id = group_id
    return group_id


def ensure_photo_folder(services: Services, portal_id: int) -> int | None:
    """Return the upload folder: the one set, else a folder in the app's own Drive storage.

    ``disk.storage.getForApp`` works only in application context for an admin (rest-facts §7);
    a webhook-connected portal gets None and the admin names a folder on the settings page.
    """
    with services.session_factory.begin() as session:
        settings = get_settings(session, portal_id)
        if settings.photo_folder_id is not None:
            return settings.photo_folder_id
    client = services.bitrix.for_portal(portal_id)
    try:
        storage = client.call("disk.storage.getForApp", {})
    except B24Error:
        return None
    root = int(storage["ROOT_OBJECT_ID"])
    children: list[Any] = list(client.call("disk.folder.getchildren", {"id": root}) or [])
    folder = next((int(c["ID"]) for c in children
                   if c.get("TYPE") == "folder" and c.get("NAME") == PHOTO_FOLDER_NAME), None)
    if folder is None:
        folder = int(client.call("disk.folder.addsubfolder",
                                 {"id": root, "data": {"NAME": PHOTO_FOLDER_NAME}})["ID"])
    with services.session_factory.begin() as session:
        get_settings(session, portal_id).photo_folder_id = folder
    return folder
