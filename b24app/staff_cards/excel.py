"""Staff exports to Excel: a manager's store, or an HR officer's whole division.

openpyxl's write-only mode streams rows to disk, so 10,000 people stay well under the memory
target; rows of plain values skip openpyxl's per-cell objects (``sheet.StreamedSheet``), so
they take well under the time target (bench/bench_staff_cards.py). The header row is bold
and frozen, columns have widths, dates are real dates shown as DD.MM.YYYY, pending changes
are marked in their own column.
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
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import translate
from ..org.models import OrgDepartment, OrgMembership, OrgUser
from .cards import open_cards
from .models import NEW, StaffCard
from .sheet import StreamedSheet

DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
PERSON_COLUMNS = (("last_name", 18), ("first_name", 14), ("middle_name", 16), ("position", 26),
                  ("email", 28), ("mobile", 16), ("birth_date", 13), ("employment_date", 13))
PLACE_COLUMNS = (("region", 16), ("city", 16), ("store", 24))
PENDING_COLUMN = ("pending", 30)
AUDIT_COLUMNS = (("at", 18), ("actor", 24), ("action", 16), ("subject", 28), ("store", 22),
                 ("changes", 60), ("note", 40))


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
    employment_date: date | None = None
    region: str = ""
    city: str = ""
    store: str = ""
    pending: str = ""


def _day(text: str | None) -> date | None:
    """Read the ISO date the org model and the cards keep ("" or junk: no date)."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def staff_rows(session: Session, portal_id: int, store_ids: Collection[int] | None,
               lang: str) -> Iterator[StaffRow]:
    """Yield the active staff of the stores (None: all) with their pending changes marked."""
    departments = {d.b24_id: d for d in session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.is_store.is_(True),
        OrgDepartment.active.is_(True)))}
    wanted = [sid for sid in departments if store_ids is None or sid in store_ids]
    cards = open_cards(session, portal_id, wanted)
    pending = {c.target_user_id: _mark(c, lang) for c in cards if c.target_user_id is not None}
    # Plain columns, not OrgUser objects: 10,000 ORM instances cost more than the whole sheet.
    query = (select(OrgMembership.department_b24_id, OrgUser.b24_id, OrgUser.last_name,
                    OrgUser.name, OrgUser.second_name, OrgUser.work_position, OrgUser.email,
                    OrgUser.personal_mobile, OrgUser.personal_birthday, OrgUser.employment_date)
             .join(OrgUser, (OrgUser.portal_id == OrgMembership.portal_id)
                   & (OrgUser.b24_id == OrgMembership.user_b24_id))
             .where(OrgMembership.portal_id == portal_id, OrgUser.active.is_(True),
                    OrgMembership.department_b24_id.in_(wanted)))
    rows = []
    for store_id, user_id, last, first, middle, position, email, mobile, born, hired in (
            session.execute(query)):
        dept = departments[store_id]
        rows.append(StaffRow(last, first, middle, position, email, mobile, _day(born), _day(hired),
                             dept.region, dept.city, dept.name, pending.get(user_id, "")))
    for card in cards:
        if card.kind == NEW:
            dept = departments[card.store_id]
            f = card.fields
            rows.append(StaffRow(f["last_name"], f["first_name"], f.get("middle_name", ""),
                                 f["position"], f["email"], f.get("mobile", ""),
                                 _day(f.get("birth_date")), _day(f.get("employment_date")),
                                 dept.region, dept.city, dept.name, _mark(card, lang)))
    rows.sort(key=lambda r: (r.region, r.city, r.store, r.last_name, r.first_name))
    yield from rows


def _mark(card: StaffCard, lang: str) -> str:
    return translate(lang, f"staff_cards.kind_{card.kind}") + " · " + translate(
        lang, f"staff_cards.status_{card.status}")


def _sheet(workbook: Any, title: str, columns: Iterable[tuple[str, int]], lang: str) -> StreamedSheet:
    """Add a sheet with a bold frozen header row and the column widths."""
    sheet = StreamedSheet(workbook, title, date_format=DATE_FORMAT, datetime_format=DATETIME_FORMAT)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for index, (name, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = WriteOnlyCell(sheet, value=translate(lang, f"staff_cards.col_{name}"))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return sheet


def write_staff(rows: Iterable[StaffRow], out: IO[bytes], lang: str, *, with_place: bool) -> int:
    """Write the rows as an .xlsx to ``out``; return how many people were written."""
    columns = (PLACE_COLUMNS if with_place else ()) + PERSON_COLUMNS + (PENDING_COLUMN,)
    names = [name for name, _ in columns]
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, translate(lang, "staff_cards.sheet_staff"), columns, lang)
    count = 0
    for row in rows:
        values = vars(row)
        sheet.append([values[name] for name in names])
        count += 1
    workbook.save(out)
    return count


def file_name(prefix: str, label: str, today: date) -> str:
    """Return a file name like "Сотрудники_Магазин-Тверская_2026-12-04.xlsx" (no path chars)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label.strip())
    safe = "-".join(part for part in safe.split("-") if part)[:60]
    return f"{prefix}_{safe}_{today.isoformat()}.xlsx" if safe else f"{prefix}_{today.isoformat()}.xlsx"


def write_audit(entries: Iterable[Any], people: Mapping[int, str], stores: Mapping[int, str],
                out: IO[bytes], lang: str) -> int:
    """Write audit entries (when, who, action, person, store, before → after, note)."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, translate(lang, "staff_cards.sheet_audit"), AUDIT_COLUMNS, lang)
    count = 0
    for entry in entries:
        changes = "; ".join(
            f"{translate(lang, 'staff_cards.field_' + c['field'])}: {c['before']} → {c['after']}"
            for c in entry.changes)
        sheet.append([entry.at.replace(tzinfo=None),
                      people.get(entry.actor_id, str(entry.actor_id) if entry.actor_id else "—"),
                      translate(lang, f"staff_cards.action_{entry.action}"), entry.subject,
                      stores.get(entry.store_id, str(entry.store_id)), changes, entry.note])
        count += 1
    workbook.save(out)
    return count
