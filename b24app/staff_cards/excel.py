"""Staff exports to Excel: a manager's store, or an HR officer's whole division.

openpyxl's write-only mode streams rows to disk, so 10,000 people stay well under the memory
target (bench/bench_staff_cards.py). The header row is bold and frozen, columns have widths,
dates are real dates shown as DD.MM.YYYY, pending changes are marked in their own column.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import translate
from ..org.models import OrgDepartment, OrgMembership, OrgUser
from .cards import open_cards
from .models import NEW, StaffCard
from .validation import parse_date

DATE_FORMAT = "DD.MM.YYYY"
PERSON_COLUMNS = (("last_name", 18), ("first_name", 14), ("middle_name", 16), ("position", 26),
                  ("email", 28), ("mobile", 16), ("birth_date", 13))
PLACE_COLUMNS = (("region", 16), ("city", 16), ("store", 24))
PENDING_COLUMN = ("pending", 30)
DATE_COLUMNS = frozenset({"birth_date"})


@dataclass(frozen=True)
class StaffRow:
    """One exported line: a person, or a pending new hire."""
    last_name: str
    first_name: str
    middle_name: str
    position: str
    email: str
    mobile: str
    birth_date: date | None
    region: str = ""
    city: str = ""
    store: str = ""
    pending: str = ""


def staff_rows(session: Session, portal_id: int, store_ids: Collection[int] | None,
               lang: str) -> Iterator[StaffRow]:
    """Yield the active staff of the stores (None: all) with their pending changes marked."""
    departments = {d.b24_id: d for d in session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.is_store.is_(True),
        OrgDepartment.active.is_(True)))}
    wanted = [sid for sid in departments if store_ids is None or sid in store_ids]
    cards = open_cards(session, portal_id, wanted)
    pending = {c.target_user_id: c for c in cards if c.target_user_id is not None}
    query = (select(OrgMembership.department_b24_id, OrgUser)
             .join(OrgUser, (OrgUser.portal_id == OrgMembership.portal_id)
                   & (OrgUser.b24_id == OrgMembership.user_b24_id))
             .where(OrgMembership.portal_id == portal_id, OrgUser.active.is_(True),
                    OrgMembership.department_b24_id.in_(wanted))
             .execution_options(yield_per=2000))
    rows = []
    for store_id, user in session.execute(query):
        dept = departments[store_id]
        card = pending.get(user.b24_id)
        rows.append(StaffRow(user.last_name, user.name, user.second_name, user.work_position,
                             user.email, user.personal_mobile, parse_date(user.personal_birthday),
                             dept.region, dept.city, dept.name,
                             _mark(card, lang) if card is not None else ""))
    for card in cards:
        if card.kind == NEW:
            dept = departments[card.store_id]
            f = card.fields
            rows.append(StaffRow(f["last_name"], f["first_name"], f.get("middle_name", ""),
                                 f["position"], f["email"], f.get("mobile", ""),
                                 parse_date(f.get("birth_date") or ""), dept.region, dept.city,
                                 dept.name, _mark(card, lang)))
    rows.sort(key=lambda r: (r.region, r.city, r.store, r.last_name, r.first_name))
    yield from rows


def _mark(card: StaffCard, lang: str) -> str:
    return translate(lang, f"staff_cards.kind_{card.kind}") + " · " + translate(
        lang, f"staff_cards.status_{card.status}")


def write_staff(rows: Iterable[StaffRow], out: IO[bytes], lang: str, *, with_place: bool) -> int:
    """Write the rows as an .xlsx to ``out``; return how many people were written."""
    columns = (PLACE_COLUMNS if with_place else ()) + PERSON_COLUMNS + (PENDING_COLUMN,)
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(translate(lang, "staff_cards.sheet_staff"))
    sheet.freeze_panes = "A2"
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, value=translate(lang, f"staff_cards.col_{name}"))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_value(sheet, row, name) for name, _ in columns])
        count += 1
    workbook.save(out)
    return count


def _value(sheet: WriteOnlyWorksheet, row: StaffRow, name: str) -> Any:
    value = getattr(row, name)
    if value == "":
        return None             # openpyxl writes no cell for None: less XML to serialise
    if name in DATE_COLUMNS and value is not None:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def file_name(prefix: str, label: str, today: date) -> str:
    """Return a file name like "Сотрудники_Магазин-Тверская_2026-12-04.xlsx" (no path chars)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label.strip())
    safe = "-".join(part for part in safe.split("-") if part)[:60]
    return f"{prefix}_{safe}_{today.isoformat()}.xlsx" if safe else f"{prefix}_{today.isoformat()}.xlsx"


def write_audit(entries: Iterable[Any], people: Mapping[int, str], stores: Mapping[int, str],
                out: IO[bytes], lang: str) -> int:
    """Write audit entries (when, who, action, person, store, before → after, note)."""
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(translate(lang, "staff_cards.sheet_audit"))
    sheet.freeze_panes = "A2"
    columns = (("at", 18), ("actor", 24), ("action", 16), ("subject", 28), ("store", 22),
               ("changes", 60), ("note", 40))
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(sheet, value=translate(lang, f"staff_cards.col_{name}"))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for entry in entries:
        when = WriteOnlyCell(sheet, value=entry.at.replace(tzinfo=None))
        when.number_format = "DD.MM.YYYY HH:MM"
        changes = "; ".join(
            f"{translate(lang, 'staff_cards.field_' + c['field'])}: {c['before']} → {c['after']}"
            for c in entry.changes)
        sheet.append([when, people.get(entry.actor_id, str(entry.actor_id) if entry.actor_id else "—"),
                      translate(lang, f"staff_cards.action_{entry.action}"), entry.subject,
                      stores.get(entry.store_id, str(entry.store_id)), changes, entry.note])
        count += 1
    workbook.save(out)
    return count

