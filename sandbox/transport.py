"""Turn an HTTP request into the ordered params dict a REST method receives.

Bitrix24 is PHP: query strings and form bodies use bracket keys (``fields[TITLE]=x``,
``select[]=ID``, ``a[b][0]=1``) and arrive as ordered arrays. The legacy ``task.*`` methods
read their arguments by position, so insertion order must survive parsing
(rest-facts §1 "Positional legacy methods").
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Iterable
from urllib.parse import parse_qsl

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request

from .errors import RestError

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def invalid_json() -> RestError:
    """The sandbox's answer to an unparsable JSON body (the docs give none for REST v2)."""
    return RestError("INVALID_JSON", "Request body is not valid JSON", 400)


def split_key(key: str) -> list[str]:
    """Split ``a[b][]`` into ``["a", "b", ""]`` the way PHP's parse_str does."""
    first = key.find("[")
    if first <= 0:
        return [key]
    head, rest = key[:first], key[first:]
    parts = [head]
    position = 0
    for match in _BRACKETS.finditer(rest):
        if match.start() != position:
            break
        parts.append(match.group(1))
        position = match.end()
    if position == 0:
        # "a[b" is not bracket syntax: PHP keeps it as one (mangled) name.
        return [key]
    return parts


def _insert(target: dict[str, Any], path: list[str], value: Any) -> None:
    node = target
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if part == "":
            part = str(_next_index(node))
        if last:
            node[part] = value
            return
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child


def _next_index(node: dict[str, Any]) -> int:
    numeric = [int(k) for k in node if k.lstrip("-").isdigit()]
    return max(numeric) + 1 if numeric else 0


def listify(value: Any) -> Any:
    """Turn maps whose keys are exactly "0".."n-1" (in order) into lists, recursively."""
    if isinstance(value, dict):
        converted = {k: listify(v) for k, v in value.items()}
        if converted and list(converted) == [str(i) for i in range(len(converted))]:
            return list(converted.values())
        return converted
    if isinstance(value, list):
        return [listify(v) for v in value]
    return value


def parse_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Build a nested, ordered params dict from (bracket-key, value) pairs."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        if key == "":
            continue
        _insert(tree, split_key(key), value)
    return {k: listify(v) for k, v in tree.items()}


def parse_query(query: str) -> dict[str, Any]:
    """Parse a PHP-style query string (``fields[TITLE]=x&select[]=ID``)."""
    return parse_pairs(parse_qsl(query, keep_blank_values=True))


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Parse a JSON body; a top-level list becomes positional keys "0".."n-1"."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_json() from exc
    if isinstance(data, dict):
        return data
    if isinstance(data, list):
        return {str(i): v for i, v in enumerate(data)}
    raise invalid_json()


def _file_value(upload: FileStorage) -> list[str]:
    # Bitrix24 file parameters take ["name", "base64"]; an uploaded part is presented the
    # same way so methods need only one file format.
    return [upload.filename or "file", base64.b64encode(upload.read()).decode("ascii")]


def parse_request(request: Request) -> dict[str, Any]:
    """Merge the query string and the body (JSON, urlencoded or multipart) into one dict."""
    params = parse_query(request.query_string.decode("utf-8", "replace"))
    mimetype = request.mimetype
    if mimetype == "application/json":
        body = parse_json_body(request.get_data(cache=True))
    elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        pairs: list[tuple[str, Any]] = list(request.form.items(multi=True))
        pairs.extend((name, _file_value(f)) for name, f in request.files.items(multi=True))
        body = parse_pairs(pairs)
    else:
        raw = request.get_data(cache=True)
        body = _sniff_body(raw)
    params.update(body)
    return params


def _sniff_body(raw: bytes) -> dict[str, Any]:
    """Read a body sent without a usable Content-Type: JSON if it looks like JSON, else a form."""
    text = raw.strip()
    if not text:
        return {}
    if text[:1] in (b"{", b"["):
        return parse_json_body(raw)
    return parse_query(raw.decode("utf-8", "replace"))


def php_bool(value: Any) -> bool:
    """Read a flag that may arrive as 1/0, true/false, Y/N or fast-bitrix24's "True"/"False"."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    return str(value).strip().lower() in ("1", "true", "y", "yes", "on")
