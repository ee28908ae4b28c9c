"""Read a task's checklist as ``task.checklistitem.getlist`` returns it (pure functions).

The root of a checklist (PARENT_ID 0, title ``BX_CHECKLIST_1`` or the list's name) is a
container, not an item to tick (rest-facts §6 "Structure"); IDs come back as strings except
the root's integer PARENT_ID 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ChecklistRow:
    id: int
    title: str
    done: bool
    toggled_at: datetime | None
    has_attachment: bool


@dataclass(frozen=True)
class Verdict:
    """What the app decides about one open task after reading its checklist."""
    all_ticked: bool
    unticked: tuple[str, ...]
    has_photo: bool
    last_tick_at: datetime | None

    def may_complete(self, needs_photo: bool) -> bool:
        return self.all_ticked and (self.has_photo or not needs_photo)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def checklist_items(raw: Any) -> list[dict[str, Any]]:
    """Return the tickable items (not the roots) as ``{"id", "title", ...}`` dicts."""
    return [{"id": r.id, "title": r.title, "done": r.done} for r in checklist_rows(raw)]


def checklist_rows(raw: Any) -> list[ChecklistRow]:
    """Parse a getlist result into rows, leaving out the checklist roots."""
    rows = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    parsed: list[ChecklistRow] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        if str(row.get("PARENT_ID", "0")) in ("0", ""):
            continue
        parsed.append(ChecklistRow(
            id=int(row.get("ID", 0)), title=str(row.get("TITLE", "")),
            done=str(row.get("IS_COMPLETE", "N")).upper() == "Y",
            toggled_at=_parse_time(row.get("TOGGLED_DATE")),
            has_attachment=bool(row.get("ATTACHMENTS"))))
    return parsed


def evaluate(raw_items: Any, task_files: Any = None) -> Verdict:
    """Decide whether every item is ticked and whether the task has a photo.

    A photo counts when the task has an attached file (``ufTaskWebdavFiles``) or any checklist
    item carries an attachment.
    """
    rows = checklist_rows(raw_items)
    unticked = tuple(r.title for r in sorted(rows, key=lambda r: r.id) if not r.done)
    ticks = [r.toggled_at for r in rows if r.done and r.toggled_at is not None]
    has_photo = bool(task_files) or any(r.has_attachment for r in rows)
    return Verdict(bool(rows) and not unticked, unticked, has_photo, max(ticks) if ticks else None)
