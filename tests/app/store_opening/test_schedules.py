"""Schedule rules on each store's own clock: frequencies, closed dates, DST, catch-up."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from b24app.store_opening.schedules import (DAILY, EVERY_N, WEEKDAYS, ScheduleRule, due_today,
                                            local_instant, next_days, parse_days, parse_hhmm,
                                            validate_rule)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ALMATY = ZoneInfo("Asia/Almaty")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_creation_time_is_local_to_each_store() -> None:
    rule = ScheduleRule(create_at=time(8, 0), deadline=time(10, 0))
    # 08:00 in Almaty (UTC+5) is 03:00 UTC; in Berlin in December (UTC+1) 07:00 UTC.
    assert due_today(rule, ALMATY, utc(2026, 12, 4, 2, 59)) is None
    occ = due_today(rule, ALMATY, utc(2026, 12, 4, 3, 0))
    assert occ is not None and occ.create_at == utc(2026, 12, 4, 3, 0)
    assert occ.due_at == utc(2026, 12, 4, 5, 0)
    assert due_today(rule, BERLIN, utc(2026, 12, 4, 3, 0)) is None


def test_spring_forward_day_keeps_local_times_and_one_date() -> None:
    # Berlin switches 02:00 → 03:00 on 2026-03-29: 08:00 local is 06:00 UTC that day, 07:00 the day before.
    rule = ScheduleRule(create_at=time(8, 0), deadline=time(10, 0))
    before = due_today(rule, BERLIN, utc(2026, 3, 28, 7, 0))
    on_day = due_today(rule, BERLIN, utc(2026, 3, 29, 6, 0))
    assert before is not None and before.create_at == utc(2026, 3, 28, 7, 0)
    assert on_day is not None and on_day.local_date == date(2026, 3, 29)
    assert on_day.create_at == utc(2026, 3, 29, 6, 0) and on_day.due_at == utc(2026, 3, 29, 8, 0)
    assert due_today(rule, BERLIN, utc(2026, 3, 29, 5, 59)) is None


def test_wall_time_inside_the_gap_lands_after_it() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; it is taken as 03:30 CEST (01:30 UTC).
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)


def test_fall_back_day_repeated_hour_is_the_first_one() -> None:
    # New York repeats 01:00–02:00 on 2026-11-01; 01:30 is the first (EDT, UTC-4) occurrence.
    assert local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    rule = ScheduleRule(create_at=time(8, 0), deadline=time(9, 0))
    occ = due_today(rule, NEW_YORK, utc(2026, 11, 1, 13, 0))
    assert occ is not None and occ.create_at == utc(2026, 11, 1, 13, 0)   # EST now


def test_catch_up_same_local_day_but_never_a_past_day() -> None:
    rule = ScheduleRule(create_at=time(8, 0), deadline=time(10, 0))
    late_same_day = due_today(rule, BERLIN, utc(2026, 12, 4, 22, 0))   # 23:00 local
    assert late_same_day is not None and late_same_day.local_date == date(2026, 12, 4)
    next_morning = due_today(rule, BERLIN, utc(2026, 12, 5, 0, 30))    # 01:30 local on the 5th
    assert next_morning is None                                          # the 4th is not back-filled


def test_weekdays_every_n_and_closed_dates() -> None:
    weekdays = ScheduleRule(frequency=WEEKDAYS, weekdays=frozenset({0, 2}))   # mon, wed
    assert next_days(weekdays, date(2026, 12, 1), 3) == [date(2026, 12, 2), date(2026, 12, 7),
                                                         date(2026, 12, 9)]
    every3 = ScheduleRule(frequency=EVERY_N, every_n_days=3, anchor_date=date(2026, 12, 1))
    assert next_days(every3, date(2026, 12, 1), 3) == [date(2026, 12, 1), date(2026, 12, 4),
                                                       date(2026, 12, 7)]
    closed = ScheduleRule(closed_dates=frozenset({date(2026, 12, 4)}))
    assert due_today(closed, BERLIN, utc(2026, 12, 4, 12, 0)) is None
    assert due_today(closed, BERLIN, utc(2026, 12, 5, 12, 0)) is not None


def test_parse_days_and_times() -> None:
    assert parse_days("daily") == (DAILY, frozenset(), 1)
    assert parse_days("Mon, fri") == (WEEKDAYS, frozenset({0, 4}), 1)
    assert parse_days("every:2") == (EVERY_N, frozenset(), 2)
    for bad in ("", "mon,xyz", "every:0", "every:x"):
        with pytest.raises(ValueError):
            parse_days(bad)
    assert parse_hhmm("07:45") == time(7, 45)
    with pytest.raises(ValueError):
        parse_hhmm("25:00")


def test_validation_rejects_deadline_before_creation_and_empty_weekdays() -> None:
    assert validate_rule(ScheduleRule(create_at=time(10, 0), deadline=time(9, 0))) == [
        "error_deadline_before_create"]
    assert validate_rule(ScheduleRule(frequency=WEEKDAYS)) == ["error_weekdays"]
