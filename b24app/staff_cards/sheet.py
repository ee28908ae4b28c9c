"""A write-only worksheet that serialises rows of plain values itself, one element per row.

openpyxl's write-only mode streams rows to a temporary file, but turns every value into a
cell object, binds and checks it, then writes it through nested XML contexts: about 30 µs
a cell, over 3 s for 10,000 people × 11 columns (cProfile: ``lxml_write_cell``,
``_bind_value``, ``_values_to_row``). Here a row of text, numbers and naive dates becomes
one ``<row>`` element handed to the same stream. A row holding anything else (the styled
header cells) still goes through openpyxl, as do styles, widths, frozen panes and the package.
Control characters, which XML 1.0 cannot carry, are dropped instead of failing the export.
"""
from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.functions import Element, SubElement

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAX_CELL_TEXT = 32_767          # Excel's limit for one cell
MAX_COLUMNS = 64


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

    def _style_of(self, number_format: str) -> str:
        cell = WriteOnlyCell(self)
        cell.number_format = number_format
        return str(cell.style_id)

    def _write_rows(self) -> Generator[None, Sequence[Any], None]:
        # openpyxl's WriteOnlyWorksheet._write_rows, with the plain-row shortcut.
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    values = yield
                    plain = self._plain_row(values, row_idx)
                    if plain is None:
                        self._writer.write_row(xf, self._values_to_row(values, row_idx), row_idx)
                    else:
                        xf.write(plain)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def _plain_row(self, values: Sequence[Any], row_idx: int) -> Any:
        """Return the ``<row>`` element, or None when a value needs openpyxl's own path."""
        if len(values) > MAX_COLUMNS:
            return None
        number = str(row_idx)
        row = Element("row", r=number)
        for letter, value in zip(self._letters, values):
            kind = type(value)
            if value is None or value == "":
                continue
            if kind is str:
                text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
                cell = SubElement(row, "c", r=letter + number, t="inlineStr")
                node = SubElement(SubElement(cell, "is"), "t")
                node.text = text
                if text[:1].isspace() or text[-1:].isspace():
                    node.set(XML_SPACE, "preserve")
            elif kind is int or (kind is float and math.isfinite(value)):
                SubElement(SubElement(row, "c", r=letter + number, t="n"), "v").text = repr(value)
            elif kind is date or (kind is datetime and value.tzinfo is None):
                style = self._date_style if kind is date else self._datetime_style
                cell = SubElement(row, "c", r=letter + number, s=style, t="n")
                SubElement(cell, "v").text = str(to_excel(value, self.parent.epoch))
            else:
                return None
        return row
