"""Excel: the schedule table (download, upload validated row by row) and the dashboard export.

An uploaded file is applied only when every row is valid; otherwise nothing changes and each
bad row is reported with its problems (message keys of the catalog).
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from ..org import queries as org
from .dashboard import StoreToday
from .schedule_admin import ScheduleChange, apply_change, get_or_new, schedule_days_text, \
    schedules_by_store
from .schedules import parse_days, parse_hhmm
from .templates_admin import list_templates

COLUMNS = ("store_id", "store", "country", "region", "city", "time_zone", "enabled", "template",
           "days", "closed_dates", "create_at", "deadline", "positions")
_YES = {"1", "yes", "y", "да", "true", "on", "вкл"}
_NO = {"0", "no", "n", "нет", "false", "off", "выкл", ""}


@dataclass(frozen=True)
class RowError:
    row: int                  # spreadsheet row number (header is row 1)
    store_id: str
    errors: tuple[str, ...]


def schedule_workbook(session: Session, portal_id: int, headers: Sequence[str]) -> bytes:
    """Return the schedule table of every store as an .xlsx file."""
    names = {t.id: t.name for t in list_templates(session, portal_id)}
    schedules = schedules_by_store(session, portal_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("schedules")
    sheet.append(list(COLUMNS))
    sheet.append(list(headers))
    for store in org.stores(session, portal_id):
        s = schedules.get(store.b24_id)
        sheet.append([
            store.b24_id, store.name, store.country, store.region, store.city,
            store.effective_time_zone, "yes" if s is not None and s.enabled else "no",
            names.get(s.template_id or 0, "") if s is not None else "",
            schedule_days_text(s) if s is not None else "daily",
            ", ".join(s.closed_dates) if s is not None else "",
            s.create_at if s is not None else "08:00", s.deadline if s is not None else "10:00",
            "; ".join(s.accomplice_positions) if s is not None else ""])
    return _save(book)


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _dates(value: Any) -> frozenset[date]:
    if isinstance(value, datetime):
        return frozenset({value.date()})
    parts = [p.strip() for p in _text(value).replace(";", ",").split(",") if p.strip()]
    return frozenset(date.fromisoformat(p) for p in parts)


def parse_row(values: dict[str, Any], known_stores: set[int],
              templates: dict[str, int]) -> tuple[int | None, ScheduleChange | None, list[str]]:
    """Return (store id, change, errors) of one spreadsheet row."""
    errors: list[str] = []
    store_text = _text(values.get("store_id"))
    store_id = int(store_text) if store_text.isdigit() else None
    if store_id is None or store_id not in known_stores:
        errors.append("error_unknown_store")
    enabled_text = _text(values.get("enabled")).lower()
    if enabled_text not in _YES | _NO:
        errors.append("error_enabled")
    template_name = _text(values.get("template"))
    if template_name and template_name not in templates:
        errors.append("error_unknown_template")
    try:
        frequency, weekdays, every_n = parse_days(_text(values.get("days")) or "daily")
    except ValueError:
        errors.append("error_days")
        frequency, weekdays, every_n = "daily", frozenset(), 1
    try:
        closed = _dates(values.get("closed_dates"))
    except ValueError:
        errors.append("error_closed_dates")
        closed = frozenset()
    create_at, deadline = _text(values.get("create_at")), _text(values.get("deadline"))
    try:
        if parse_hhmm(deadline) <= parse_hhmm(create_at):
            errors.append("error_deadline_before_create")
    except ValueError:
        errors.append("error_time")
    if errors:
        return store_id, None, errors
    positions = tuple(p.strip() for p in _text(values.get("positions")).split(";") if p.strip())
    change = ScheduleChange(
        enabled=enabled_text in _YES, template_id=templates.get(template_name),
        clear_template=not template_name, frequency=frequency, weekdays=weekdays,
        every_n_days=every_n, closed_dates=closed, create_at=create_at, deadline=deadline,
        accomplice_positions=positions)
    return store_id, change, []


def read_rows(data: bytes) -> Iterable[tuple[int, dict[str, Any]]]:
    """Yield (row number, values by column name) of the first sheet; skip the label row."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [(_text(h)).lower() for h in next(rows, ())]
    if "store_id" not in header:
        raise ValueError("error_no_header")
    for number, values in enumerate(rows, start=2):
        record = dict(zip(header, values))
        if number == 2 and not _text(record.get("store_id")).isdigit():
            continue   # the translated label row written by schedule_workbook
        if all(v is None or _text(v) == "" for v in values):
            continue
        yield number, record


def upload_schedules(session: Session, portal_id: int, data: bytes,
                     now: datetime) -> tuple[int, list[RowError]]:
    """Validate every row; apply all of them only if none has errors. Return (applied, errors)."""
    known = {s.b24_id for s in org.stores(session, portal_id)}
    templates = {t.name: t.id for t in list_templates(session, portal_id)}
    try:
        rows = list(read_rows(data))
    except Exception:   # noqa: BLE001 - any unreadable file is one error for the user
        return 0, [RowError(0, "", ("error_not_xlsx",))]
    parsed: list[tuple[int, ScheduleChange]] = []
    errors: list[RowError] = []
    seen: set[int] = set()
    for number, values in rows:
        store_id, change, problems = parse_row(values, known, templates)
        if store_id is not None and store_id in seen:
            problems = [*problems, "error_duplicate_store"]
        if store_id is not None:
            seen.add(store_id)
        if problems or change is None or store_id is None:
            errors.append(RowError(number, _text(values.get("store_id")), tuple(problems)))
        else:
            parsed.append((store_id, change))
    if errors:
        return 0, errors
    with session.begin_nested() as savepoint:
        for store_id, change in parsed:
            problems = apply_change(get_or_new(session, portal_id, store_id), change, now)
            if problems:
                errors.append(RowError(0, str(store_id), tuple(problems)))
        if errors:
            savepoint.rollback()
            return 0, errors
    return len(parsed), []


def dashboard_workbook(rows: Sequence[StoreToday], headers: Sequence[str],
                       status_label: dict[str, str]) -> bytes:
    """Return the dashboard rows shown to the viewer as an .xlsx file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("today")
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.country, row.region, row.city, row.store_id, row.name,
                      row.local_date.isoformat(), status_label.get(row.status, row.status),
                      row.reason, row.task_id or ""])
    return _save(book)
