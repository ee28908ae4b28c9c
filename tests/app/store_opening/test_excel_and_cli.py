"""Schedule table download/upload (all or nothing) and the command-line commands."""
from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from b24app.store_opening.excel import COLUMNS, schedule_workbook, upload_schedules
from b24app.store_opening.models import ChecklistTemplate, StoreSchedule
from handlers.cli.store_opening import schedules, stores, templates

from .conftest import Env


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def schedule(env: Env, store_id: int) -> StoreSchedule:
    with env.session() as session:
        found = session.get(StoreSchedule, (env.portal_id, store_id))
        assert found is not None
        return found


def test_download_then_upload_round_trips(env: Env) -> None:
    with env.session() as session:
        data = schedule_workbook(session, env.portal_id, ["label"] * len(COLUMNS))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS and len(rows) == 2 + 4
    with env.services.session_factory.begin() as session:
        applied, errors = upload_schedules(session, env.portal_id, data, env.clock.now())
    assert (applied, errors) == (4, [])


def test_upload_with_errors_applies_nothing_and_names_each_row(env: Env) -> None:
    good = [10, "Авиапарк", "", "", "", "", "yes", "Открытие", "mon,fri", "2026-12-31", "07:30",
            "09:30", ""]
    bad_time = [11, "", "", "", "", "", "yes", "Открытие", "daily", "", "10:00", "09:00", ""]
    bad_store = [999, "", "", "", "", "", "maybe", "Нет такого", "someday", "31.12", "x", "y", ""]
    with env.services.session_factory.begin() as session:
        applied, errors = upload_schedules(session, env.portal_id,
                                           workbook([good, bad_time, bad_store]), env.clock.now())
    assert applied == 0
    assert [(e.row, e.store_id) for e in errors] == [(3, "11"), (4, "999")]
    assert errors[0].errors == ("error_deadline_before_create",)
    assert set(errors[1].errors) == {"error_unknown_store", "error_enabled",
                                     "error_unknown_template", "error_days",
                                     "error_closed_dates", "error_time"}
    assert schedule(env, 10).create_at == "08:00"                        # the good row too
    with env.services.session_factory.begin() as session:
        applied, errors = upload_schedules(session, env.portal_id, workbook([good]),
                                           env.clock.now())
    assert (applied, errors) == (1, [])
    changed = schedule(env, 10)
    assert (changed.frequency, changed.weekdays, changed.create_at) == ("weekdays", [0, 4], "07:30")
    assert changed.closed_dates == ["2026-12-31"]


def test_upload_of_a_non_excel_file_is_one_error(env: Env) -> None:
    with env.services.session_factory.begin() as session:
        applied, errors = upload_schedules(session, env.portal_id, b"not a workbook",
                                           env.clock.now())
    assert applied == 0 and errors[0].errors == ("error_not_xlsx",)


def test_cli_templates_import_stores_list_and_schedules_set(env: Env, tmp_path: Path) -> None:
    runner = CliRunner()
    file = tmp_path / "templates.json"
    file.write_text(json.dumps([{"name": "Вечер", "items": ["Выключить свет", {
        "title": "Закрыть кассу", "important": True}]}], ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(templates, ["import", str(file)], obj=env.services)
    assert result.exit_code == 0, result.output
    with env.session() as session:
        evening = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == "Вечер"))
        assert evening is not None and evening.items[1] == {
            "title": "Закрыть кассу", "important": True, "photo": False}

    result = runner.invoke(stores, ["list", "--json"], obj=env.services)
    assert result.exit_code == 0, result.output
    listed = {row["id"]: row for row in json.loads(result.output)}
    assert set(listed) == {10, 11, 12, 13}
    assert listed[13]["time_zone"] == "Europe/Berlin" and listed[10]["manager_id"] == 110

    result = runner.invoke(schedules, ["set", "--stores", "10,13", "--template", "Вечер", "--days",
                                       "mon,tue", "--create-at", "20:00", "--deadline", "21:30",
                                       "--disable"], obj=env.services)
    assert result.exit_code == 0, result.output
    assert (schedule(env, 13).enabled, schedule(env, 13).create_at) == (False, "20:00")
    assert schedule(env, 13).weekdays == [0, 1] and schedule(env, 11).create_at == "08:00"

    result = runner.invoke(schedules, ["set", "--stores", "all", "--create-at", "11:00"],
                           obj=env.services)
    assert result.exit_code != 0 and "nothing changed" in result.output
    assert schedule(env, 10).create_at == "20:00"                        # all or nothing

    result = runner.invoke(schedules, ["set", "--stores", "all", "--days", "sometimes"],
                           obj=env.services)
    assert result.exit_code == 2
