"""``BitrixHub``: the process-wide owner of Bitrix24 connections.

It owns one event-loop thread, one aiohttp session (created inside that loop, with the
timeout from settings), one fast-bitrix24 ``BitrixAsync`` per portal, one rate budget per
portal and one ``PortalClient`` per portal. Any thread may call ``for_portal(id).call(...)``;
the HTTP part runs on the loop (transport.py explains why).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping

import aiohttp
from fast_bitrix24 import BitrixAsync
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings

from ..clock import Clock
from .auth import PortalAuth, scrub_urllib3_log
from .client import PortalClient, Send
from .limiter import RateBudget, RetryPolicy
from .transport import LoopThread, make_library_client, open_session, post, silence_library_logger

# The loop-side request has its own aiohttp timeout; this margin only guards a stuck loop.
RESULT_MARGIN_SECONDS = 5.0


class BitrixHub:
    """Hands out one shared ``PortalClient`` per portal; ``close()`` at shutdown."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session], clock: Clock,
                 *, retry_policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        silence_library_logger()
        scrub_urllib3_log()
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self.retry_policy = retry_policy or RetryPolicy()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._loop: LoopThread | None = None
        self._session: aiohttp.ClientSession | None = None
        self._libraries: dict[int, tuple[str, BitrixAsync]] = {}
        self._clients: dict[int, PortalClient] = {}
        self._closed = False

    def for_portal(self, portal_id: int) -> PortalClient:
        """Return the shared client of portal ``portal_id`` (created on first use)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("BitrixHub is closed")
            client = self._clients.get(portal_id)
            if client is None:
                auth = PortalAuth(portal_id, self.settings, self.session_factory, self.clock)
                budget = RateBudget(self.settings.rate_limit_burst, self.settings.rate_limit_per_second)
                client = PortalClient(portal_id, auth, self._sender(portal_id), budget,
                                      self.retry_policy, self._sleep)
                self._clients[portal_id] = client
            return client

    def forget(self, portal_id: int) -> None:
        """Drop cached credentials of a portal whose row was rewritten (install, reopen)."""
        with self._lock:
            client = self._clients.get(portal_id)
        if client is not None:
            client.auth.forget()

    def _sender(self, portal_id: int) -> Send:
        timeout = self.settings.request_timeout_seconds + RESULT_MARGIN_SECONDS

        def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
            loop, library = self._library(portal_id, base_url)
            return loop.run(post(library, method, body), timeout)

        return send

    def _library(self, portal_id: int, base_url: str) -> tuple[LoopThread, BitrixAsync]:
        with self._lock:
            if self._closed:
                raise RuntimeError("BitrixHub is closed")
            if self._loop is None:
                self._loop = LoopThread()
                self._session = self._loop.run(open_session(self.settings.request_timeout_seconds), 10.0)
            loop, session = self._loop, self._session
            assert session is not None
            known = self._libraries.get(portal_id)
            if known is None or known[0] != base_url:
                # The endpoint can change (portal renamed, webhook rotated): rebuild.
                library = loop.run(make_library_client(base_url, session), 10.0)
                self._libraries[portal_id] = (base_url, library)
                return loop, library
            return loop, known[1]

    def close(self) -> None:
        """Close the HTTP session and stop the loop thread; the hub cannot be used after."""
        with self._lock:
            self._closed = True
            loop, session = self._loop, self._session
            self._loop, self._session = None, None
            self._libraries.clear()
            self._clients.clear()
        if loop is None:
            return
        if session is not None:
            try:
                loop.run(session.close(), 5.0)
            except Exception:   # closing must not mask the reason we are shutting down
                pass
        loop.stop()
