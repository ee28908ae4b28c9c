"""ISO weeks for the merchandising tree: keys, dates, titles, and the month a week belongs to.

A week belongs to the month (and year) of its Thursday, the ISO 8601 rule that also decides
the week-numbering year: week 1 of 2027 (04.01–10.01) is in January 2027, and week 53 of 2026
(28.12–03.01) is in December 2026 although it ends in 2027. Pure functions, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTHS = {
    "ru": ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
           "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
WEEK_WORD = {"ru": "Неделя", "en": "Week"}


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week: its week-numbering year and number (1–53)."""
    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.week <= weeks_in_year(self.year):
            raise ValueError(f"{self.year} has no ISO week {self.week}")

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def thursday(self) -> date:
        return self.monday + timedelta(days=3)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def key(self) -> str:
        """Return the period key, ``2026-W49``."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def month_key(self) -> str:
        """Return the key of the month the week belongs to (its Thursday's), ``2026-12``."""
        return f"{self.thursday.year}-{self.thursday.month:02d}"

    @property
    def year_key(self) -> str:
        """Return the key of the year the week belongs to, ``2026``."""
        return str(self.thursday.year)

    def day(self, weekday: int) -> date:
        """Return the date of ``weekday`` (0 = Monday … 6 = Sunday) in this week."""
        if not 0 <= weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
        return self.monday + timedelta(days=weekday)

    def shifted(self, weeks: int) -> IsoWeek:
        """Return the week ``weeks`` weeks later (earlier when negative)."""
        return week_of(self.monday + timedelta(weeks=weeks))


def weeks_in_year(year: int) -> int:
    """Return 52 or 53: the ISO week of 28 December is always the year's last."""
    return date(year, 12, 28).isocalendar().week


def week_of(day: date) -> IsoWeek:
    """Return the ISO week containing ``day``."""
    iso = day.isocalendar()
    return IsoWeek(iso.year, iso.week)


def parse_week_key(key: str) -> IsoWeek:
    """Parse ``2026-W49`` (as produced by ``IsoWeek.key``); raise ValueError otherwise."""
    year, sep, week = key.strip().partition("-W")
    if not sep or not year.isdigit() or not week.isdigit():
        raise ValueError(f"not an ISO week key: {key!r}")
    return IsoWeek(int(year), int(week))


def week_title(week: IsoWeek, lang: str = "ru") -> str:
    """Return ``Неделя 49 (30.11–06.12)``: the number and the dates Monday–Sunday."""
    word = WEEK_WORD.get(lang, WEEK_WORD["ru"])
    return (f"{word} {week.week} ({week.monday:%d.%m}–{week.sunday:%d.%m})")


def month_title(month_key: str, lang: str = "ru") -> str:
    """Return ``Декабрь 2026`` for ``2026-12``."""
    year, month = _split_month(month_key)
    return f"{MONTHS.get(lang, MONTHS['ru'])[month - 1]} {year}"


def year_title(year_key: str) -> str:
    """Return the year node's title, the year itself."""
    return str(int(year_key))


def _split_month(month_key: str) -> tuple[int, int]:
    year, _, month = month_key.partition("-")
    value = int(month)
    if not 1 <= value <= 12:
        raise ValueError(f"not a month key: {month_key!r}")
    return int(year), value


def weeks_of_month(month_key: str) -> list[IsoWeek]:
    """Return the ISO weeks that belong to a month (those whose Thursday falls in it)."""
    year, month = _split_month(month_key)
    day = date(year, month, 1)
    first_thursday = day + timedelta(days=(3 - day.weekday()) % 7)
    weeks: list[IsoWeek] = []
    while first_thursday.month == month:
        weeks.append(week_of(first_thursday))
        first_thursday += timedelta(weeks=1)
    return weeks


def local_instant(week: IsoWeek, weekday: int, at: time, zone: str) -> datetime:
    """Return the instant of local ``weekday`` ``at`` in ``zone`` during ``week`` (aware)."""
    return datetime.combine(week.day(weekday), at, tzinfo=ZoneInfo(zone))


def current_week(now: datetime, zone: str) -> IsoWeek:
    """Return the ISO week that ``now`` falls in on the local calendar of ``zone``."""
    return week_of(now.astimezone(ZoneInfo(zone)).date())
