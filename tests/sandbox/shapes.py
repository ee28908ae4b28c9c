"""Compare a live answer with a documented one by shape (keys and JSON types), not values."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "bitrix24" / "examples.jsonl"


def documented_examples(method: str) -> list[dict[str, Any]]:
    """The examples.jsonl lines for ``method`` (empty when the shared file is absent)."""
    if not EXAMPLES.exists():
        return []
    lines = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line for line in lines if line["method"] == method]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def shape_mismatches(documented: Any, actual: Any, path: str = "$") -> list[str]:
    """Where ``actual`` lacks a documented key or has another JSON type (lists: first item)."""
    if _kind(documented) != _kind(actual):
        return [f"{path}: documented {_kind(documented)}, got {_kind(actual)}"]
    problems: list[str] = []
    if isinstance(documented, dict):
        for key, value in documented.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems.extend(shape_mismatches(value, actual[key], f"{path}.{key}"))
    elif isinstance(documented, list) and documented and actual:
        problems.extend(shape_mismatches(documented[0], actual[0], f"{path}[0]"))
    return problems
