"""Fixtures for the merchandising routine: the sandbox chain mirrored into the org model.

``merch_env``: a sandbox (6 stores in 6 cities, limits off) with the app's portal row on its
admin webhook, the org model mirrored from it, the merchandising department configured, a
Drive folder for uploads and ``make_pool(cities)``. ``WebhookClient`` (REST as one user through
their own webhook), ``jpeg`` and ``mirror_org`` live in tests/support/merch.py, which the
benchmark shares.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from b24app.merch_photos.models import MODE_CITY, MerchPool  # noqa: E402
from b24app.merch_photos.pools import get_settings, save_pool  # noqa: E402
from b24app.models import Portal  # noqa: E402
from tests.sandbox.conftest import SandboxHandle, StartSandbox, start_sandbox  # noqa: E402,F401
from tests.support.merch import MERCH_DEPARTMENT, WebhookClient, jpeg, mirror_org  # noqa: E402,F401

MOSCOW, SPB = 7, 10         # city departments of the seed (stores 8 and 11)


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
