"""Bitrix24's two REST limits, on the sandbox clock (rest-facts §3, [D:limits.md]).

1. A leaky bucket per portal counting HTTP requests (a batch is one): it rises by one per
   request and drains by ``drain`` per second; above ``burst`` the request gets
   503 QUERY_LIMIT_EXCEEDED.
2. An operating-time budget per app or webhook and per method: execution seconds summed in
   one-minute baskets, a basket dropping out 10 minutes after it opened. The check runs
   before each call, so the call that crosses the limit completes and the next one gets
   429 OPERATION_TIME_LIMIT.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from .errors import RestError

BASKET_SECONDS = 60
WINDOW_SECONDS = 600
DEFAULT_OPERATING_LIMIT = 480.0     # the docs' worked example; the cloud value is unpublished


@dataclass(frozen=True)
class BucketPlan:
    burst: float
    drain: float                    # requests per second


PLANS: dict[str, BucketPlan | None] = {
    "standard": BucketPlan(burst=50, drain=2),
    "enterprise": BucketPlan(burst=250, drain=5),
    "off": None,
}


def query_limit_exceeded() -> RestError:
    return RestError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)


def operation_time_limit() -> RestError:
    return RestError("OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.", 429)


class LeakyBucket:
    """The per-portal request counter."""

    def __init__(self, plan: BucketPlan, now: Callable[[], float]) -> None:
        self.plan = plan
        self._now = now
        self._level = 0.0
        self._last = now()
        self._lock = threading.Lock()

    def level(self) -> float:
        with self._lock:
            self._drain()
            return self._level

    def admit(self) -> bool:
        """Count one request; False when the bucket is already full."""
        with self._lock:
            self._drain()
            if self._level + 1 > self.plan.burst:
                return False
            self._level += 1
            return True

    def _drain(self) -> None:
        current = self._now()
        # The sandbox clock can be moved backwards through control; never refill then.
        elapsed = max(0.0, current - self._last)
        self._level = max(0.0, self._level - elapsed * self.plan.drain)
        self._last = current


@dataclass
class OperatingState:
    operating: float
    reset_at: int | None


class OperatingBudget:
    """Execution seconds per (app or webhook, method) in ten one-minute baskets."""

    def __init__(self, now: Callable[[], float], limit: float = DEFAULT_OPERATING_LIMIT) -> None:
        self.limit = limit
        self._now = now
        self._baskets: dict[tuple[str, str], list[list[float]]] = {}   # [opened_at, seconds]
        self._lock = threading.Lock()

    def check(self, caller: str, method: str) -> None:
        """Raise 429 OPERATION_TIME_LIMIT when this caller's budget for ``method`` is spent."""
        if self.state(caller, method).operating > self.limit:
            raise operation_time_limit()

    def charge(self, caller: str, method: str, seconds: float) -> OperatingState:
        """Add ``seconds`` of execution and return the new total and reset time."""
        now = self._now()
        with self._lock:
            baskets = self._live(caller, method, now)
            if baskets and now - baskets[-1][0] < BASKET_SECONDS:
                baskets[-1][1] += seconds
            else:
                baskets.append([now, seconds])
        return self.state(caller, method)

    def state(self, caller: str, method: str) -> OperatingState:
        with self._lock:
            baskets = self._live(caller, method, self._now())
            if not baskets:
                return OperatingState(0.0, None)
            return OperatingState(sum(b[1] for b in baskets), int(baskets[0][0] + WINDOW_SECONDS))

    def clear(self) -> None:
        with self._lock:
            self._baskets.clear()

    def _live(self, caller: str, method: str, now: float) -> list[list[float]]:
        key = (caller, method)
        baskets = [b for b in self._baskets.get(key, []) if now - b[0] < WINDOW_SECONDS and b[0] <= now]
        self._baskets[key] = baskets
        return baskets


class Limits:
    """The portal's limit settings: bucket mode and operating budget, switchable at run time."""

    def __init__(self, mode: str, now: Callable[[], float],
                 operating_limit: float = DEFAULT_OPERATING_LIMIT) -> None:
        self._now = now
        self.budget = OperatingBudget(now, operating_limit)
        self.mode = "off"
        self.bucket: LeakyBucket | None = None
        # "off" also switches the operating budget off, unless a test sets a budget explicitly.
        self.budget_forced = False
        self.set_mode(mode)

    @property
    def budget_enabled(self) -> bool:
        return self.mode != "off" or self.budget_forced

    def set_operating_limit(self, seconds: float) -> None:
        self.budget.limit = seconds
        self.budget_forced = True

    def set_mode(self, mode: str) -> None:
        if mode not in PLANS:
            raise ValueError(f"unknown limits mode {mode!r}; use one of {sorted(PLANS)}")
        plan = PLANS[mode]
        self.mode = mode
        self.bucket = LeakyBucket(plan, self._now) if plan else None

    def admit_request(self) -> None:
        """Count one HTTP request against the bucket; raise 503 when it overflows."""
        bucket = self.bucket
        if bucket is not None and not bucket.admit():
            raise query_limit_exceeded()

    def describe(self) -> dict[str, object]:
        bucket = self.bucket
        return {
            "mode": self.mode,
            "burst": bucket.plan.burst if bucket else None,
            "drain_per_second": bucket.plan.drain if bucket else None,
            "bucket_level": round(bucket.level(), 3) if bucket else None,
            "operating_limit": self.budget.limit,
            "operating_enabled": self.budget_enabled,
        }
