"""Staff cards pages (LEFT_MENU /app/staff, TASK_VIEW_TAB /app/staff/task-tab) and exports.

- ``store_pages``: the manager's store page and card forms (own stores only);
- ``review_pages``: HR approval, audit log, actualization overview;
- ``exports``: Excel downloads; ``task_tab``: the actualization task's tab.
Every view checks scope through b24app.staff_cards (``NotAllowed`` → 403); every
state-changing form also carries a one-time nonce (a replayed post gets 409).
"""
from __future__ import annotations

from . import exports, review_pages, store_pages, task_tab  # noqa: F401 - routes
from .common import bp

__all__ = ["bp"]
