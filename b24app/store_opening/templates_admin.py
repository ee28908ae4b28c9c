"""Checklist templates: validate, save, import, reorder.

A template change bumps its version and affects only tasks created afterwards: each task
carries its own copy of the items (see ``OpeningTask.items`` and the work item payload).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ChecklistTemplate

MAX_ITEMS = 100
MAX_TITLE = 255


class TemplateError(ValueError):
    """A template definition is invalid; ``key`` is a message key of the catalog."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class TemplateInput:
    """A template as submitted by a form, a JSON file or the CLI."""
    name: str
    items: list[dict[str, Any]]
    task_title: str = ""


def clean_items(raw: Sequence[Any]) -> list[dict[str, Any]]:
    """Return items as ``{"title", "important", "photo"}``; strings count as plain items."""
    items: list[dict[str, Any]] = []
    for entry in raw:
        if isinstance(entry, str):
            entry = {"title": entry}
        if not isinstance(entry, dict):
            raise TemplateError("error_item_shape")
        title = " ".join(str(entry.get("title", "")).split())
        if not title:
            continue
        if len(title) > MAX_TITLE:
            raise TemplateError("error_item_too_long", title=title[:40])
        items.append({"title": title, "important": bool(entry.get("important")),
                      "photo": bool(entry.get("photo"))})
    if not items:
        raise TemplateError("error_no_items")
    if len(items) > MAX_ITEMS:
        raise TemplateError("error_too_many_items", limit=MAX_ITEMS)
    return items


def validate(data: TemplateInput) -> TemplateInput:
    """Return a cleaned copy of ``data`` or raise TemplateError."""
    name = " ".join(data.name.split())
    if not name or len(name) > MAX_TITLE:
        raise TemplateError("error_template_name")
    return TemplateInput(name, clean_items(data.items), " ".join(data.task_title.split()))


def list_templates(session: Session, portal_id: int) -> list[ChecklistTemplate]:
    """Return the portal's templates by name."""
    return list(session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.portal_id == portal_id).order_by(ChecklistTemplate.name)))


def get_template(session: Session, portal_id: int, template_id: int) -> ChecklistTemplate | None:
    """Return one template of the portal."""
    found = session.get(ChecklistTemplate, template_id)
    return found if found is not None and found.portal_id == portal_id else None


def template_by_name(session: Session, portal_id: int, name: str) -> ChecklistTemplate | None:
    """Return the template with exactly this name."""
    return session.scalar(select(ChecklistTemplate).where(
        ChecklistTemplate.portal_id == portal_id, ChecklistTemplate.name == name))


def save_template(session: Session, portal_id: int, data: TemplateInput, now: datetime,
                  template_id: int | None = None) -> ChecklistTemplate:
    """Create or update a template (by id, else by name); raise TemplateError when invalid."""
    clean = validate(data)
    template = (get_template(session, portal_id, template_id) if template_id is not None
                else template_by_name(session, portal_id, clean.name))
    clash = template_by_name(session, portal_id, clean.name)
    if clash is not None and template is not None and clash.id != template.id:
        raise TemplateError("error_template_name_taken", name=clean.name)
    if template is None:
        template = ChecklistTemplate(portal_id=portal_id, name=clean.name, version=0, items=[])
        session.add(template)
    if (template.items, template.name, template.task_title) != (clean.items, clean.name,
                                                                clean.task_title):
        template.version = (template.version or 0) + 1
    template.name = clean.name
    template.items = clean.items
    template.task_title = clean.task_title
    template.updated_at = now
    session.flush()
    return template


def import_templates(session: Session, portal_id: int, payload: Any,
                     now: datetime) -> list[ChecklistTemplate]:
    """Import a JSON list of ``{"name", "items", "task_title"?}``; all or nothing."""
    if not isinstance(payload, list) or not payload:
        raise TemplateError("error_import_shape")
    inputs: list[TemplateInput] = []
    for entry in payload:
        if not isinstance(entry, dict) or not isinstance(entry.get("items"), list):
            raise TemplateError("error_import_shape")
        inputs.append(validate(TemplateInput(str(entry.get("name", "")), entry["items"],
                                             str(entry.get("task_title", "")))))
    return [save_template(session, portal_id, data, now) for data in inputs]


def delete_template(session: Session, portal_id: int, template_id: int) -> bool:
    """Delete a template; schedules using it lose their template (and skip until set)."""
    template = get_template(session, portal_id, template_id)
    if template is None:
        return False
    session.delete(template)
    return True
