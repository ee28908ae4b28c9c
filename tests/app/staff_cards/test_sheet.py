"""The streamed sheet writes what openpyxl would: text (escaped, spaces kept), numbers, dates
with their formats, styled rows through openpyxl; the file opens with openpyxl again."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from b24app.staff_cards.sheet import StreamedSheet


def test_plain_and_styled_rows_round_trip() -> None:
    workbook = Workbook(write_only=True)
    sheet = StreamedSheet(workbook, "Лист", date_format="DD.MM.YYYY", datetime_format="DD.MM.YYYY HH:MM")
    header = WriteOnlyCell(sheet, value="Заголовок")
    header.font = Font(bold=True)
    sheet.append([header, "второй"])
    sheet.append(["<b>&amp; \"Ёж\"", "  с пробелами ", None, "", 42, 2.5])
    sheet.append([date(1990, 5, 1), datetime(2026, 12, 4, 9, 30), date(1900, 1, 15), "a\x01b"])
    sheet.append([True])                                 # not plain: openpyxl's own path
    out = BytesIO()
    workbook.save(out)
    read = load_workbook(BytesIO(out.getvalue())).active
    assert read.title == "Лист" and read["A1"].font.b and read["A1"].value == "Заголовок"
    assert [c.value for c in read[2]] == ["<b>&amp; \"Ёж\"", "  с пробелами ", None, None, 42, 2.5]
    assert read["A3"].value == datetime(1990, 5, 1) and read["A3"].number_format == "DD.MM.YYYY"
    assert read["B3"].value == datetime(2026, 12, 4, 9, 30)
    assert read["B3"].number_format == "DD.MM.YYYY HH:MM"
    assert read["C3"].value == datetime(1900, 1, 15)     # before Excel's fictitious 29 Feb 1900
    assert read["D3"].value == "ab"                      # XML cannot carry control characters
    assert read["A4"].value is True


def test_dates_match_openpyxl_serials() -> None:
    ours, theirs = Workbook(write_only=True), Workbook(write_only=True)
    fast = StreamedSheet(ours, "a", date_format="DD.MM.YYYY", datetime_format="DD.MM.YYYY HH:MM")
    plain = theirs.create_sheet("a")
    days = [date(1900, 3, 1), date(1970, 1, 1), date(2026, 12, 4), date(2099, 12, 31)]
    fast.append(days)
    plain.append(days)
    files = []
    for workbook in (ours, theirs):
        out = BytesIO()
        workbook.save(out)
        files.append([c.value for c in load_workbook(BytesIO(out.getvalue())).active[1]])
    assert files[0] == files[1] == [datetime.combine(d, datetime.min.time()) for d in days]
