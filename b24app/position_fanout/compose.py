"""Compose a campaign: validate the form, offer positions and the store tree, resolve the pool.

Validation returns message keys (``position_fanout.err_*``), never text, so pages translate
them. Deadlines typed as local date-times are read in the sender's time zone.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..org.models import OrgDepartment
from ..org.queries import positions, stores
from ..org.structure import path_ids
from .files import UploadedFile, check_files
from .models import DRAFT, FanoutCampaign, FanoutPool

MAX_TITLE = 250
MAX_DESCRIPTION = 20_000
MAX_CHECKLIST_ITEMS = 100
MAX_ITEM_LENGTH = 255
MAX_DEADLINE_DAYS = 365
PRIORITIES = (0, 1, 2)   # low, medium, high (rest-facts §5 tasks.task.add PRIORITY)


@dataclass(frozen=True)
class DraftInput:
    """The compose form as typed strings, parsed at the handler boundary."""
    title: str = ""
    description: str = ""
    deadline_mode: str = "days"        # "at" (a local date-time) | "days" (N days after sending)
    deadline_at: str = ""              # "YYYY-MM-DDTHH:MM" as an <input type=datetime-local>
    deadline_days: str = ""
    priority: str = "1"
    checklist: str = ""                # one item per line
    position_keys: tuple[str, ...] = ()
    department_ids: tuple[str, ...] = ()
    pool_id: str = ""
    include_late_joiners: bool = False
    files: tuple[UploadedFile, ...] = ()


@dataclass(frozen=True)
class Draft:
    """A valid campaign draft."""
    title: str
    description: str
    deadline_at: datetime | None
    deadline_days: int | None
    priority: int
    checklist: tuple[str, ...]
    position_keys: tuple[str, ...]
    department_ids: tuple[int, ...]
    pool_id: int | None
    include_late_joiners: bool
    files: tuple[dict[str, Any], ...] = ()   # {name, size, content (base64) | disk_id}


@dataclass(frozen=True)
class PositionOption:
    """A position as offered on the compose page: most common spelling, key, holders."""
    label: str
    key: str
    holders: int


@dataclass
class TreeNode:
    """A department of the store tree (country, region, city or store) with its stores."""
    id: int
    name: str
    depth: int
    is_store: bool
    store_count: int = 0
    children: list[TreeNode] = field(default_factory=list)


def validate_draft(form: DraftInput, now: datetime, time_zone: str,
                   known_positions: Collection[str],
                   pool_ids: Collection[int]) -> tuple[Draft | None, dict[str, str]]:
    """Return the draft, or None with ``{field: message key}`` for every invalid field."""
    errors: dict[str, str] = {}
    title = " ".join(form.title.split())
    if not title:
        errors["title"] = "position_fanout.err_title_required"
    elif len(title) > MAX_TITLE:
        errors["title"] = "position_fanout.err_title_long"
    description = form.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = "position_fanout.err_description_long"
    deadline_at, deadline_days = _deadline(form, now, time_zone, errors)
    priority = _int(form.priority)
    if priority not in PRIORITIES:
        errors["priority"] = "position_fanout.err_priority"
    checklist = parse_checklist(form.checklist)
    if len(checklist) > MAX_CHECKLIST_ITEMS:
        errors["checklist"] = "position_fanout.err_checklist_many"
    elif any(len(item) > MAX_ITEM_LENGTH for item in checklist):
        errors["checklist"] = "position_fanout.err_checklist_long"
    keys = tuple(dict.fromkeys(k for k in form.position_keys if k))
    if not keys:
        errors["positions"] = "position_fanout.err_positions_required"
    elif any(k not in known_positions for k in keys):
        errors["positions"] = "position_fanout.err_position_unknown"
    department_ids = tuple(dict.fromkeys(i for i in map(_int, form.department_ids) if i))
    pool_id = _int(form.pool_id) or None
    if pool_id is not None and pool_id not in pool_ids:
        errors["pool"] = "position_fanout.err_pool_unknown"
    elif pool_id is None and not department_ids:
        errors["pool"] = "position_fanout.err_pool_required"
    files, file_error = check_files(form.files)
    if file_error:
        errors["files"] = file_error
    if errors or priority is None:
        return None, errors
    return Draft(title, description, deadline_at, deadline_days, priority, checklist, keys,
                 department_ids, pool_id, form.include_late_joiners, tuple(files)), {}


def _deadline(form: DraftInput, now: datetime, time_zone: str,
              errors: dict[str, str]) -> tuple[datetime | None, int | None]:
    if form.deadline_mode == "at":
        try:
            local = datetime.strptime(form.deadline_at.strip(), "%Y-%m-%dT%H:%M")
        except ValueError:
            errors["deadline"] = "position_fanout.err_deadline_format"
            return None, None
        instant = local.replace(tzinfo=ZoneInfo(time_zone))
        if instant <= now:
            errors["deadline"] = "position_fanout.err_deadline_past"
            return None, None
        return instant, None
    days = _int(form.deadline_days)
    if days is None or not 1 <= days <= MAX_DEADLINE_DAYS:
        errors["deadline"] = "position_fanout.err_deadline_days"
        return None, None
    return None, days


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return None


def parse_checklist(text: str) -> tuple[str, ...]:
    """Return the checklist items typed one per line, blank lines dropped."""
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())


def resolve_due(deadline_at: datetime | None, deadline_days: int | None,
                sent_at: datetime) -> datetime | None:
    """Return the copies' deadline: the fixed instant, or N days after sending."""
    if deadline_at is not None:
        return deadline_at
    return sent_at + timedelta(days=deadline_days) if deadline_days else None


