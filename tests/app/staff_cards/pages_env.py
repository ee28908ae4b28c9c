"""A page client for the staff pages: the real Flask app, the chain in a running sandbox."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app.page_auth import PageSession, PageTokens
from b24app.staff_cards.models import StaffCard
from b24app.wiring import Services

from .chain import STORE_A

NONCE_RE = re.compile(r'name="nonce" value="([^"]+)"')


@dataclass
class Pages:
    """Requests as one user of the portal: page token in every request, CSRF and a nonce in posts."""
    client: FlaskClient
    services: Services
    portal_id: int
    user_id: int
    is_admin: bool = False

    def __post_init__(self) -> None:
        settings = self.services.settings
        tokens = PageTokens(settings.secret_key, settings.page_token_ttl_seconds, self.services.clock)
        self.token = tokens.issue(PageSession(self.portal_id, self.user_id, self.is_admin, "ru"))
        self.csrf = tokens.csrf_token(self.token)

    def get(self, path: str, **query: Any) -> tuple[int, str]:
        answer = self.client.get(path, query_string={"t": self.token, **query})
        return answer.status_code, answer.get_data(as_text=True)

    def nonce(self, page_path: str = "/app/staff/review", **query: Any) -> str:
        """Take a fresh one-time nonce from a page this user may open."""
        status, body = self.get(page_path, **query)
        found = NONCE_RE.search(body)
        assert found is not None, (status, body[:500])
        return found.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, *, nonce: str | None = None,
             nonce_page: str = "/app/staff/review", **query: Any) -> tuple[int, str]:
        form = {"t": self.token, "csrf": self.csrf,
                "nonce": nonce if nonce is not None else self.nonce(nonce_page, **query),
                **(data or {})}
        answer = self.client.post(path, data=form)
        return answer.status_code, answer.headers.get("Location", answer.get_data(as_text=True))


def new_hire(**changes: str) -> dict[str, str]:
    """Return a valid new-hire form for store A, with ``changes``."""
    form = {"last_name": "Новикова", "first_name": "Ольга", "email": "olga@example.com",
            "mobile": "+7 916 000-11-22", "position": "Кассир", "store_id": str(STORE_A),
            "employment_date": "2026-12-07"}
    form.update(changes)
    return form


def cards_in(session_factory: sessionmaker[Session]) -> list[StaffCard]:
    """Return every card, oldest first."""
    with session_factory() as session:
        return list(session.scalars(select(StaffCard).order_by(StaffCard.id)))
