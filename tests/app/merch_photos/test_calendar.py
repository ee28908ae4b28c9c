"""ISO weeks: titles with dates, the month/year a week belongs to, year and month boundaries."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from b24app.merch_photos.calendar import (IsoWeek, current_week, local_instant, month_title,
                                          parse_week_key, week_of, week_title, weeks_in_year,
                                          weeks_of_month, year_title)


def test_week_title_has_number_and_monday_to_sunday_dates() -> None:
    assert week_title(IsoWeek(2026, 49)) == "Неделя 49 (30.11–06.12)"
    assert week_title(IsoWeek(2026, 49), "en") == "Week 49 (30.11–06.12)"


def test_week_spanning_two_months_belongs_to_the_month_of_its_thursday() -> None:
    week = IsoWeek(2026, 49)          # Mon 30.11 … Sun 06.12, Thursday 03.12
    assert week.thursday == date(2026, 12, 3)
    assert week.month_key == "2026-12"
    assert IsoWeek(2026, 44).month_key == "2026-10"   # 26.10–01.11, Thursday 29.10


def test_week_53_across_new_year_stays_in_december_of_the_old_year() -> None:
    assert weeks_in_year(2026) == 53
    week = week_of(date(2027, 1, 2))
    assert week == IsoWeek(2026, 53)
    assert (week.monday, week.sunday) == (date(2026, 12, 28), date(2027, 1, 3))
    assert (week.year_key, week.month_key) == ("2026", "2026-12")
    assert week_title(week) == "Неделя 53 (28.12–03.01)"


def test_week_1_starting_in_december_belongs_to_january_of_the_new_year() -> None:
    week = week_of(date(2024, 12, 30))
    assert week == IsoWeek(2025, 1)
    assert (week.year_key, week.month_key) == ("2025", "2025-01")
    assert week_title(week) == "Неделя 1 (30.12–05.01)"


def test_years_without_week_53_reject_it() -> None:
    assert weeks_in_year(2025) == 52
    with pytest.raises(ValueError):
        IsoWeek(2025, 53)


def test_shifting_crosses_year_boundaries() -> None:
    assert IsoWeek(2026, 53).shifted(1) == IsoWeek(2027, 1)
    assert IsoWeek(2025, 1).shifted(-1) == IsoWeek(2024, 52)


def test_week_keys_round_trip() -> None:
    week = IsoWeek(2026, 3)
    assert week.key == "2026-W03"
    assert parse_week_key(week.key) == week
    with pytest.raises(ValueError):
        parse_week_key("2026-12")


def test_month_and_year_titles_are_russian_by_default() -> None:
    assert month_title("2026-12") == "Декабрь 2026"
    assert month_title("2027-01", "en") == "January 2027"
    assert year_title("2026") == "2026"
    with pytest.raises(ValueError):
        month_title("2026-13")


def test_weeks_of_a_month_are_those_whose_thursday_is_in_it() -> None:
    assert [w.week for w in weeks_of_month("2026-12")] == [49, 50, 51, 52, 53]
    assert [w.week for w in weeks_of_month("2027-01")] == [1, 2, 3, 4]
    assert [w.week for w in weeks_of_month("2026-11")] == [45, 46, 47, 48]


def test_local_instant_and_current_week_use_the_zone() -> None:
    week = IsoWeek(2026, 49)
    at = local_instant(week, 0, time(9, 0), "Asia/Yekaterinburg")   # UTC+5
    assert at.astimezone(timezone.utc) == datetime(2026, 11, 30, 4, 0, tzinfo=timezone.utc)
    # Sunday 22:00 UTC is already Monday of the next week in Yekaterinburg.
    sunday_night = datetime(2026, 12, 6, 22, 0, tzinfo=timezone.utc)
    assert current_week(sunday_night, "Europe/London") == IsoWeek(2026, 49)
    assert current_week(sunday_night, "Asia/Yekaterinburg") == IsoWeek(2026, 50)
