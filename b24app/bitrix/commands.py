"""Batch commands: ``method?query`` strings written by us, in PHP bracket notation.

Why our own builder (fast-bitrix24.md §1 ``call()``): the library injects ``__order`` as the
first query parameter, which becomes argument #0 of the positional legacy ``task.*`` methods,
and it sends ``True``/``None`` as the strings "True"/"None".

Encoding rules (the order of ``params`` is kept, rest-facts §1 "Positional legacy methods"):
- a list at the top level is positional: ``[13, {"TITLE": "x"}]`` → ``0=13&1[TITLE]=x``
  ([D:settings/how-to-call-rest-api/data-encoding.md] "Order of Parameters");
- nested maps and lists → ``fields[TITLE]=x``, ``select[0]=ID``;
- ``True``/``False`` → ``1``/``0`` (what PHP's http_build_query writes);
- ``None`` and empty lists/maps → an empty value ``key=``: a query string has no null, and an
  empty value is how a form clears a field (PHP's http_build_query would drop the key, which
  silently turns "clear it" into "leave it");
- "Y"/"N" flags are the caller's business;
- a ``Ref`` renders as ``$result[key][path]`` (left unencoded: batch substitutes it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Mapping, NamedTuple, Sequence, Union
from urllib.parse import quote

from .errors import B24Error

MAX_BATCH = 50
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

Params = Union[Mapping[str, Any], Sequence[Any], None]


class Ref:
    """A placeholder for a value taken from an earlier command's result: ``Ref("task", "task", "id")``."""

    __slots__ = ("key", "path")

    def __init__(self, key: str, *path: str | int) -> None:
        check_key(key)
        for part in path:
            if not _SAFE_NAME.match(str(part)):
                raise ValueError(f"unsafe reference path part {part!r}")
        self.key = key
        self.path: tuple[str | int, ...] = path

    def render(self) -> str:
        """Return the batch reference text, ``$result[key][a][0]``."""
        return f"$result[{self.key}]" + "".join(f"[{part}]" for part in self.path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and (self.key, self.path) == (other.key, other.path)

    def __hash__(self) -> int:
        return hash((self.key, self.path))

    def __repr__(self) -> str:
        return f"Ref({self.key!r}, {', '.join(map(repr, self.path))})"


class Command(NamedTuple):
    """One REST call inside a batch; ``params`` is an ordered map or, for ``task.*``, a list."""
    key: str
    method: str
    params: Params = None


@dataclass
class CommandResult:
    """The outcome of one command: ``result`` (with ``total``/``next`` for lists) or ``error``."""
    key: str
    result: Any = None
    error: B24Error | None = None
    total: int | None = None
    next: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def check_key(key: str) -> None:
    """Reject command keys that could not be referenced safely as ``$result[key]``."""
    if not _SAFE_NAME.match(key):
        raise ValueError(f"command key {key!r} must match {_SAFE_NAME.pattern}")


def scalar_text(value: Any) -> str:
    """Render one scalar the way PHP's http_build_query would (None → empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot encode a {type(value).__name__} in a Bitrix24 query")


def _pairs_of(params: Params) -> list[tuple[str, Any]]:
    if params is None:
        return []
    if isinstance(params, Mapping):
        return [(str(k), v) for k, v in params.items()]
    if isinstance(params, (str, bytes)):
        raise TypeError("params must be a mapping or a positional list, not a string")
    return [(str(i), v) for i, v in enumerate(params)]


def encode_query(params: Params, render_ref: Callable[[Ref], str] = Ref.render) -> str:
    """Encode params as a PHP bracket query string, keeping their order."""
    out: list[str] = []
    for name, value in _pairs_of(params):
        _encode(quote(name, safe=""), value, out, render_ref)
    return "&".join(out)


def _encode(name: str, value: Any, out: list[str], render_ref: Callable[[Ref], str]) -> None:
    if isinstance(value, Ref):
        out.append(f"{name}={render_ref(value)}")
    elif isinstance(value, Mapping) or (isinstance(value, (list, tuple)) and not isinstance(value, str)):
        children = _pairs_of(value)
        if not children:
            out.append(f"{name}=")
        for child, item in children:
            _encode(f"{name}[{quote(child, safe='')}]", item, out, render_ref)
    else:
        out.append(f"{name}={quote(scalar_text(value), safe='')}")


def command_text(method: str, params: Params, render_ref: Callable[[Ref], str] = Ref.render) -> str:
    """Return ``method?query`` for one batch command (just ``method`` without params)."""
    query = encode_query(params, render_ref)
    return f"{method}?{query}" if query else method


def json_params(params: Params) -> dict[str, Any]:
    """Params for a JSON body: a positional list becomes ``{"0": .., "1": ..}`` in order.

    A JSON list body cannot carry ``auth`` beside it (and crashes fast-bitrix24 with OAuth,
    fast-bitrix24.md §1 ``call(raw=True)``); numeric keys in order are the same PHP array.
    """
    if params is None:
        return {}
    for _, value in _pairs_of(params):
        if _contains_ref(value):
            raise ValueError("Ref placeholders only work inside batch commands")
    if isinstance(params, Mapping):
        return dict(params)
    return {str(i): v for i, v in enumerate(params)}


def _contains_ref(value: Any) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, Mapping):
        return any(_contains_ref(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_ref(v) for v in value)
    return False


def refs_in(params: Params) -> list[Ref]:
    """Return every Ref inside params, depth first."""
    found: list[Ref] = []

    def walk(value: Any) -> None:
        if isinstance(value, Ref):
            found.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(params)
    return found


def substitute_refs(params: Params, value_of: Callable[[Ref], Any]) -> Params:
    """Return params with each Ref replaced by ``value_of(ref)``, keeping order and shape."""

    def walk(value: Any) -> Any:
        if isinstance(value, Ref):
            return value_of(value)
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return walk(params) if params is not None else None
