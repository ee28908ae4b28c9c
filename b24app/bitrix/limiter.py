"""One request budget per portal, and typed retries (rest-facts §3).

Bitrix24 counts HTTP requests per portal in a leaky bucket (standard plans: 50, draining
2/s; a batch is one request) and answers 503 QUERY_LIMIT_EXCEEDED above it. ``RateBudget``
mirrors that bucket on our side, slightly smaller and slower, so that every thread of the
process waits here instead of being rejected there. fast-bitrix24's own throttles are
switched off by configuration (see ``transport.LIBRARY_OPTIONS``): ours is the one budget.

``RetryPolicy`` retries only transient errors (``permanent = False`` in errors.py): 503/5xx,
network failures and timeouts with bounded exponential backoff and full jitter;
429 OPERATION_TIME_LIMIT by waiting until its ``reset_at`` (capped).
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .errors import B24Error, OperationTimeLimit, RateLimited

# Stay under the server's bucket: a request leaves here before the server counts it, and
# network jitter can bunch requests together on arrival.
BURST_MARGIN = 0.9
DRAIN_MARGIN = 0.9


class RateBudget:
    """A thread-safe leaky bucket: ``acquire()`` blocks until one more request fits."""

    def __init__(self, burst: int, per_second: float,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.capacity = max(1.0, float(burst) * BURST_MARGIN)
        self.drain = per_second * DRAIN_MARGIN
        self._monotonic = monotonic
        self._sleep = sleep
        self._level = 0.0
        self._last = monotonic()
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def _drain_now(self) -> float:
        now = self._monotonic()
        self._level = max(0.0, self._level - (now - self._last) * self.drain)
        self._last = now
        return now

    def acquire(self) -> None:
        """Take one request slot, sleeping outside the lock until it is free."""
        while True:
            with self._lock:
                self._drain_now()
                if self._level + 1 <= self.capacity:
                    self._level += 1
                    return
                wait = (self._level + 1 - self.capacity) / self.drain
                self.waited_seconds += wait
            self._sleep(wait)

    def saturate(self) -> None:
        """The server said the bucket is full: make every thread wait for a drain."""
        with self._lock:
            self._drain_now()
            self._level = self.capacity

    def level(self) -> float:
        with self._lock:
            self._drain_now()
            return self._level


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry transient errors; small numbers in tests."""
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    operating_wait_cap: float = 60.0

    def delay(self, attempt: int, error: B24Error, now: float | None = None) -> float:
        """Return seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if isinstance(error, OperationTimeLimit) and error.reset_at is not None:
            current = time.time() if now is None else now
            return min(max(0.0, error.reset_at - current), self.operating_wait_cap)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        if isinstance(error, OperationTimeLimit):
            ceiling = min(self.operating_wait_cap, max(ceiling, self.base_delay))
        # Full jitter: concurrent threads hitting one 503 storm do not retry in lockstep.
        return random.uniform(ceiling / 2, ceiling)


def should_retry(error: B24Error, attempt: int, policy: RetryPolicy) -> bool:
    """True when ``error`` is transient and the attempts are not used up."""
    return (not error.permanent) and attempt < policy.max_attempts


def note_failure(error: B24Error, budget: RateBudget) -> None:
    """Let the shared budget learn from a rate-limit answer."""
    if isinstance(error, RateLimited):
        budget.saturate()
