"""Excel exports (dates as dates, frozen bold header, widths, pending marked), the
actualization schedule, overdue rows, and which tasks count as the app's."""
from __future__ import annotations

from datetime import date, datetime, timezone
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from b24app.staff_cards import actualization, cards, excel
from b24app.staff_cards.loop import is_app_task
from b24app.staff_cards.models import ActualizationSchedule, DISMISSAL, NEW

from .chain import MANAGER_A, MANAGER_KZ, SELLER_A, STORE_A, STORE_KZ
from .conftest import CallerFor
from .test_cards import NOW, new_form


def test_division_export_marks_pending_changes_and_writes_real_dates(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        cards.create_card(session, caller(MANAGER_A), NEW, STORE_A, None,
                          new_form(birth_date="1990-05-01"), NOW)
        cards.create_card(session, caller(MANAGER_A), DISMISSAL, STORE_A, SELLER_A,
                          {"dismissal_date": "2026-12-10"}, NOW)
    out = BytesIO()
    with session_factory() as session:
        rows = list(excel.staff_rows(session, 1, {STORE_A, STORE_KZ}, "ru"))
    assert excel.write_staff(rows, out, "ru", with_place=True) == 7
    sheet = load_workbook(BytesIO(out.getvalue())).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.column_dimensions["C"].width == 24
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    by_name = {row[header.index("Фамилия")]: row for row in values[1:]}
    assert by_name["Новикова"][header.index("Ожидает изменения")] == "Приём · ожидает HR"
    assert by_name["Продавцова"][header.index("Ожидает изменения")].startswith("Увольнение")
    assert by_name["Абаев"][header.index("Магазин")] == "Магазин Абая"
    birth = sheet.cell(row=[r[header.index("Фамилия")] for r in values].index("Новикова") + 1,
                       column=header.index("Дата рождения") + 1)
    assert birth.value == datetime(1990, 5, 1) and birth.number_format == "DD.MM.YYYY"
    hired = header.index("Дата приёма")
    assert by_name["Новикова"][hired] == datetime(2026, 12, 7)          # from the pending card
    assert by_name["Абаев"][hired] == datetime(2019, 3, 1)              # from the portal


def test_file_names_are_safe_and_dated() -> None:
    assert excel.file_name("Сотрудники", "Магазин «Тверская» / 1", date(2026, 12, 4)) == (
        "Сотрудники_Магазин-Тверская-1_2026-12-04.xlsx")


def test_schedule_period_and_deadline_in_store_time() -> None:
    schedule = ActualizationSchedule(enabled=True, day_of_month=3, deadline_days=5)
    assert actualization.period_due(schedule, date(2026, 12, 2)) is None
    assert actualization.period_due(schedule, date(2026, 12, 3)) == "2026-12"
    # 8 Dec 18:00 in Almaty (UTC+5) is 13:00 UTC.
    assert actualization.deadline_of(schedule, "2026-12", "Asia/Almaty") == datetime(
        2026, 12, 8, 13, 0, tzinfo=timezone.utc)
    schedule.enabled = False
    assert actualization.period_due(schedule, date(2026, 12, 3)) is None


def test_overdue_unconfirmed_tasks_are_listed_by_region(session_factory: sessionmaker[Session],
                                                        caller: CallerFor) -> None:
    with session_factory.begin() as session:
        assert actualization.plan_tasks(session, 1, NOW, "ru") == 3
        actualization.confirm(session, caller(MANAGER_KZ), STORE_KZ, NOW)
    later = datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)
    with session_factory() as session:
        groups = actualization.overview(session, 1, None, later)
    by_store = {row.store_id: row for group in groups for row in group.rows}
    assert by_store[STORE_A].overdue and not by_store[STORE_KZ].overdue
    assert groups[0].overdue == 2 and groups[0].region == "Центр"


def test_schedule_form_is_validated(session_factory: sessionmaker[Session], org: int) -> None:
    with session_factory.begin() as session:
        assert actualization.save_schedule(session, org, True, "31", "x", NOW) == {
            "day_of_month": "err_number", "deadline_days": "err_number"}
        assert actualization.save_schedule(session, org, True, "1", "5", NOW) == {}


def test_app_tasks_are_recognised_by_their_tags() -> None:
    assert is_app_task({"7": {"id": 7, "title": "storeops_0123456789ab"}})
    assert is_app_task([{"title": "position_fanout:3:112"}])
    assert not is_app_task({"8": {"id": 8, "title": "личное"}})
    assert not is_app_task([])
