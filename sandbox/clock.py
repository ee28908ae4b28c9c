"""The sandbox clock: real time by default, or a moved/frozen instant set through /_sandbox/clock."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# The portal's own time zone: Bitrix24 renders dates with the portal's offset
# (e.g. "2025-11-06T15:25:07+03:00"). The seeded chain is headquartered in Moscow.
PORTAL_TZ = ZoneInfo("Europe/Moscow")


class SandboxClock:
    """Real time shifted by an offset; ``set`` and ``advance`` move it for every caller.

    The clock keeps running after a move (offset, not freeze), so rate-limit draining and
    token expiry behave as they would on a real portal.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def timestamp(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc).astimezone(PORTAL_TZ)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=PORTAL_TZ)
        with self._lock:
            self._offset = instant.timestamp() - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    @property
    def offset(self) -> float:
        return self._offset


def iso(value: datetime | None) -> str | None:
    """Render a datetime the way Bitrix24 does: ISO 8601 with the portal offset."""
    if value is None:
        return None
    return value.astimezone(PORTAL_TZ).isoformat(timespec="seconds")


def plus(value: datetime, **kwargs: float) -> datetime:
    return value + timedelta(**kwargs)
