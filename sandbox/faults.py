"""Injected failures (/_sandbox/faults): a seeded share of requests answers 500, 503 or times out."""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from .errors import RestError

FAULT_KINDS = ("500", "503", "timeout")


@dataclass
class FaultPlan:
    rate: float
    kinds: tuple[str, ...] = FAULT_KINDS
    methods: frozenset[str] = frozenset()      # empty: every method
    seed: int = 1
    timeout_seconds: float = 65.0              # longer than the cloud's 60 s request limit

    def describe(self) -> dict[str, object]:
        return {"rate": self.rate, "kinds": list(self.kinds), "methods": sorted(self.methods),
                "seed": self.seed, "timeout_seconds": self.timeout_seconds}


@dataclass
class FaultInjector:
    """Decides, deterministically under the plan's seed, which requests fail and how."""
    plan: FaultPlan | None = None
    injected: int = 0
    _random: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, plan: FaultPlan) -> None:
        unknown = set(plan.kinds) - set(FAULT_KINDS)
        if unknown or not plan.kinds:
            raise ValueError(f"fault kinds must be among {FAULT_KINDS}")
        if not 0.0 <= plan.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self.plan = plan
            self.injected = 0
            self._random = random.Random(plan.seed)

    def clear(self) -> None:
        with self._lock:
            self.plan = None
            self.injected = 0

    def draw(self, method: str) -> str | None:
        """Return the fault kind for this request, or None to serve it normally."""
        with self._lock:
            plan = self.plan
            if plan is None or (plan.methods and method not in plan.methods):
                return None
            if self._random.random() >= plan.rate:
                return None
            self.injected += 1
            return self._random.choice(plan.kinds)


def fault_error(kind: str) -> RestError:
    """The envelope an injected fault answers with (after the delay, for a timeout)."""
    if kind == "500":
        return RestError("INTERNAL_SERVER_ERROR", "Internal server error", 500)
    if kind == "503":
        return RestError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
    return RestError("GATEWAY_TIMEOUT", "The request did not finish in time", 504)
