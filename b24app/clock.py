"""Time as a dependency: the system clock in production, a settable one in tests."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until moved; tests fake time with it and nothing else."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant.astimezone(timezone.utc)
