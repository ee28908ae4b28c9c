"""Merchandising test helpers shared by tests/app/merch_photos and bench/bench_merch_photos.py.

- ``WebhookClient``: REST as one user through their own webhook URL, the way a manager acts;
- ``jpeg``: a small JPEG of one colour;
- ``mirror_org``: copy the sandbox's departments and users into the org model (a test-side
  org sync), with the merchandising department configured.
"""
from __future__ import annotations

import io
from typing import Any

import requests
from PIL import Image
from sqlalchemy.orm import Session

from b24app.org.settings import get_org_settings
from tests.support.org import copy_org

MERCH_DEPARTMENT = 3        # "Отдел мерчандайзинга" in the sandbox seed
HR_DEPARTMENT = 2
EXCLUDED_DEPARTMENT = 4


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
    """Return a JPEG of ``size`` filled with ``color``."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def mirror_org(session: Session, portal_id: int, portal: Any) -> None:
    """Copy the sandbox's departments and users into the org model, with merchandising configured."""
    settings = get_org_settings(session, portal_id)
    settings.merch_department_ids = [MERCH_DEPARTMENT]
    settings.hr_department_ids = [HR_DEPARTMENT]
    settings.excluded_department_ids = [EXCLUDED_DEPARTMENT]
    copy_org(session, portal_id, portal)
