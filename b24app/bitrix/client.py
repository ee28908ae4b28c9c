"""``PortalClient``: the only code that builds Bitrix24 REST calls and reads their envelope.

Every request goes: credentials → shared rate budget → one HTTP attempt (transport.py) →
envelope check → typed error. Around it: one refresh + one retry on ``expired_token``,
bounded retries with backoff for transient errors, nothing else retried. A write (or a batch
holding one) is not re-sent after an ambiguous failure (timeout, 5xx): it may have run, and a
second copy cannot be taken back; the caller (the work queue) looks it up before sending again.
A 503 QUERY_LIMIT_EXCEEDED or 429 is a refusal before execution (rest-facts §3): always retried.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Mapping, Sequence

from .auth import Credentials, PortalAuth, unavailable
from .commands import MAX_BATCH, Command, CommandResult, Params, Ref, check_key, command_text, json_params
from .envelope import ListPage, batch_results, check_envelope, operating_reset_at, page_of
from .errors import AuthFailed, B24Error, OperationTimeLimit, TokenExpired
from .limiter import RateBudget, RetryPolicy, note_failure, should_retry

log = logging.getLogger(__name__)

_READ_VERBS = frozenset({"get", "list", "current", "admin", "fields", "getlist", "getfields",
                         "info", "time", "scope", "methods", "profile"})
# Reading the offline queue reserves or deletes its records: re-sending it could lose events.
_CONSUMING_READS = frozenset({"event.offline.get"})


def is_read_method(method: str) -> bool:
    """Return True if calling ``method`` twice has no more effect than calling it once."""
    name = method.lower()
    return name not in _CONSUMING_READS and name.rsplit(".", 1)[-1] in _READ_VERBS

Send = Callable[[str, str, Mapping[str, Any]], Any]
"""Send(base_url, method, json_body) → decoded JSON; raises typed errors (one attempt)."""


class PortalClient:
    """Calls, pages, batches and bulk commands against one portal; safe to share by threads."""

    def __init__(self, portal_id: int, auth: PortalAuth, send: Send, budget: RateBudget,
                 policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep) -> None:
        self.portal_id = portal_id
        self.auth = auth
        self._send = send
        self.budget = budget
        self.policy = policy
        self._sleep = sleep
        self._reset_at: dict[str, float] = {}
        self._stats_lock = threading.Lock()
        self.requests_sent = 0

    # -- one request ---------------------------------------------------------------------

    def request(self, method: str, body: Mapping[str, Any], *,
                resend_safe: bool | None = None) -> Mapping[str, Any]:
        """POST ``body`` to ``method`` and return the checked envelope (retries included).

        ``resend_safe``: may the request be sent again after an ambiguous failure (default:
        only when ``method`` is a read).
        """
        safe = is_read_method(method) if resend_safe is None else resend_safe
        attempt = 0
        refreshed = False
        while True:
            credentials = self.auth.current()
            try:
                return self._attempt(credentials, method, body)
            except (TokenExpired, AuthFailed) as error:
                if isinstance(error, TokenExpired) and credentials.is_oauth and not refreshed:
                    self.auth.refresh_after(credentials)
                    refreshed = True
                    continue
                self.auth.flag(f"{error.code}: {error.description}"[:300])
                raise unavailable(self.portal_id, error) from None
            except B24Error as error:
                if isinstance(error, OperationTimeLimit) and error.reset_at is None:
                    error.reset_at = self._reset_at.get(method)
                note_failure(error, self.budget)
                attempt += 1
                if not should_retry(error, attempt, self.policy) or (error.may_have_run and not safe):
                    raise
                delay = self.policy.delay(attempt, error)
                log.info("%s on %s failed (%s); retry %d in %.2f s", method, self.portal_id,
                         getattr(error, "code", type(error).__name__), attempt, delay)
                self._sleep(delay)

    def _attempt(self, credentials: Credentials, method: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        payload = dict(body)
        if credentials.is_oauth:
            payload["auth"] = credentials.access_token
        self.budget.acquire()
        with self._stats_lock:
            self.requests_sent += 1
        envelope = check_envelope(self._send(credentials.base_url, method, payload))
        reset_at = operating_reset_at(envelope)
        if reset_at is not None:
            self._reset_at[method] = reset_at
        return envelope

    # -- public API ----------------------------------------------------------------------

    def call(self, method: str, params: Params = None) -> Any:
        """Call one method and return its ``result``; a list ``params`` is positional."""
        return self.request(method, json_params(params))["result"]

    def call_page(self, method: str, params: Params = None, *,
                  key_path: Sequence[str] | None = None) -> ListPage:
        """Call a list method once and return its rows with ``total`` and ``next``."""
        return page_of(self.request(method, json_params(params)), key_path)

    def batch(self, commands: Sequence[Command], halt: bool = False) -> dict[str, CommandResult]:
        """Send up to 50 commands as ONE request; every key gets its result or its error.

        A ``Ref`` must point at an earlier command of the same batch.
        """
        if not commands:
            return {}
        if len(commands) > MAX_BATCH:
            raise ValueError(f"a batch holds at most {MAX_BATCH} commands, got {len(commands)}")
        keys: list[str] = []
        cmd: dict[str, str] = {}
        for command in commands:
            check_key(command.key)
            if command.key in cmd:
                raise ValueError(f"duplicate command key {command.key!r}")
            cmd[command.key] = command_text(command.method, command.params,
                                            lambda ref: _same_batch(ref, cmd))
            keys.append(command.key)
        envelope = self.request("batch", {"halt": 1 if halt else 0, "cmd": cmd},
                                resend_safe=all(is_read_method(c.method) for c in commands))
        return batch_results(envelope, keys)

    def run_commands(self, commands: Sequence[Command]) -> dict[str, CommandResult]:
        """Run any number of commands in full 50-command batches, resolving Refs across them."""
        from .bulk import run_commands
        return run_commands(self, commands)

    def list_all(self, method: str, params: Mapping[str, Any] | None = None, *,
                 key_path: Sequence[str] | None = None, fast: bool = False,
                 id_field: str = "ID", filter_key: str = "filter",
                 order_params: Mapping[str, Any] | None = None) -> list[Any]:
        """Return every row of a list method (see bulk.list_all for the strategies)."""
        from .bulk import list_all
        return list_all(self, method, params, key_path=key_path, fast=fast, id_field=id_field,
                        filter_key=filter_key, order_params=order_params)


def _same_batch(ref: Ref, earlier: Mapping[str, str]) -> str:
    if ref.key not in earlier:
        raise ValueError(f"Ref to {ref.key!r}, which is not an earlier command of this batch")
    return ref.render()
