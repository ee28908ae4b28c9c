"""A write-only worksheet that serialises rows of plain values itself, in chunks.

openpyxl's write-only mode streams rows to a temporary file, but turns every value into a
cell object, binds and checks it, then writes it through nested XML contexts: about 30 µs
a cell, over 3 s for 10,000 people × 12 columns (cProfile: ``lxml_write_cell``,
``_bind_value``, ``_values_to_row``). Here rows of text, numbers and naive dates become XML
text, are parsed a few hundred rows at a time (one C call) and handed row by row to the same
stream. A row holding anything else (the styled header cells) goes through openpyxl, as do
styles, widths, frozen panes and the package. Control characters, which XML 1.0 cannot
carry, are dropped instead of failing the export.
"""
from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH, to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.functions import fromstring

MAX_CELL_TEXT = 32_767          # Excel's limit for one cell
MAX_COLUMNS = 64
CHUNK_ROWS = 500
# From 1 March 1900 on, an Excel 1900-system serial is plain days since 30 Dec 1899 (before
# it, Excel's fictitious 29 Feb 1900 shifts them; openpyxl's to_excel handles those).
DAY_ZERO, MARCH_1900 = date(1899, 12, 30), date(1900, 3, 1)


def xml_text(value: str) -> str:
    """Escape text for an XML element, without the characters XML 1.0 cannot carry."""
    text: str = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# openpyxl has no type information (pyproject: ignore_missing_imports), so its class is Any.
class StreamedSheet(WriteOnlyWorksheet):  # type: ignore[misc]
    """A write-only sheet whose ``append`` writes plain rows without per-cell objects."""

    def __init__(self, workbook: Any, title: str, *, date_format: str,
                 datetime_format: str) -> None:
        super().__init__(workbook, title)
        workbook._sheets.append(self)   # what Workbook.create_sheet does for its own class
        self._letters = [get_column_letter(i) for i in range(1, MAX_COLUMNS + 1)]
        self._date_style = self._style_of(date_format)
        self._datetime_style = self._style_of(datetime_format)
        self._fast_dates = workbook.epoch == WINDOWS_EPOCH

    def _style_of(self, number_format: str) -> str:
        cell = WriteOnlyCell(self)
        cell.number_format = number_format
        return str(cell.style_id)

    def _write_rows(self) -> Generator[None, Sequence[Any], None]:
        # openpyxl's WriteOnlyWorksheet._write_rows, with plain rows buffered as XML text.
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        chunk: list[str] = []

        def flush() -> None:
            if chunk:
                for row in fromstring("<rows>" + "".join(chunk) + "</rows>"):
                    xf.write(row)
                chunk.clear()

        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    values = yield
                    plain = self._plain_row(values, row_idx)
                    if plain is None:
                        flush()
                        self._writer.write_row(xf, self._values_to_row(values, row_idx), row_idx)
                    else:
                        chunk.append(plain)
                        if len(chunk) >= CHUNK_ROWS:
                            flush()
                    row_idx += 1
            except GeneratorExit:
                flush()
        self._writer.xf.send(None)

    def _plain_row(self, values: Sequence[Any], row_idx: int) -> str | None:
        """Return the row as XML text, or None when a value needs openpyxl's own path."""
        if len(values) > MAX_COLUMNS:
            return None
        number = str(row_idx)
        parts = [f'<row r="{number}">']
        for letter, value in zip(self._letters, values):
            kind = type(value)
            if value is None or value == "":
                continue
            if kind is str:
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
                parts.append(f'<c r="{letter}{number}" t="inlineStr"><is><t{space}>'
                             f'{xml_text(value)}</t></is></c>')
            elif kind is int or (kind is float and math.isfinite(value)):
                parts.append(f'<c r="{letter}{number}" t="n"><v>{value!r}</v></c>')
            elif kind is date or (kind is datetime and value.tzinfo is None):
                style = self._date_style if kind is date else self._datetime_style
                parts.append(f'<c r="{letter}{number}" s="{style}" t="n">'
                             f'<v>{self._serial(value)}</v></c>')
            else:
                return None
        parts.append("</row>")
        return "".join(parts)

    def _serial(self, value: date) -> str:
        if self._fast_dates and type(value) is date and value >= MARCH_1900:
            return str((value - DAY_ZERO).days)
        return str(to_excel(value, self.parent.epoch))