def position_options(session: Session, portal_id: int) -> list[PositionOption]:
    """Return the positions held in the portal, spelling variants grouped, with counts."""
    return [PositionOption(label, key, count) for label, key, count in positions(session, portal_id)]


def store_tree(session: Session, portal_id: int) -> list[TreeNode]:
    """Return the tree of departments that lead to stores (country → region → city → store)."""
    store_rows = stores(session, portal_id)
    ancestor_ids = {a for s in store_rows for a in path_ids(s.path)}
    rows = session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.b24_id.in_(ancestor_ids)))
    return build_tree(list(rows))


def build_tree(departments: Sequence[OrgDepartment]) -> list[TreeNode]:
    """Arrange departments into a tree by path; a node counts the stores below it."""
    nodes = {d.b24_id: TreeNode(d.b24_id, d.name, d.depth, d.is_store) for d in departments}
    roots: list[TreeNode] = []
    for dept in sorted(departments, key=lambda d: (d.depth, d.name, d.b24_id)):
        ancestors = path_ids(dept.path)[:-1]
        parent = nodes.get(ancestors[-1]) if ancestors else None
        (parent.children if parent is not None else roots).append(nodes[dept.b24_id])
        if dept.is_store:
            for ancestor in ancestors + [dept.b24_id]:
                if ancestor in nodes:
                    nodes[ancestor].store_count += 1
    # The company root holds every store; the tree starts at the countries below it.
    if len(roots) == 1 and not roots[0].is_store and roots[0].children:
        return roots[0].children
    return roots


def pool_store_ids(session: Session, portal_id: int, department_ids: Iterable[int],
                   pool_id: int | None = None) -> list[int]:
    """Return the stores at or below the chosen departments (and the saved pool's)."""
    chosen = list(department_ids)
    if pool_id is not None:
        pool = session.get(FanoutPool, pool_id)
        if pool is not None and pool.portal_id == portal_id:
            chosen.extend(pool.department_ids)
    found: dict[int, None] = {}
    for dept_id in dict.fromkeys(chosen):
        for store in stores(session, portal_id, under=dept_id):
            found[store.b24_id] = None
    return list(found)


def sender_pools(session: Session, portal_id: int, owner_id: int) -> list[FanoutPool]:
    """Return the pools a sender saved, by name."""
    return list(session.scalars(select(FanoutPool).where(
        FanoutPool.portal_id == portal_id, FanoutPool.owner_id == owner_id)
        .order_by(FanoutPool.name)))


def save_pool(session: Session, portal_id: int, owner_id: int, name: str,
              department_ids: Sequence[int], now: datetime) -> FanoutPool:
    """Save (or overwrite) a named pool of departments for a sender."""
    pool = session.scalar(select(FanoutPool).where(
        FanoutPool.portal_id == portal_id, FanoutPool.owner_id == owner_id,
        FanoutPool.name == name))
    if pool is None:
        pool = FanoutPool(portal_id=portal_id, owner_id=owner_id, name=name, created_at=now)
        session.add(pool)
    pool.department_ids = list(department_ids)
    session.flush()
    return pool


def create_campaign(session: Session, portal_id: int, sender_id: int, draft: Draft,
                    now: datetime) -> FanoutCampaign:
    """Store a validated draft as a new campaign in ``draft`` status."""
    campaign = FanoutCampaign(portal_id=portal_id, sender_id=sender_id, status=DRAFT, created_at=now)
    apply_draft(campaign, draft)
    session.add(campaign)
    session.flush()
    return campaign


def apply_draft(campaign: FanoutCampaign, draft: Draft) -> None:
    """Copy the draft's fields onto a campaign that has not been sent yet."""
    campaign.title = draft.title
    campaign.description = draft.description
    campaign.deadline_at = draft.deadline_at
    campaign.deadline_days = draft.deadline_days
    campaign.priority = draft.priority
    campaign.checklist = list(draft.checklist)
    campaign.position_keys = list(draft.position_keys)
    campaign.department_ids = list(draft.department_ids)
    campaign.pool_id = draft.pool_id
    campaign.include_late_joiners = draft.include_late_joiners
    campaign.files = [dict(f) for f in draft.files]
