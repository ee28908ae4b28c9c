"""The task tree of a pool: per city, City → Year → Month → Week, linked by PARENT_ID.

Each node is one task in the project (GROUP_ID), with the merchandiser responsible, created
by one work item keyed ``merch_photos:node:<pool>:<city>:<period>``; the key is also the
task's TAG. A week belongs to the month and year of its Thursday (``calendar``), so the
Year and Month parents of week 53 of 2026 are 2026 and December 2026.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from . import stamped
from .calendar import IsoWeek, month_title, week_title, year_title
from .models import LEVEL_CITY, LEVEL_MONTH, LEVEL_WEEK, LEVEL_YEAR, MerchTreeNode

NODE_KIND = "merch_photos.node"
CITY_PERIOD = "city"


@dataclass(frozen=True)
class NodePlan:
    """A tree node a week needs, with the key of its work item and of its parent's."""
    pool_id: int
    city_id: int
    level: str
    period: str
    title: str
    parent_key: str | None

    @property
    def key(self) -> str:
        return node_key(self.pool_id, self.city_id, self.period)


def node_key(pool_id: int, city_id: int, period: str) -> str:
    """Return ``merch_photos:node:<pool>:<city>:<period>`` (period ``city`` for the root)."""
    return f"merch_photos:node:{pool_id}:{city_id}:{period}"


def plan_branch(pool_id: int, city_id: int, city_name: str, week: IsoWeek,
                lang: str = "ru") -> list[NodePlan]:
    """Return the four nodes from the city down to ``week``, parents first."""
    levels = [
        (LEVEL_CITY, CITY_PERIOD, city_name),
        (LEVEL_YEAR, week.year_key, f"{year_title(week.year_key)} · {city_name}"),
        (LEVEL_MONTH, week.month_key, f"{month_title(week.month_key, lang)} · {city_name}"),
        (LEVEL_WEEK, week.key, f"{week_title(week, lang)} · {city_name}"),
    ]
    plans: list[NodePlan] = []
    parent: str | None = None
    for level, period, title in levels:
        plan = NodePlan(pool_id, city_id, level, period, title, parent)
        plans.append(plan)
        parent = plan.key
    return plans


def node_payload(plan: NodePlan, *, group_id: int | None, merchandiser_id: int,
                 parent_task_id: int | None) -> dict[str, object]:
    """Return the work-item payload that creates ``plan``'s task."""
    fields: dict[str, object] = {"TITLE": plan.title, "RESPONSIBLE_ID": merchandiser_id,
                                 "CREATED_BY": merchandiser_id, "TAGS": [plan.key]}
    if group_id is not None:
        fields["GROUP_ID"] = group_id
    return {"fields": fields, "tag": plan.key, "parent_tag": plan.parent_key,
            "parent_task_id": parent_task_id, "pool_id": plan.pool_id, "city_id": plan.city_id,
            "level": plan.level, "period": plan.period, "title": plan.title}


def find_node(session: Session, portal_id: int, pool_id: int, city_id: int,
              period: str) -> MerchTreeNode | None:
    return session.scalar(select(MerchTreeNode).where(
        MerchTreeNode.portal_id == portal_id, MerchTreeNode.pool_id == pool_id,
        MerchTreeNode.city_id == city_id, MerchTreeNode.period == period))


def known_task_ids(session: Session, portal_id: int, pool_id: int) -> dict[str, int]:
    """Return {node key: task ID} for the pool's created nodes."""
    rows = session.scalars(select(MerchTreeNode).where(
        MerchTreeNode.portal_id == portal_id, MerchTreeNode.pool_id == pool_id,
        MerchTreeNode.task_id.is_not(None)))
    return {node_key(r.pool_id, r.city_id, r.period): int(r.task_id or 0) for r in rows}


def record_node(session: Session, item: WorkItem, results: Results) -> None:
    """Store the node's task ID (one row per node, whatever the number of runs)."""
    p = item.payload
    node = find_node(session, item.portal_id, int(p["pool_id"]), int(p["city_id"]), str(p["period"]))
    if node is None:
        node = MerchTreeNode(portal_id=item.portal_id, pool_id=int(p["pool_id"]),
                             city_id=int(p["city_id"]), level=str(p["level"]),
                             period=str(p["period"]), title=str(p["title"]))
        session.add(node)
    node.task_id = stamped.task_id_of(results)
    node.created_at = item.updated_at


def build_alone(item: WorkItem) -> list[Command]:
    """Return the item's add command when it is sent on its own by the generic queue."""
    parent = item.payload.get("parent_task_id")
    if parent is None and item.payload.get("parent_tag"):
        # Never create a child as a root task: wait for the parent (heals by lookup next time).
        raise stamped.ParentNotReady(f"parent {item.payload['parent_tag']} not known yet")
    return [stamped.add_command(item, stamped.TASK_COMMAND, int(parent) if parent else None)]


def register_kinds() -> None:
    """Register the node kind with the work queue (idempotent)."""
    register_kind(WorkKind(NODE_KIND, build_alone, stamped.heal_or_finish, record_node))


register_kinds()
