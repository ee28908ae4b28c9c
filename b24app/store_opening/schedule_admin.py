"""Change store schedules one by one or in bulk (pages, Excel upload, CLI)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..org import queries as org
from .models import StoreSchedule
from .schedules import (DAILY, EVERY_N, ScheduleRule, days_text, parse_hhmm, rule_of,
                        validate_rule)


@dataclass(frozen=True)
class ScheduleChange:
    """Fields to set on schedules; None leaves a field as it is."""
    enabled: bool | None = None
    template_id: int | None = None
    clear_template: bool = False
    frequency: str | None = None
    weekdays: frozenset[int] | None = None
    every_n_days: int | None = None
    anchor_date: date | None = None
    closed_dates: frozenset[date] | None = None
    create_at: str | None = None
    deadline: str | None = None
    accomplice_positions: tuple[str, ...] | None = None


def schedules_by_store(session: Session, portal_id: int) -> dict[int, StoreSchedule]:
    """Return every stored schedule of the portal keyed by store ID."""
    rows = session.scalars(select(StoreSchedule).where(StoreSchedule.portal_id == portal_id))
    return {row.store_id: row for row in rows}


def get_or_new(session: Session, portal_id: int, store_id: int) -> StoreSchedule:
    """Return the store's schedule, adding a disabled default one if it has none."""
    found = session.get(StoreSchedule, (portal_id, store_id))
    if found is None:
        found = StoreSchedule(portal_id=portal_id, store_id=store_id, enabled=False,
                              frequency=DAILY, weekdays=[], every_n_days=1, closed_dates=[],
                              create_at="08:00", deadline="10:00", accomplice_positions=[])
        session.add(found)
    return found


def apply_change(schedule: StoreSchedule, change: ScheduleChange, now: datetime) -> list[str]:
    """Apply ``change`` if the result is valid; return error message keys (nothing applied)."""
    try:
        candidate = _candidate(schedule, change)
    except ValueError:
        return ["error_time"]
    errors = validate_rule(candidate)
    template_id = None if change.clear_template else (change.template_id or schedule.template_id)
    enabled = schedule.enabled if change.enabled is None else change.enabled
    if enabled and template_id is None:
        errors.append("error_no_template")
    if errors:
        return errors
    if change.enabled is not None:
        schedule.enabled = change.enabled
    if change.clear_template:
        schedule.template_id = None
    if change.template_id is not None:
        schedule.template_id = change.template_id
    schedule.frequency = candidate.frequency
    schedule.weekdays = sorted(candidate.weekdays)
    schedule.every_n_days = candidate.every_n_days
    if change.frequency == EVERY_N and candidate.anchor_date is None:
        schedule.anchor_date = now.date()
    elif change.anchor_date is not None:
        schedule.anchor_date = change.anchor_date
    schedule.closed_dates = sorted(d.isoformat() for d in candidate.closed_dates)
    schedule.create_at = candidate.create_at.strftime("%H:%M")
    schedule.deadline = candidate.deadline.strftime("%H:%M")
    if change.accomplice_positions is not None:
        schedule.accomplice_positions = [p for p in change.accomplice_positions if p.strip()]
    schedule.updated_at = now
    return []


def _candidate(schedule: StoreSchedule, change: ScheduleChange) -> ScheduleRule:
    rule = rule_of(schedule)
    return replace(
        rule,
        frequency=change.frequency or rule.frequency,
        weekdays=change.weekdays if change.weekdays is not None else rule.weekdays,
        every_n_days=change.every_n_days or rule.every_n_days,
        anchor_date=change.anchor_date or rule.anchor_date,
        closed_dates=change.closed_dates if change.closed_dates is not None else rule.closed_dates,
        create_at=parse_hhmm(change.create_at) if change.create_at else rule.create_at,
        deadline=parse_hhmm(change.deadline) if change.deadline else rule.deadline)


def bulk_apply(session: Session, portal_id: int, store_ids: Iterable[int], change: ScheduleChange,
               now: datetime) -> dict[int, list[str]]:
    """Apply one change to many stores; all or nothing. Return errors by store (empty: done)."""
    known = {s.b24_id for s in org.stores(session, portal_id)}
    targets = list(dict.fromkeys(store_ids))
    errors: dict[int, list[str]] = {sid: ["error_unknown_store"] for sid in targets if sid not in known}
    if errors:
        return errors
    with session.begin_nested() as savepoint:
        for store_id in targets:
            problems = apply_change(get_or_new(session, portal_id, store_id), change, now)
            if problems:
                errors[store_id] = problems
        if errors:
            savepoint.rollback()
    return errors


def schedule_days_text(schedule: StoreSchedule) -> str:
    """Return the schedule's days as "daily", "mon,tue" or "every:N"."""
    return days_text(schedule.frequency, schedule.weekdays, schedule.every_n_days)
