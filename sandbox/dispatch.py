"""Run one REST command with the per-call rules: operating budget, statistics, error capture.

Both a plain HTTP call and every command of a ``batch`` go through ``Dispatcher.run``, so
inner batch commands count for the operating budget and the statistics exactly like direct
calls (rest-facts §3: "The outer batch call is not counted; nested calls are counted").
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from .errors import RestError
from .limits import Limits, OperatingState
from .registry import Auth
from .runtime import Sandbox
from .stats import Stats

log = logging.getLogger(__name__)

BATCH = "batch"
FAST_BITRIX24_ORDER_KEY = "__order"


def internal_error() -> RestError:
    return RestError("INTERNAL_SERVER_ERROR", "Internal server error", 500)


@dataclass
class Outcome:
    """What one command produced: a result (or Page) or an error, plus its timing."""
    result: Any
    error: RestError | None
    start: float
    finish: float
    processing: float
    operating: OperatingState | None


def caller_key(auth: Auth) -> str:
    """Whose operating budget a call draws on: the app, or the webhook."""
    return f"app:{auth.client_id}" if auth.kind == "oauth" else f"webhook:{auth.webhook_code}"


def is_positional(method: str) -> bool:
    """Legacy ``task.*`` methods take their arguments by position (rest-facts §1)."""
    return method.lower().startswith("task.")


class Dispatcher:
    def __init__(self, sandbox: Sandbox, limits: Limits, stats: Stats) -> None:
        self.sandbox = sandbox
        self.limits = limits
        self.stats = stats

    def run(self, method: str, params: dict[str, Any], auth: Auth, in_batch: bool = False) -> Outcome:
        """Execute ``method``; never raises: failures come back as ``Outcome.error``."""
        name = method.strip().lower()
        clock = self.sandbox.clock
        start = clock.timestamp()
        began = time.perf_counter()
        self.stats.method_call(name, in_batch)
        if not is_positional(name):
            # fast-bitrix24 labels every call() item with __order; named methods ignore it.
            params = {k: v for k, v in params.items() if k != FAST_BITRIX24_ORDER_KEY}
        # Operating time is always accounted (the envelope reports it, [D:limits.md]);
        # only the 429 check depends on the limits being on.
        counted = name != BATCH
        enforced = counted and self.limits.budget_enabled
        result: Any = None
        error: RestError | None = None
        try:
            if enforced:
                self.limits.budget.check(caller_key(auth), name)
            result = self.sandbox.invoke(name, params, auth, in_batch=in_batch,
                                         extra={"dispatcher": self})
        except RestError as exc:
            error = exc
        except Exception:
            log.exception("REST method %s failed", name)
            error = internal_error()
        processing = time.perf_counter() - began
        operating = None
        if counted and not (error is not None and error.code == "OPERATION_TIME_LIMIT"):
            # The sandbox charges a call its real processing time.
            operating = self.limits.budget.charge(caller_key(auth), name, processing)
        if error is not None:
            self.stats.rejection(error.code)
        return Outcome(result, error, start, start + processing, processing, operating)
