"""Reading the Bitrix24 response envelope (rest-facts §2, §4).

Success is ``{"result": .., "time": {..}}`` with ``total``/``next`` for lists; an error is
``{"error": CODE, "error_description": text}`` — usually with a 4xx/5xx status, but
``placement.bind`` answers some errors with HTTP 200, so a 200 is checked too. ``batch`` is
always 200 with per-command errors inside; PHP serialises empty maps as ``[]``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .commands import CommandResult
from .errors import B24ApiError, OperationTimeLimit, error_from_envelope

NOT_EXECUTED = "NOT_EXECUTED"


@dataclass(frozen=True)
class ListPage:
    items: list[Any]
    total: int | None
    next: int | None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def error_from_body(status: int, raw: bytes) -> B24ApiError:
    """Map a non-success HTTP answer (JSON envelope or not) to a typed error."""
    body: Any = None
    try:
        body = json.loads(raw)
    except ValueError:
        pass
    if isinstance(body, Mapping) and body.get("error") is not None:
        return error_from_envelope(status, str(body["error"]), str(body.get("error_description") or ""))
    snippet = raw[:200].decode("utf-8", "replace").strip()
    return error_from_envelope(status, f"HTTP_{status}", snippet)


def check_envelope(body: Any) -> Mapping[str, Any]:
    """Return the envelope, raising the typed error if it carries ``error`` (even with HTTP 200)."""
    if not isinstance(body, Mapping):
        raise B24ApiError("INVALID_RESPONSE", f"expected a JSON object, got {type(body).__name__}", 200)
    if body.get("error") is not None:
        raise error_from_envelope(200, str(body["error"]), str(body.get("error_description") or ""))
    if "result" not in body:
        raise B24ApiError("INVALID_RESPONSE", "the answer has no 'result'", 200)
    return body


def operating_reset_at(body: Mapping[str, Any]) -> float | None:
    """Return ``time.operating_reset_at`` (cloud only) if the envelope has it."""
    timing = body.get("time")
    if isinstance(timing, Mapping):
        value = timing.get("operating_reset_at")
        if isinstance(value, (int, float)):
            return float(value)
    return None


def items_of(result: Any, key_path: Sequence[str] | None = None) -> list[Any]:
    """Return the rows of a list result.

    ``key_path`` walks into nested results (``("tasks",)`` for tasks.task.list). Without
    it a one-key map holding a list is unwrapped, and a map keyed by ID (PHP arrays) gives
    its values.
    """
    value = result
    for part in key_path or ():
        value = value.get(part, []) if isinstance(value, Mapping) else []
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        if key_path is None and len(value) == 1:
            only = next(iter(value.values()))
            if isinstance(only, list):
                return only
        return list(value.values())
    return []


def page_of(body: Mapping[str, Any], key_path: Sequence[str] | None = None) -> ListPage:
    """Turn a list method's envelope into a ListPage."""
    return ListPage(items_of(body["result"], key_path), _int_or_none(body.get("total")),
                    _int_or_none(body.get("next")))


def _as_map(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list):      # PHP's empty map, or a list-shaped cmd
        return {str(i): v for i, v in enumerate(value)}
    return {}


def batch_results(body: Mapping[str, Any], keys: Sequence[str]) -> dict[str, CommandResult]:
    """Split a batch envelope into one CommandResult per key; none is lost.

    A key with neither a result nor an error was not executed (``halt`` stopped the
    batch): it is reported as a failed command with the code NOT_EXECUTED.
    """
    outer = check_envelope(body)["result"]
    outer = outer if isinstance(outer, Mapping) else {}
    results = _as_map(outer.get("result"))
    errors = _as_map(outer.get("result_error"))
    totals = _as_map(outer.get("result_total"))
    nexts = _as_map(outer.get("result_next"))
    out: dict[str, CommandResult] = {}
    for key in keys:
        if key in errors:
            raw = errors[key]
            raw = raw if isinstance(raw, Mapping) else {"error": str(raw)}
            error = error_from_envelope(400, str(raw.get("error") or "ERROR"),
                                        str(raw.get("error_description") or ""))
            if isinstance(error, OperationTimeLimit):
                error.reset_at = operating_reset_at(body)
            out[key] = CommandResult(key, error=error)
        elif key in results:
            out[key] = CommandResult(key, results[key], total=_int_or_none(totals.get(key)),
                                     next=_int_or_none(nexts.get(key)))
        else:
            out[key] = CommandResult(key, error=B24ApiError(
                NOT_EXECUTED, "the batch stopped before this command (halt)", 200))
    return out
