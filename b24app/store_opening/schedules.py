"""Schedule rules evaluated on each store's own clock (zoneinfo, DST-safe).

A store is due on a local date when its frequency matches and the date is not closed. The
task is created at the local creation time of that date and falls due at the local deadline.
A worker that was down catches up later the same local day; past days are never back-filled.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .models import StoreSchedule

DAILY = "daily"
WEEKDAYS = "weekdays"
EVERY_N = "every_n"
FREQUENCIES = (DAILY, WEEKDAYS, EVERY_N)
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ScheduleRule:
    """A schedule as plain values, so the rules are testable without a database."""
    frequency: str = DAILY
    weekdays: frozenset[int] = frozenset()
    every_n_days: int = 1
    anchor_date: date | None = None
    closed_dates: frozenset[date] = field(default_factory=frozenset)
    create_at: time = time(8, 0)
    deadline: time = time(10, 0)


@dataclass(frozen=True)
class Occurrence:
    """One due local date of a store with its creation and deadline instants in UTC."""
    local_date: date
    create_at: datetime
    due_at: datetime


def parse_hhmm(text: str) -> time:
    """Parse "HH:MM" (24-hour clock) or raise ValueError."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"expected HH:MM, got {text!r}")
    return time(int(parts[0]), int(parts[1]))


def parse_days(text: str) -> tuple[str, frozenset[int], int]:
    """Parse "daily", "mon,wed,fri" or "every:N" into (frequency, weekdays, every_n_days)."""
    value = text.strip().lower()
    if value == DAILY:
        return DAILY, frozenset(), 1
    if value.startswith("every:"):
        count = value.split(":", 1)[1]
        if not count.isdigit() or not 1 <= int(count) <= 365:
            raise ValueError(f"every:N needs N between 1 and 365, got {text!r}")
        return EVERY_N, frozenset(), int(count)
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in WEEKDAY_NAMES]
    if not names or unknown:
        raise ValueError(f"days must be daily, every:N or weekdays like mon,tue; got {text!r}")
    return WEEKDAYS, frozenset(WEEKDAY_NAMES.index(n) for n in names), 1


def days_text(frequency: str, weekdays: Iterable[int], every_n_days: int) -> str:
    """Return the text form parsed by ``parse_days``."""
    if frequency == WEEKDAYS:
        return ",".join(WEEKDAY_NAMES[d] for d in sorted(weekdays))
    if frequency == EVERY_N:
        return f"every:{every_n_days}"
    return DAILY


def rule_of(schedule: StoreSchedule) -> ScheduleRule:
    """Build the pure rule from a stored schedule."""
    return ScheduleRule(
        frequency=schedule.frequency, weekdays=frozenset(schedule.weekdays or ()),
        every_n_days=max(1, schedule.every_n_days or 1), anchor_date=schedule.anchor_date,
        closed_dates=frozenset(date.fromisoformat(d) for d in schedule.closed_dates or ()),
        create_at=parse_hhmm(schedule.create_at), deadline=parse_hhmm(schedule.deadline))


def matches_frequency(rule: ScheduleRule, day: date) -> bool:
    """Return True when the frequency selects ``day`` (closed dates not considered)."""
    if rule.frequency == WEEKDAYS:
        return day.weekday() in rule.weekdays
    if rule.frequency == EVERY_N:
        anchor = rule.anchor_date or date(2024, 1, 1)
        return (day - anchor).days % rule.every_n_days == 0
    return True


def is_closed(rule: ScheduleRule, day: date) -> bool:
    """Return True when ``day`` is one of the store's closed dates."""
    return day in rule.closed_dates


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of local wall time ``at`` on ``day``.

    A wall time skipped by a spring-forward change (02:30 in Berlin on the last Sunday of
    March) is taken at its pre-change offset, which lands just after the gap (03:30 CEST);
    a repeated wall time of an autumn change is its first occurrence (fold=0).
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def local_date_of(instant: datetime, zone: ZoneInfo) -> date:
    """Return the store's local date at ``instant``."""
    return instant.astimezone(zone).date()


def occurrence(rule: ScheduleRule, day: date, zone: ZoneInfo) -> Occurrence:
    """Return the creation and deadline instants of ``day``."""
    return Occurrence(day, local_instant(day, rule.create_at, zone),
                      local_instant(day, rule.deadline, zone))


def due_today(rule: ScheduleRule, zone: ZoneInfo, now: datetime) -> Occurrence | None:
    """Return today's occurrence if the task should exist by ``now``, else None.

    "Today" is the store's local date at ``now``; only that date is considered, so a worker
    that was down catches up the same local day and never back-fills a past one.
    """
    today = local_date_of(now, zone)
    if not matches_frequency(rule, today) or is_closed(rule, today):
        return None
    occ = occurrence(rule, today, zone)
    return occ if now >= occ.create_at else None


def validate_rule(rule: ScheduleRule) -> list[str]:
    """Return message keys of what is wrong with a rule (empty when valid)."""
    errors: list[str] = []
    if rule.frequency not in FREQUENCIES:
        errors.append("error_frequency")
    if rule.frequency == WEEKDAYS and not rule.weekdays:
        errors.append("error_weekdays")
    if rule.deadline <= rule.create_at:
        errors.append("error_deadline_before_create")
    return errors


def next_days(rule: ScheduleRule, start: date, count: int) -> list[date]:
    """Return the next ``count`` due dates from ``start`` (for previews)."""
    found: list[date] = []
    day = start
    for _ in range(count * 400):
        if len(found) >= count:
            break
        if matches_frequency(rule, day) and not is_closed(rule, day):
            found.append(day)
        day += timedelta(days=1)
    return found
