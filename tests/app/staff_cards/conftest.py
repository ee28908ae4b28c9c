"""Fixtures: the chain in the org model and page callers (manager, HR, clerk) built from it."""
from __future__ import annotations

from typing import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

import b24app.staff_cards.kinds  # noqa: F401 - registers the work kinds
from b24app.page_auth import PageSession
from b24app.roles import Caller, caller_for

from .chain import USERS, seed_org

CallerFor = Callable[..., Caller]


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
