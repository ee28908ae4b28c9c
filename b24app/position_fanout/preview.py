"""Preview a campaign before sending: who gets a copy, and which stores have nobody to get one.

People are resolved from the synced org model at the moment of asking (architecture
principle 5); the send step resolves them again, so a preview never freezes a recipient list.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..org.models import OrgDepartment
from ..org.queries import PositionHolder, holders_of_position
from .compose import pool_store_ids
from .models import FanoutCampaign


@dataclass(frozen=True)
class Recipient:
    """One person who gets a copy, with the store the copy is counted under."""
    user_id: int
    name: str
    work_position: str
    store_id: int
    store_name: str


@dataclass(frozen=True)
class StoreRef:
    """A store of the pool, named for the page."""
    id: int
    name: str
    city: str


@dataclass(frozen=True)
class Preview:
    """"N tasks to M people in K stores", the recipients, and the stores left without one."""
    recipients: tuple[Recipient, ...]
    empty_stores: tuple[StoreRef, ...]
    pool_size: int

    @property
    def tasks(self) -> int:
        return len(self.recipients)

    @property
    def people(self) -> int:
        return len({r.user_id for r in self.recipients})

    @property
    def stores(self) -> int:
        return len({r.store_id for r in self.recipients})


def unique_recipients(holders: Iterable[PositionHolder],
                      store_names: dict[int, str]) -> list[Recipient]:
    """Return one recipient per user: a person in two pool stores gets one copy, not two.

    The copy is counted under the first store (lowest department ID) the person is in.
    """
    chosen: dict[int, Recipient] = {}
    for holder in sorted(holders, key=lambda h: (h.store_id, h.user.b24_id)):
        if holder.user.b24_id not in chosen:
            chosen[holder.user.b24_id] = Recipient(
                holder.user.b24_id, holder.user.full_name, holder.user.work_position.strip(),
                holder.store_id, store_names.get(holder.store_id, str(holder.store_id)))
    return sorted(chosen.values(), key=lambda r: (r.store_name, r.name, r.user_id))


def resolve_recipients(session: Session, portal_id: int, position_keys: Sequence[str],
                       store_ids: Sequence[int]) -> tuple[list[Recipient], list[StoreRef]]:
    """Return the recipients in the stores and the stores where nobody holds a position."""
    refs = _store_refs(session, portal_id, store_ids)
    holders = [h for key in position_keys
               for h in holders_of_position(session, portal_id, key, store_ids)]
    recipients = unique_recipients(holders, {ref.id: ref.name for ref in refs})
    covered = {h.store_id for h in holders}
    empty = sorted((ref for ref in refs if ref.id not in covered), key=lambda r: (r.city, r.name))
    return recipients, empty


def _store_refs(session: Session, portal_id: int, store_ids: Sequence[int]) -> list[StoreRef]:
    rows = session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True),
        OrgDepartment.is_store.is_(True), OrgDepartment.b24_id.in_(list(store_ids))))
    return [StoreRef(row.b24_id, row.name, row.city) for row in rows]


def preview_campaign(session: Session, campaign: FanoutCampaign) -> Preview:
    """Return the preview of a campaign from its positions and pool as of now."""
    store_ids = pool_store_ids(session, campaign.portal_id, campaign.department_ids,
                               campaign.pool_id)
    recipients, empty = resolve_recipients(session, campaign.portal_id,
                                           campaign.position_keys, store_ids)
    return Preview(tuple(recipients), tuple(empty), len(store_ids))
