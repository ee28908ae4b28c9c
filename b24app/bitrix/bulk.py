"""Bulk work over a PortalClient: any number of commands, and whole lists.

``run_commands`` packs commands in order into batches of 50 (every batch full but the last).
A ``Ref`` to a command of the same batch is sent as ``$result[key][path]``; a ``Ref`` to a
command of an earlier batch is replaced by the literal value; a command whose referenced
command failed is reported failed (DEPENDENCY_FAILED) and never sent.

``list_all`` never truncates silently (fast-bitrix24's ``get_all`` returns 50 rows when the
answer has no ``total``, fast-bitrix24.md §1):
- with ``total``: page 1 alone, then every other page as commands of full batches
  (50 pages = 2,500 rows per request, rest-facts §3-§4), then ``next`` if rows were added;
- without ``total``: follow ``next``; with neither, keep paging while pages are full;
- ``fast=True``: ``start=-1`` with ``>ID`` filter ordered by ID ascending until a short page
  ([D:settings/performance/huge-data.md]): no COUNT on the server, one request per 50 rows.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .commands import MAX_BATCH, Command, CommandResult, Ref, check_key, refs_in, substitute_refs
from .envelope import items_of
from .errors import B24ApiError, B24Error

if TYPE_CHECKING:
    from .client import PortalClient

PAGE_SIZE = 50
DEPENDENCY_FAILED = "DEPENDENCY_FAILED"


class _Missing(Exception):
    pass


def _walk(value: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        if isinstance(value, Mapping) and str(part) in value:
            value = value[str(part)]
        elif isinstance(value, list) and str(part).lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            raise _Missing(str(part))
    return value


def _check_order(commands: Sequence[Command]) -> None:
    seen: set[str] = set()
    for command in commands:
        check_key(command.key)
        if command.key in seen:
            raise ValueError(f"duplicate command key {command.key!r}")
        for ref in refs_in(command.params):
            if ref.key not in seen:
                raise ValueError(f"{command.key!r} refers to {ref.key!r}, which does not come before it")
        seen.add(command.key)


def run_commands(client: PortalClient, commands: Sequence[Command]) -> dict[str, CommandResult]:
    """Run ``commands`` in full 50-command batches; return a result or an error for each key."""
    _check_order(commands)
    results: dict[str, CommandResult] = {}
    pending: list[Command] = []

    def flush() -> None:
        if not pending:
            return
        try:
            results.update(client.batch(pending))
        except B24Error as error:
            # The whole request failed (after retries): this batch's commands carry the
            # error; earlier batches' results stay reported.
            results.update({c.key: CommandResult(c.key, error=error) for c in pending})
        pending.clear()

    for command in commands:
        failed = _failed_dependency(command, results)
        if failed is not None:
            results[command.key] = CommandResult(command.key, error=failed)
            continue

        def literal(ref: Ref) -> Any:
            if ref.key in results:
                return _walk(results[ref.key].result, ref.path)
            return ref

        try:
            params = substitute_refs(command.params, literal)
        except _Missing as missing:
            results[command.key] = CommandResult(command.key, error=B24ApiError(
                DEPENDENCY_FAILED, f"the referenced result has no {missing}", 0))
            continue
        pending.append(Command(command.key, command.method, params))
        if len(pending) == MAX_BATCH:
            flush()
    flush()
    return {command.key: results[command.key] for command in commands}


def _failed_dependency(command: Command, results: Mapping[str, CommandResult]) -> B24ApiError | None:
    for ref in refs_in(command.params):
        done = results.get(ref.key)
        if done is not None and not done.ok:
            return B24ApiError(DEPENDENCY_FAILED, f"{ref.key!r} failed: {done.error}", 0)
    return None


def list_all(client: PortalClient, method: str, params: Mapping[str, Any] | None = None, *,
             key_path: Sequence[str] | None = None, fast: bool = False, id_field: str = "ID",
             filter_key: str = "filter", order_params: Mapping[str, Any] | None = None) -> list[Any]:
    """Return every row of a list method (strategies in the module docstring)."""
    base = {k: v for k, v in (params or {}).items() if k.lower() != "start"}
    if fast:
        return _fast_walk(client, method, base, key_path, id_field, filter_key, order_params)
    first = client.call_page(method, {**base, "start": 0}, key_path=key_path)
    rows = list(first.items)
    next_start = first.next
    if first.total is not None and next_start is not None and first.total > next_start:
        starts = list(range(next_start, first.total, PAGE_SIZE))
        commands = [Command(f"page{i}", method, {**base, "start": start}) for i, start in enumerate(starts)]
        pages = run_commands(client, commands)
        for command in commands:
            page = pages[command.key]
            if page.error is not None:
                raise page.error
            rows.extend(items_of(page.result, key_path))
        next_start = pages[commands[-1].key].next
    while next_start is not None:
        page_result = client.call_page(method, {**base, "start": next_start}, key_path=key_path)
        rows.extend(page_result.items)
        if page_result.next is not None:
            next_start = page_result.next
        elif page_result.total is None and len(page_result.items) == PAGE_SIZE:
            next_start += PAGE_SIZE      # no total, no next, a full page: there may be more
        else:
            next_start = None
    if first.total is None and first.next is None and len(first.items) == PAGE_SIZE:
        return rows + _offset_walk(client, method, base, key_path, PAGE_SIZE)
    return rows


def _offset_walk(client: PortalClient, method: str, base: Mapping[str, Any],
                 key_path: Sequence[str] | None, start: int) -> list[Any]:
    rows: list[Any] = []
    while True:
        page = client.call_page(method, {**base, "start": start}, key_path=key_path)
        rows.extend(page.items)
        if len(page.items) < PAGE_SIZE:
            return rows
        start += PAGE_SIZE


def _fast_walk(client: PortalClient, method: str, base: Mapping[str, Any],
               key_path: Sequence[str] | None, id_field: str, filter_key: str,
               order_params: Mapping[str, Any] | None) -> list[Any]:
    rows: list[Any] = []
    base_filter = dict(base.get(filter_key) or {})
    order = dict(order_params) if order_params is not None else {"order": {id_field: "ASC"}}
    last_id: Any = None
    while True:
        condition = dict(base_filter)
        if last_id is not None:
            condition[f">{id_field}"] = last_id
        page = client.call_page(method, {**base, **order, filter_key: condition, "start": -1},
                                key_path=key_path)
        rows.extend(page.items)
        if len(page.items) < PAGE_SIZE:
            return rows
        last = page.items[-1]
        last_id = last.get(id_field, last.get(id_field.lower())) if isinstance(last, Mapping) else None
        if last_id is None:
            raise B24ApiError("INVALID_RESPONSE", f"rows of {method} have no {id_field}", 200)
