"""Compare a live answer with a documented one by shape (keys and JSON types), not values."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

# The documented request/response pairs collected with the project's Bitrix24 facts
# (shared/bitrix24/examples.jsonl, sources cited on every line). A copy lives in the repo so a
# fresh checkout tests the same examples; the shared file, when present beside the checkout,
# is the newer one and wins.
_SHARED_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "bitrix24" / "examples.jsonl"
EXAMPLES = _SHARED_EXAMPLES if _SHARED_EXAMPLES.exists() else Path(__file__).resolve().parent / "data" / "examples.jsonl"


def documented_examples(method: str) -> list[dict[str, Any]]:
    """The examples.jsonl lines for ``method`` (empty when the shared file is absent)."""
    return [line for line in every_documented_example() if line["method"] == method]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def _type_mismatch(documented: Any, actual: Any, path: str) -> str:
    return f"{path}: documented {_kind(documented)}, got {_kind(actual)}"


def _key_mismatches(documented: dict[str, Any], actual: Any, path: str,
                    compare: Callable[[Any, Any, str], list[str]]) -> list[str]:
    """Documented keys ``actual`` lacks, and each present key's value checked with ``compare``."""
    problems: list[str] = []
    for key, value in documented.items():
        if key not in actual:
            problems.append(f"{path}.{key}: missing")
        else:
            problems.extend(compare(value, actual[key], f"{path}.{key}"))
    return problems


def shape_mismatches(documented: Any, actual: Any, path: str = "$") -> list[str]:
    """Where ``actual`` lacks a documented key or has another JSON type (lists: first item)."""
    if _kind(documented) != _kind(actual):
        return [_type_mismatch(documented, actual, path)]
    if isinstance(documented, dict):
        return _key_mismatches(documented, actual, path, shape_mismatches)
    if isinstance(documented, list) and documented and actual:
        return shape_mismatches(documented[0], actual[0], f"{path}[0]")
    return []


def every_documented_example() -> list[dict[str, Any]]:
    """Every examples.jsonl line in file order (empty when the shared file is absent)."""
    if not EXAMPLES.exists():
        return []
    return [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


def _id_keyed(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(str(k).isdigit() for k in value)


def strict_shape_mismatches(documented: Any, actual: Any, path: str = "$") -> list[str]:
    """Like ``shape_mismatches`` but checks every list item and ID-keyed maps by their values.

    A map keyed by object IDs (``checklist``, ``tags``) cannot share keys with a documented
    one, so its values are compared in order; list item N is compared with item N.
    """
    if _kind(documented) != _kind(actual):
        return [_type_mismatch(documented, actual, path)]
    if _id_keyed(documented):
        if not _id_keyed(actual):
            return [f"{path}: documented a map keyed by IDs, got keys {list(actual)[:5]}"]
        return strict_shape_mismatches(list(documented.values()), list(actual.values()), path + "{id}")
    if isinstance(documented, dict):
        return _key_mismatches(documented, actual, path, strict_shape_mismatches)
    problems: list[str] = []
    if isinstance(documented, list):
        if len(actual) < len(documented):
            problems.append(f"{path}: documented {len(documented)} items, got {len(actual)}")
        for index, (doc_item, item) in enumerate(zip(documented, actual)):
            problems.extend(strict_shape_mismatches(doc_item, item, f"{path}[{index}]"))
    return problems
