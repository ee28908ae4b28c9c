"""A small in-memory stand-in for ``PortalClient``, for work-queue unit tests.

It fakes Bitrix24 at the client boundary: ``run_commands`` / ``batch`` / ``call`` over a
dict of "things" (created by ``test.thing.add`` with a STAMP, found by ``test.thing.list``).
Errors can be queued per method; every run_commands counts ceil(commands / 50) requests.
Org sync tests use the real sandbox instead.
"""
from __future__ import annotations

import math
import threading
from collections import defaultdict
from typing import Any, Mapping, Sequence

from b24app.bitrix.commands import Command, CommandResult, Ref, refs_in, substitute_refs
from b24app.bitrix.errors import B24ApiError, B24Error


class FakePortalClient:
    def __init__(self, portal_id: int = 1) -> None:
        self.portal_id = portal_id
        self.things: dict[int, dict[str, Any]] = {}
        self.sent: list[Command] = []
        self.requests_sent = 0
        self.command_errors: dict[str, list[B24ApiError]] = defaultdict(list)
        self.call_errors: list[B24Error] = []
        self._lock = threading.Lock()

    # -- PortalClient API -----------------------------------------------------------------

    def call(self, method: str, params: Any = None) -> Any:
        with self._lock:
            self.requests_sent += 1
            return self._execute(method, dict(params or {}))

    def batch(self, commands: Sequence[Command], halt: bool = False) -> dict[str, CommandResult]:
        assert len(commands) <= 50
        return self.run_commands(commands)

    def run_commands(self, commands: Sequence[Command]) -> dict[str, CommandResult]:
        with self._lock:
            self.requests_sent += math.ceil(len(commands) / 50)
            if self.call_errors:
                raise self.call_errors.pop(0)
            results: dict[str, CommandResult] = {}
            for command in commands:
                self.sent.append(command)
                queued = self.command_errors.get(command.method)
                if queued:
                    results[command.key] = CommandResult(command.key, error=queued.pop(0))
                    continue
                if any(not results[ref.key].ok for ref in refs_in(command.params)):
                    results[command.key] = CommandResult(
                        command.key, error=B24ApiError("ERROR_CORE", "earlier command failed"))
                    continue
                params = substitute_refs(command.params, lambda ref: _resolve(ref, results))
                results[command.key] = CommandResult(command.key,
                                                     result=self._execute(command.method, params))
            return results

    # -- the fake portal's methods ----------------------------------------------------------

    def _execute(self, method: str, params: Any) -> Any:
        if method == "test.thing.add":
            thing_id = len(self.things) + 1
            self.things[thing_id] = dict(params)
            return thing_id
        if method == "test.thing.note":
            self.things[int(params["ID"])].setdefault("notes", []).append(params["TEXT"])
            return True
        if method == "test.thing.list":
            return [dict(thing, ID=thing_id) for thing_id, thing in self.things.items()
                    if thing.get("STAMP") == params.get("STAMP")]
        raise AssertionError(f"unexpected method {method}")

    def stamps(self) -> list[str]:
        return [str(thing["STAMP"]) for thing in self.things.values()]


def _resolve(ref: Ref, results: Mapping[str, CommandResult]) -> Any:
    value = results[ref.key].result
    for part in ref.path:
        value = value[part]
    return value


class FakeHub:
    """Hands out one fake client per portal, like ``BitrixHub.for_portal``."""

    def __init__(self, client: FakePortalClient | None = None) -> None:
        self.client = client or FakePortalClient()

    def for_portal(self, portal_id: int) -> FakePortalClient:
        return self.client

    def close(self) -> None:
        pass
