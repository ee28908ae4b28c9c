"""The running sandbox: one portal, its clock, its event sink, and method invocation.

``Sandbox.invoke`` is the in-process core that the HTTP server and ``batch`` both use:
look the method up, check scope/admin/application context, run it under the portal lock.
Transport (URL forms, body parsing), limits, faults, statistics and the envelope live in
the HTTP layer around it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .clock import SandboxClock
from .errors import RestError, access_denied, insufficient_scope, method_not_found, wrong_auth_type
from .registry import METHODS, Auth, Call, EventSink
from .state import Portal


@dataclass
class FiredEvent:
    event: str
    data: dict[str, Any]
    user_id: int | None
    object_key: str


@dataclass
class RecordingSink:
    """An EventSink that only remembers what was fired (unit tests, and before delivery starts)."""
    fired: list[FiredEvent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fire(self, event: str, data: dict[str, Any], user_id: int | None, object_key: str = "") -> None:
        with self._lock:
            self.fired.append(FiredEvent(event.upper(), data, user_id, object_key))


# Scopes that stand in for one another: a token with `user` may call `user_basic` methods.
SCOPE_IMPLIED_BY = {
    "user_basic": {"user", "user_basic"},
    "user_brief": {"user", "user_basic", "user_brief"},
    "basic": None,   # always allowed
}


class Sandbox:
    def __init__(self, portal: Portal, clock: SandboxClock | None = None,
                 events: EventSink | None = None, base_url: str = "http://127.0.0.1:8090") -> None:
        self.portal = portal
        self.clock = clock or SandboxClock()
        self.events: EventSink = events or RecordingSink()
        self.base_url = base_url

    def invoke(self, method: str, params: dict[str, Any], auth: Auth, in_batch: bool = False,
               extra: dict[str, Any] | None = None) -> Any:
        """Run one REST method as ``auth`` and return its result (or a Page); raise RestError.

        ``extra`` reaches the method as ``call.extra`` (the HTTP layer passes its dispatcher,
        which ``batch`` uses to run its commands with the same limits and statistics).
        """
        spec = METHODS.get(method.lower())
        if spec is None:
            raise method_not_found()
        if spec.app_only and auth.kind != "oauth":
            raise wrong_auth_type()
        if not self._scope_allows(spec.scope, auth):
            raise insufficient_scope()
        user = self.portal.users.get(auth.user_id)
        if user is None or not user.active:
            raise RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)
        if spec.admin_only and not user.is_admin:
            raise access_denied()
        call = Call(method=spec.name, params=params, auth=auth, portal=self.portal,
                    clock=self.clock, events=self.events, base_url=self.base_url, in_batch=in_batch,
                    extra=dict(extra or {}))
        with self.portal.lock:
            return spec.handler(call)

    @staticmethod
    def _scope_allows(scope: str, auth: Auth) -> bool:
        if not auth.scopes or scope in ("basic", ""):
            return True
        implied = SCOPE_IMPLIED_BY.get(scope)
        if implied:
            return bool(implied & set(auth.scopes))
        return scope in auth.scopes
