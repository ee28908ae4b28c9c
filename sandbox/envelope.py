"""The REST envelope: ``time`` blocks, PHP-style arrays and JSON responses (rest-facts §2)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from werkzeug.wrappers import Response

from .clock import iso
from .errors import RestError
from .limits import OperatingState


def time_block(start: float, finish: float, processing: float,
               operating: OperatingState | None = None, with_operating: bool = True) -> dict[str, Any]:
    """The ``time`` object; batch ``result_time`` entries pass ``with_operating=False``."""
    block: dict[str, Any] = {
        "start": start,
        "finish": finish,
        "duration": finish - start,
        "processing": processing,
        "date_start": _iso(start),
        "date_finish": _iso(finish),
    }
    if with_operating:
        # Keep it small and honest: fast-bitrix24 throttles itself on large values.
        block["operating"] = round(operating.operating, 6) if operating else 0
        if operating and operating.reset_at is not None:
            block["operating_reset_at"] = operating.reset_at
    return block


def _iso(timestamp: float) -> str:
    return iso(datetime.fromtimestamp(timestamp, tz=timezone.utc)) or ""


def php_array(mapping: dict[str, Any]) -> Any:
    """Render a map as PHP's json_encode would: empty or keyed 0..n-1 in order → a JSON list."""
    if not mapping:
        return []
    if list(mapping) == [str(i) for i in range(len(mapping))]:
        return list(mapping.values())
    return mapping


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON answer; Content-Type is always application/json (fast-bitrix24 requires it)."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_default)
    return Response(payload, status=status, content_type="application/json; charset=utf-8")


def error_response(error: RestError) -> Response:
    return json_response(error.envelope(), error.status)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
