"""Event delivery: online bindings get a form POST, offline bindings fill the queue.

Bitrix24 semantics kept here (rest-facts §9 "Events"): only installed apps receive events;
one POST per binding and object; **no retries** (a failure is logged, never re-sent); the
offline queue keeps only the latest change per object; system changes (no user) carry no
tokens when ``drop_system_tokens`` is on.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from .clock import iso
from .payloads import FormFields, auth_block, event_form
from .runtime import Sandbox
from .state import App, EventBinding, OAuthToken, OfflineEvent
from .tokens import issue_tokens

log = logging.getLogger(__name__)

TOKEN_REUSE_MARGIN = 600        # reuse a cached delivery token while it has 10+ minutes left


def message_id(client_id: str, event: str, object_key: str) -> str:
    """A stable MESSAGE_ID per object, so repeated changes of one object share it."""
    key = object_key or uuid.uuid4().hex
    return hashlib.md5(f"{client_id}|{event}|{key}".encode()).hexdigest()


class EventDispatcher:
    """The EventSink of a running sandbox (see registry.EventSink)."""

    def __init__(self, sandbox: Sandbox, *, workers: int = 4, timeout: float = 5.0,
                 drop_system_tokens: bool = True, delay: float = 0.0) -> None:
        self.sandbox = sandbox
        self.timeout = timeout
        self.drop_system_tokens = drop_system_tokens
        self.delay = delay
        self.log: list[dict[str, Any]] = []
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._idle = threading.Condition()
        self._pending = 0
        self._tokens: dict[tuple[str, int], OAuthToken] = {}

    def fire(self, event: str, data: dict[str, Any], user_id: int | None,
             object_key: str = "") -> None:
        """Deliver ``event`` to every matching binding of every installed app."""
        event = event.upper()
        portal = self.sandbox.portal
        with portal.lock:
            bindings = [b for b in portal.event_bindings.values() if b.event == event
                        and (app := portal.apps.get(b.client_id)) is not None and app.installed]
            for binding in bindings:
                app = portal.apps[binding.client_id]
                if binding.offline:
                    self._enqueue_offline(app, event, data, user_id, object_key)
                else:
                    form = self._online_form(app, binding, event, data, user_id)
                    self._submit(binding.handler, form, event, binding.id, app.client_id)

    def deliver_now(self, url: str, form: FormFields, event: str, client_id: str,
                    handler_id: int | None = None) -> dict[str, Any]:
        """POST one form synchronously (install/uninstall) and return its log entry."""
        return self._post(url, form, event, handler_id, client_id)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery has finished; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    drain = wait_idle

    def start(self) -> None:
        """Called by the server when it starts; the pool itself starts on first use."""

    def stop(self) -> None:
        """Finish queued deliveries and release the worker threads."""
        self.wait_idle(self.timeout + 1)
        with self._idle:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    close = stop

    def _online_form(self, app: App, binding: EventBinding, event: str, data: dict[str, Any],
                     user_id: int | None) -> FormFields:
        token_user = binding.auth_type or user_id
        access = None
        if token_user is not None and not (user_id is None and self.drop_system_tokens):
            access = self._token(app, token_user)
        ts = int(self.sandbox.clock.timestamp())
        return event_form(event, binding.id, data, ts, auth_block(self.sandbox, app, access))

    def _token(self, app: App, user_id: int) -> OAuthToken | None:
        user = self.sandbox.portal.users.get(user_id)
        if user is None or not user.active:
            return None
        now = self.sandbox.clock.timestamp()
        cached = self._tokens.get((app.client_id, user_id))
        if (cached is not None and cached.expires_at - now > TOKEN_REUSE_MARGIN
                and cached.access_token in self.sandbox.portal.access_tokens):
            return cached
        access, _ = issue_tokens(self.sandbox.portal, app.client_id, user_id, now)
        self._tokens[(app.client_id, user_id)] = access
        return access

    def _enqueue_offline(self, app: App, event: str, data: dict[str, Any], user_id: int | None,
                         object_key: str) -> None:
        portal = self.sandbox.portal
        now = self.sandbox.clock.now()
        msg = message_id(app.client_id, event, object_key)
        for record in portal.offline_events.values():
            # The latest change replaces a queued one unless a process already reserved it.
            if (record.client_id == app.client_id and record.message_id == msg
                    and record.event_name == event and not record.process_id and not record.error):
                record.event_data = data
                record.event_additional = {"user_id": user_id}
                record.timestamp = now
                return
        record_id = portal.new_id("offline_event")
        portal.offline_events[record_id] = OfflineEvent(
            id=record_id, client_id=app.client_id, event_name=event, event_data=data,
            event_additional={"user_id": user_id}, timestamp=now, message_id=msg,
            object_key=object_key)

    def _submit(self, url: str, form: FormFields, event: str, handler_id: int,
                client_id: str) -> None:
        with self._idle:
            self._pending += 1
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers,
                                                thread_name_prefix="b24-events")
            pool = self._pool
        pool.submit(self._run, url, form, event, handler_id, client_id)

    def _run(self, url: str, form: FormFields, event: str, handler_id: int, client_id: str) -> None:
        try:
            if self.delay:
                time.sleep(self.delay)      # an optional, configured queue-server lag
            self._post(url, form, event, handler_id, client_id)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _post(self, url: str, form: FormFields, event: str, handler_id: int | None,
              client_id: str) -> dict[str, Any]:
        status: int | None = None
        error: str | None = None
        try:
            response = requests.post(url, data=form, timeout=self.timeout,
                                          allow_redirects=False)
            status = response.status_code
            if status >= 400:
                error = f"HTTP {status}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        entry = {"event": event, "handler": url, "event_handler_id": handler_id,
                 "client_id": client_id, "status": status, "error": error,
                 "at": iso(self.sandbox.clock.now())}
        with self._idle:
            self.log.append(entry)
        if error:
            log.info("event %s to %s failed (%s); Bitrix24 does not retry", event, url, error)
        return entry
