"""Fixtures for the merchandising routine: the sandbox chain mirrored into the org model.

``merch_env``: a sandbox (6 stores in 6 cities, limits off) with the app's portal row on its
admin webhook, the org model mirrored from it, the merchandising department configured, a
Drive folder for uploads and ``make_pool(cities)``. ``WebhookClient`` calls REST as one user
through their own webhook (``/_sandbox/webhook``-style URL), the way a manager acts.
"""
from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from b24app.merch_photos.models import MODE_CITY, MerchPool  # noqa: E402
from b24app.merch_photos.pools import get_settings, save_pool  # noqa: E402
from b24app.models import Portal  # noqa: E402
from b24app.org.models import OrgDepartment, OrgMembership, OrgUser  # noqa: E402
from b24app.org.positions import position_key  # noqa: E402
from b24app.org.settings import get_org_settings  # noqa: E402
from b24app.org.structure import recompute_structure  # noqa: E402
from tests.sandbox.conftest import SandboxHandle, StartSandbox, start_sandbox  # noqa: E402,F401

MERCH_DEPARTMENT = 3        # "Отдел мерчандайзинга" in the seed
MOSCOW, SPB = 7, 10         # city departments of the seed (stores 8 and 11)


class WebhookClient:
    """REST as one user through their webhook: ``call`` returns ``result`` or raises."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.requests = 0

    def call(self, method: str, params: Any = None) -> Any:
        self.requests += 1
        answer = requests.post(f"{self.base_url}{method}", json=params or {}, timeout=30)
        body = answer.json()
        if "error" in body:
            raise AssertionError(f"{method}: {body['error']} {body.get('error_description')}")
        return body["result"]


def jpeg(color: tuple[int, int, int] = (10, 120, 200), size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def mirror_org(session: Session, portal_id: int, portal: Any) -> None:
    """Copy the sandbox's departments and users into the org model (a test-side sync)."""
    for dept in portal.departments.values():
        session.add(OrgDepartment(portal_id=portal_id, b24_id=dept.id, name=dept.name,
                                  parent_b24_id=dept.parent, head_user_id=dept.head))
    for person in portal.users.values():
        session.add(OrgUser(portal_id=portal_id, b24_id=person.id, name=person.name,
                            last_name=person.last_name, work_position=person.work_position,
                            position_key=position_key(person.work_position),
                            departments=list(person.departments), active=person.active,
                            time_zone=person.time_zone))
        for dept_id in person.departments:
            session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept_id,
                                      user_b24_id=person.id))
    settings = get_org_settings(session, portal_id)
    settings.merch_department_ids = [MERCH_DEPARTMENT]
    settings.hr_department_ids = [2]
    settings.excluded_department_ids = [4]
    session.flush()
    recompute_structure(session, portal_id)
    session.flush()


@dataclass
class MerchEnv:
    sandbox: SandboxHandle
    services: Any
    portal_id: int
    folder_id: int
    merchandiser: int
    session_factory: sessionmaker[Session]

    def make_pool(self, cities: list[int], name: str = "Пул", zone: str = "Europe/Moscow") -> int:
        with self.session_factory.begin() as session:
            pool = save_pool(session, self.portal_id, name=name, merchandiser_id=self.merchandiser,
                             mode=MODE_CITY, ids=cities, time_zone=zone,
                             now=datetime(2026, 1, 1, tzinfo=timezone.utc))
            return pool.id

    def manager_of(self, store_id: int) -> int:
        head = self.sandbox.portal.departments[store_id].head
        assert head is not None
        return int(head)

    def as_user(self, user_id: int) -> WebhookClient:
        return WebhookClient(self.sandbox.webhook(user_id))

    def set_clock(self, instant: datetime) -> None:
        """Move the sandbox portal's clock (upload times, overdue) to ``instant``."""
        answer = requests.post(self.sandbox.control("clock"), json={"now": instant.isoformat()},
                               timeout=10)
        assert answer.ok, answer.text

    def tasks(self) -> dict[int, Any]:
        return dict(self.sandbox.portal.tasks)

    def pool(self, pool_id: int) -> MerchPool:
        with self.session_factory() as session:
            pool = session.get(MerchPool, pool_id)
            assert pool is not None
            return pool


@pytest.fixture
def merch_env(start_sandbox: StartSandbox, make_services: Callable[..., Any],
              session_factory: sessionmaker[Session], portal_id: int) -> Iterator[MerchEnv]:
    handle = start_sandbox(stores=6, seed=7, limits="off")
    admin = WebhookClient(handle.admin_webhook)
    common_root = next(s.root_object_id for s in handle.portal.storages.values()
                       if s.entity_type == "common")
    folder = int(admin.call("disk.folder.addsubfolder", {"id": common_root,
                                                         "data": {"NAME": "Фотоотчёты"}})["ID"])
    with session_factory.begin() as session:
        portal = session.get(Portal, portal_id)
        assert portal is not None
        portal.webhook_url = handle.admin_webhook
        mirror_org(session, portal_id, handle.portal)
        get_settings(session, portal_id).photo_folder_id = folder
    merchandiser = handle.portal.departments[MERCH_DEPARTMENT].head
    assert merchandiser is not None
    yield MerchEnv(handle, make_services(), portal_id, folder, int(merchandiser), session_factory)
