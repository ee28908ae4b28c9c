"""Positional arguments of the legacy ``task.*`` methods and their TASKS_ERROR texts.

The legacy dispatcher drops parameter names and passes values in arrival order
(``CTaskRestService``, rest-facts §1), then checks each against the method's manifest: count,
type ("integer" or "array") and allowed keys. The texts below are those of the docs' error
tables, e.g. task-checklist-item-get.md and task-comment-item-get-list.md.
"""
from __future__ import annotations

from typing import Any

from .errors import RestError, core_error
from .registry import Call
from .task_values import as_int

ASSERT_FAILED = "TASKS_ERROR_ASSERT_EXCEPTION<br>"
ITEM_NOT_FOUND = ("TASKS_ERROR_EXCEPTION_#512; Check listitem not found or not accessible; "
                  "512/TE/ITEM_NOT_FOUND_OR_NOT_ACCESSIBLE<br>")
ACTION_FAILED = "TASKS_ERROR_EXCEPTION_#8; Action failed; 8/TE/ACTION_FAILED_TO_BE_PROCESSED<br>"
NOT_ALLOWED = "TASKS_ERROR_EXCEPTION_#4; Action is not allowed; 4/TE/ACTION_NOT_ALLOWED<br>"


def action_failed(what: str) -> RestError:
    """Return the #8 error, e.g. "Adding item: action not allowed"."""
    return core_error(f"TASKS_ERROR_EXCEPTION_#8; {what}; 8/TE/ACTION_FAILED_TO_BE_PROCESSED<br>")


def _wrong(text: str) -> RestError:
    return core_error(f"TASKS_ERROR_EXCEPTION_#256; {text}; 256/TE/WRONG_ARGUMENTS<br>")


class LegacyArgs:
    """The positional values of one call, checked against a manifest of (name, type)."""

    def __init__(self, call: Call, cls: str, method: str,
                 spec: list[tuple[str, str]], mandatory: int) -> None:
        self.cls, self.method, self.spec = cls, method, spec
        values = call.positional()
        if len(values) > len(spec):
            values = values[:len(spec)]
        for index in range(mandatory):
            if index >= len(values) or values[index] is None:
                name = spec[index][0]
                raise _wrong(f"Param #{index} ({name}) expected by method "
                             f"{cls}::{method}(), but not given.")
        self.values: list[Any] = []
        for index, value in enumerate(values):
            name, kind = spec[index]
            if kind == "integer":
                number = as_int(value)
                if number is None:
                    raise _wrong(f'Param #{index} ({name}) for method {cls}::{method}() expected '
                                 f'to be of type "integer", but given something else.')
                self.values.append(number)
            elif value in (None, "", []):
                self.values.append({})
            elif not isinstance(value, dict):
                raise _wrong(f'Param #{index} ({name}) for method {cls}::{method}() expected '
                             f'to be of type "array", but given something else.')
            else:
                self.values.append(value)

    def get(self, index: int, default: Any = None) -> Any:
        return self.values[index] if index < len(self.values) else default

    def check_keys(self, index: int, allowed: set[str], strip_prefix: bool = False) -> None:
        """Reject keys outside ``allowed`` ("must not contain key")."""
        for key in self.get(index, {}) or {}:
            bare = str(key).lstrip("!<>=") if strip_prefix else str(key)
            if bare not in allowed:
                name = self.spec[index][0]
                raise _wrong(f'Param #{index} ({name}) for method {self.cls}::{self.method}() '
                             f'must not contain key "{key}".')
