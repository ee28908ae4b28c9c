"""Who may see what: a pool's merchandiser (or an admin) reviews it; a manager sees their store."""
from __future__ import annotations

from flask import abort, g
from sqlalchemy.orm import Session

from b24app.merch_photos.models import MerchPool, MerchWeekTask
from b24app.roles import STORE_MANAGER, SUPERIOR


def reviewable_pool(session: Session, pool_id: int) -> MerchPool:
    """Return the pool if the caller reviews it (its merchandiser or an admin), else 403/404."""
    pool = session.get(MerchPool, pool_id)
    if pool is None or pool.portal_id != g.caller.portal_id or not pool.active:
        abort(404)
    if not (g.caller.is_admin or pool.merchandiser_id == g.caller.user_id):
        abort(403)
    return pool


def may_see_week_task(session: Session, row: MerchWeekTask) -> bool:
    """True for the pool's merchandiser, an admin, the store's manager or a superior."""
    if row.portal_id != g.caller.portal_id:
        return False
    if g.caller.is_admin or g.caller.user_id == row.manager_id:
        return True
    pool = session.get(MerchPool, row.pool_id)
    if pool is not None and pool.merchandiser_id == g.caller.user_id:
        return True
    return bool(g.caller.can_see_store(row.store_id, STORE_MANAGER, SUPERIOR))
