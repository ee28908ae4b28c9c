"""Fixtures: the chain in the org model and page callers (manager, HR, clerk) built from it."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

import b24app.staff_cards.kinds  # noqa: F401 - registers the work kinds
from b24app.models import Portal
from b24app.page_auth import PageSession
from b24app.roles import Caller, caller_for
from tests.sandbox.conftest import StartSandbox, start_sandbox  # noqa: F401 - fixture

from .chain import HOOK, USERS, chain_portal, seed_org
from .pages_env import Pages

CallerFor = Callable[..., Caller]
PageFor = Callable[..., Pages]


@pytest.fixture
def org(session_factory: sessionmaker[Session], portal_id: int) -> int:
    """Seed the chain; return the portal ID."""
    with session_factory.begin() as session:
        seed_org(session, portal_id)
    return portal_id


@pytest.fixture
def caller(session_factory: sessionmaker[Session], org: int) -> CallerFor:
    """Return the real roles of a user of the chain (``caller(110)``; ``admin=True``).

    Every user's roles are worked out up front: SQLite transactions begin IMMEDIATE
    (b24app/db.py), so a second session opened inside a test's write transaction would wait
    for that transaction's lock.
    """
    wanted = [(user[0], False) for user in USERS] + [(1, True)]
    with session_factory() as session:
        known = {(user_id, admin): caller_for(session, PageSession(org, user_id, admin, "ru"))
                 for user_id, admin in wanted}

    def make(user_id: int, admin: bool = False, lang: str = "ru") -> Caller:
        found = known.get((user_id, admin)) if lang == "ru" else None
        if found is not None:
            return found
        with session_factory() as session:
            return caller_for(session, PageSession(org, user_id, admin, lang))
    return make


@pytest.fixture
def pages(start_sandbox: StartSandbox, make_services: Callable[..., Any],
          session_factory: sessionmaker[Session], org: int) -> Iterator[PageFor]:
    """Return ``pages(user_id, admin=False)``: the real app as that user, the chain in a sandbox."""
    handle = start_sandbox(chain_portal())
    with session_factory.begin() as session:
        portal = session.get(Portal, org)
        assert portal is not None
        portal.webhook_url = f"{handle.base_url}/rest/1/{HOOK}/"
    services = make_services()
    from app import create_app
    client: FlaskClient = create_app(services.settings, services).test_client()
    yield lambda user_id, admin=False: Pages(client, services, org, user_id, admin)
