"""The ``batch`` method: up to 50 commands run in order, with ``$result[...]`` references.

Sources: [D:settings/how-to-call-rest-api/batch.md], rest-facts §4. Each command is
``method?query`` with a PHP-bracket query string; in GET/form mode the whole command arrived
URL-encoded once more, which the transport already undid.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .envelope import php_array, time_block
from .errors import RestError
from .registry import Call, Page
from .transport import parse_pairs, php_bool

if TYPE_CHECKING:
    from .dispatch import Dispatcher

MAX_COMMANDS = 50
_REFERENCE = re.compile(r"\$result\[([^\]]*)\]((?:\[[^\]]*\])*)")
_PATH_PART = re.compile(r"\[([^\]]*)\]")


def batch_length_exceeded() -> RestError:
    return RestError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)


def batch_method_not_allowed() -> RestError:
    return RestError("ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage", 405)


def commands_of(raw: Any) -> list[tuple[str, str]]:
    """Return (key, "method?query") pairs from ``cmd`` given as a map or a list."""
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(str(i), v) for i, v in enumerate(raw)]
    elif raw in (None, ""):
        items = []
    else:
        raise RestError("ERROR_CORE", "Parameter 'cmd' must be an array<br>", 400)
    return [(str(k), v if isinstance(v, str) else str(v)) for k, v in items]


def split_command(command: str) -> tuple[str, str]:
    method, _, query = command.partition("?")
    return method.strip(), query


def resolve(path_key: str, path: str, results: dict[str, Any]) -> tuple[bool, Any]:
    """Look up ``$result[key][a][0]...`` among earlier results; (found, value)."""
    if path_key not in results:
        return False, None
    value = results[path_key]
    for part in _PATH_PART.findall(path):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _scalar(value: Any) -> str:
    # PHP string conversion: true → "1", false/null → "".
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return str(value)


def substitute(value: str, results: dict[str, Any]) -> Any:
    """Replace references in one decoded parameter value.

    A value that is exactly one reference to an array takes the array itself; otherwise
    each reference is replaced by its scalar text (a missing one by "").
    """
    whole = _REFERENCE.fullmatch(value)
    if whole:
        found, resolved = resolve(whole.group(1), whole.group(2), results)
        if found and isinstance(resolved, (dict, list)):
            return resolved
    return _REFERENCE.sub(lambda m: _scalar(resolve(m.group(1), m.group(2), results)[1]), value)


def parse_command_query(query: str, results: dict[str, Any]) -> dict[str, Any]:
    """Parse one command's query string with references resolved."""
    pairs = [(key, substitute(value, results)) for key, value in parse_qsl(query, keep_blank_values=True)]
    params = parse_pairs(pairs)
    params.pop("auth", None)
    return params


def run_batch(call: Call) -> dict[str, Any]:
    """Execute the commands of a batch call and build its documented result object."""
    dispatcher: Dispatcher = call.extra["dispatcher"]
    commands = commands_of(call.get("cmd", "CMD"))
    if len(commands) > MAX_COMMANDS:
        raise batch_length_exceeded()
    # Nesting is prohibited since rest 24.0.0; the sandbox rejects the whole call up front.
    if any(split_command(command)[0].lower() == "batch" for _, command in commands):
        raise batch_method_not_allowed()
    halt = php_bool(call.get("halt", "HALT", default=False))
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    nexts: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for key, command in commands:
        method, query = split_command(command)
        params = parse_command_query(query, results)
        outcome = dispatcher.run(method, params, call.auth, in_batch=True)
        if outcome.error is not None:
            errors[key] = outcome.error.envelope()
            if halt:
                break
            continue
        result = outcome.result
        if isinstance(result, Page):
            results[key] = result.items
            totals[key] = result.total or 0
            if result.next is not None:
                nexts[key] = result.next
        else:
            results[key] = result
        times[key] = time_block(outcome.start, outcome.finish, outcome.processing, with_operating=False)
    return {
        "result": php_array(results),
        "result_error": php_array(errors),
        "result_total": php_array(totals),
        "result_next": php_array(nexts),
        "result_time": php_array(times),
    }
