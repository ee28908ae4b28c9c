"""Bitrix24 list filters: ``{"<op>FIELD": value}`` with the prefixes of the legacy REST lists.

Prefixes (user.get docs): ``>= > <= < @ !@ % =% %= !% !=% !%= = != !`` and none. Values may
be arrays (IN). String comparisons are case-insensitive, as MySQL's default collations are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

T = TypeVar("T")
MISSING = object()

# Longest first, so that "!=%" is not read as "!=" + "%FIELD".
PREFIXES = ("!=%", "!%=", ">=", "<=", "!@", "!%", "=%", "%=", "!=", ">", "<", "@", "%", "=", "!")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


def parse_filter(raw: Any) -> list[Condition]:
    """Split filter keys into (field, operator, value); a non-mapping filter means none."""
    if not isinstance(raw, dict):
        return []
    conditions = []
    for key, value in raw.items():
        key = str(key)
        op = next((p for p in PREFIXES if key.startswith(p) and len(key) > len(p)), "")
        conditions.append(Condition(key[len(op):].upper(), op, value))
    return conditions


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text.lower()


def _values(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set)):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return [_norm(v) for v in value.values()]
    return [_norm(value)]


class _Wanted(list[Any]):
    """Normalised filter values with a set beside them for O(1) membership tests."""

    def __init__(self, values: list[Any]) -> None:
        super().__init__(values)
        self._set = set(values)

    def __contains__(self, value: object) -> bool:
        try:
            return value in self._set
        except TypeError:
            return super().__contains__(value)


def _like(pattern: str, text: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.S) is not None


def _compare(left: Any, right: Any, op: str) -> bool:
    if isinstance(left, (int, float)) != isinstance(right, (int, float)):
        left, right = str(left), str(right)
    try:
        return bool({">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op])
    except TypeError:
        return False


def matches(actual: Any, cond: Condition) -> bool:
    """Whether a record's value (a scalar or a list, e.g. UF_DEPARTMENT) passes ``cond``."""
    return _matches(actual, cond, _values(cond.value))


def _matches(actual: Any, cond: Condition, want: list[Any]) -> bool:
    # ``want`` is the condition's values normalised once per filter, not once per record:
    # an ID filter of 50 values over 20,000 users otherwise costs a second per command.
    have = _values(actual) if isinstance(actual, (list, tuple)) else [_norm(actual)]
    op = cond.op
    if op in ("", "=", "@"):
        return any(h in want for h in have)
    if op in ("!", "!=", "!@"):
        return not any(h in want for h in have)
    if op in (">", ">=", "<", "<="):
        return any(_compare(h, w, op) for h in have for w in want)
    texts = [str(h) for h in have]
    patterns = [str(w) for w in want]
    if op == "%":
        return any(p in t for t in texts for p in patterns)
    if op == "!%":
        return not any(p in t for t in texts for p in patterns)
    if op in ("=%", "%="):
        return any(_like(p, t) for t in texts for p in patterns)
    return not any(_like(p, t) for t in texts for p in patterns)   # "!=%", "!%="


def apply_filter(records: list[T], conditions: list[Condition],
                 get: Callable[[T, str], Any] | None = None,
                 special: Mapping[str, Callable[[T, Condition], bool]] | None = None) -> list[T]:
    """Keep the records that pass every condition.

    ``get(record, FIELD)`` reads a field (default: dict lookup) and returns MISSING for an
    unknown field, which is ignored as the ORM drops it; ``special`` overrides per field.
    """
    getter = get or _dict_get
    overrides = special or {}
    wanted = [_Wanted(_values(cond.value)) for cond in conditions]
    kept = []
    for record in records:
        ok = True
        for cond, want in zip(conditions, wanted):
            check = overrides.get(cond.field)
            if check is not None:
                ok = check(record, cond)
            else:
                actual = getter(record, cond.field)
                ok = actual is MISSING or _matches(actual, cond, want)
            if not ok:
                break
        if ok:
            kept.append(record)
    return kept


def _dict_get(record: Any, field: str) -> Any:
    return record.get(field, MISSING)


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that sorts numbers numerically, text case-insensitively, None first."""
    if value is None:
        return (0, "")
    norm = _norm(value) if not isinstance(value, (list, dict)) else str(value)
    return (1, norm) if isinstance(norm, (int, float)) else (2, str(norm))


def parse_order(raw: Any, allowed: set[str], default: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """``{"FIELD": "ASC"|"DESC"}`` → [(FIELD, descending)]; unknown fields are dropped."""
    if not isinstance(raw, dict) or not raw:
        return default
    order = [(str(k).upper(), str(v).strip().upper() == "DESC") for k, v in raw.items()]
    order = [(k, d) for k, d in order if k in allowed]
    return order or default


def sort_records(records: list[T], order: list[tuple[str, bool]],
                 get: Callable[[T, str], Any] | None = None) -> list[T]:
    """Stable multi-key sort, applied from the last key to the first."""
    getter = get or _dict_get
    for field, descending in reversed(order):
        records.sort(key=lambda r: sort_key(_present(getter(r, field))), reverse=descending)
    return records


def _present(value: Any) -> Any:
    return None if value is MISSING else value
