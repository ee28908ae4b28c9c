"""Counters the tests and benchmarks read through /_sandbox/stats."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """HTTP requests (total and by method), batch commands, method calls and rejections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.http_requests = 0
            self.http_by_method: Counter[str] = Counter()
            self.calls_by_method: Counter[str] = Counter()
            self.batch_commands = 0
            self.rejections: Counter[str] = Counter()
            self.oauth_requests = 0

    def http_request(self, method: str) -> None:
        with self._lock:
            self.http_requests += 1
            self.http_by_method[method] += 1

    def method_call(self, method: str, in_batch: bool) -> None:
        with self._lock:
            self.calls_by_method[method] += 1
            if in_batch:
                self.batch_commands += 1

    def rejection(self, code: str) -> None:
        with self._lock:
            self.rejections[code] += 1

    def oauth_request(self) -> None:
        with self._lock:
            self.oauth_requests += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "http_requests": self.http_requests,
                "http_by_method": dict(self.http_by_method),
                "calls_by_method": dict(self.calls_by_method),
                "batch_commands": self.batch_commands,
                "rejections": dict(self.rejections),
                "oauth_requests": self.oauth_requests,
            }
