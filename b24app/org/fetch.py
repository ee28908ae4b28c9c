"""Read departments and active users from Bitrix24 in as few HTTP requests as possible.

Both lists page 50 rows at a time (rest-facts §3), and a batch carries 50 page commands, so
the floor is ceil((department pages + user pages) / 50) requests. The first batch cannot know
the totals, so it spends its 50 commands on the pages we expect (counts from the last sync),
padding with further user pages (the bigger list); pages past the end come back empty, which
costs commands but no requests. Once the totals are known every page not yet read goes out in
full batches. With no estimate this still meets the floor whenever there are ≥ 49 user pages.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..bitrix.commands import MAX_BATCH, Command, CommandResult
from ..bitrix.bulk import PAGE_SIZE

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

# Bitrix24's user filter takes ACTIVE as a Y/N flag; a query-string "1" might not be read as
# true everywhere, "Y" is the native value (user.get: "ACTIVE — when set to true excludes
# dismissed users").
ACTIVE_USERS: dict[str, Any] = {"ACTIVE": "Y"}


@dataclass(frozen=True)
class ListSpec:
    """One list method to read completely, page by page."""
    name: str
    method: str
    params: Mapping[str, Any]


# A stable order (by ID) keeps offset paging from skipping rows; should the list still change
# between pages, rows are de-duplicated by ID and slipped lists read once more (``fetch_lists``).
DEPARTMENTS = ListSpec("d", "department.get", {"sort": "ID", "order": "ASC"})
ACTIVE_USERS_SPEC = ListSpec("u", "user.get", {"sort": "ID", "order": "ASC",
                                                "FILTER": ACTIVE_USERS, "ADMIN_MODE": "True"})


@dataclass
class Fetched:
    """Every row of each list, by list name, and the cost in commands."""
    rows: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    page_commands: int = 0
    useful_pages: int = 0


def fetch_lists(client: PortalClient, specs: Sequence[ListSpec],
                expected_rows: Mapping[str, int]) -> Fetched:
    """Read every page of every list; ``expected_rows`` guides the first batch."""
    fetched = Fetched(rows={spec.name: [] for spec in specs})
    pages: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    totals: dict[str, int] = {}
    first = _first_batch(specs, expected_rows)
    _collect(client.batch(first), first, pages, totals, fetched)
    rest = [_page_command(spec, page) for spec in specs
            for page in range(_page_count(totals.get(spec.name, 0)))
            if (spec.name, page) not in pages]
    if rest:
        _collect(client.run_commands(rest), rest, pages, totals, fetched)
    fetched.useful_pages = sum(_page_count(total) for total in totals.values())
    for spec in specs:
        fetched.rows[spec.name] = _unique_rows(pages, spec.name, totals.get(spec.name, 0))
    slipped = [spec for spec in specs if len(fetched.rows[spec.name]) < totals.get(spec.name, 0)]
    if slipped:
        # Offset paging missed rows (the list changed, or an unstable order): read those
        # lists once more and keep every row seen in either pass.
        again = [_page_command(spec, page) for spec in slipped
                 for page in range(_page_count(totals[spec.name]))]
        more: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
        _collect(client.run_commands(again), again, more, {}, fetched)
        for spec in slipped:
            merged = {str(r.get("ID")): r for r in fetched.rows[spec.name]}
            for row in _unique_rows(more, spec.name, totals[spec.name]):
                merged.setdefault(str(row.get("ID")), row)
            fetched.rows[spec.name] = list(merged.values())
    return fetched


def _unique_rows(pages: Mapping[tuple[str, int], list[Mapping[str, Any]]], name: str,
                 total: int) -> list[Mapping[str, Any]]:
    rows: dict[str, Mapping[str, Any]] = {}
    for page in range(_page_count(total)):
        for row in pages.get((name, page), []):
            rows.setdefault(str(row.get("ID")), row)
    return list(rows.values())


def _page_count(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def _first_batch(specs: Sequence[ListSpec], expected_rows: Mapping[str, int]) -> list[Command]:
    planned = [(spec, page) for spec in specs
               for page in range(_page_count(expected_rows.get(spec.name, 0)))]
    padding = specs[-1]          # callers put the biggest list last
    next_page = _page_count(expected_rows.get(padding.name, 0))
    while len(planned) < MAX_BATCH:
        planned.append((padding, next_page))
        next_page += 1
    return [_page_command(spec, page) for spec, page in planned[:MAX_BATCH]]


def _page_command(spec: ListSpec, page: int) -> Command:
    return Command(f"{spec.name}{page}", spec.method, {**spec.params, "start": page * PAGE_SIZE})


def _collect(results: Mapping[str, CommandResult], commands: Sequence[Command],
             pages: dict[tuple[str, int], list[Mapping[str, Any]]], totals: dict[str, int],
             fetched: Fetched) -> None:
    fetched.page_commands += len(commands)
    for command in commands:
        outcome = results[command.key]
        if outcome.error is not None:
            raise outcome.error
        name, page = command.key[0], int(command.key[1:])
        rows = outcome.result if isinstance(outcome.result, list) else []
        pages[(name, page)] = rows
        if outcome.total is not None:
            totals[name] = max(totals.get(name, 0), int(outcome.total))
