"""The org model: a synced copy of the portal's departments and users, and questions about it.

- ``models``: tables; ``settings``: what counts as a store and which positions matter;
- ``sync``: read the portal (batched) and apply the difference in one transaction;
- ``structure``: derived columns (depth, path, store flag, city, time zone);
- ``queries``: stores, managers, deputies, superiors, positions, time zones;
- ``admin``: per-store overrides.
"""
from __future__ import annotations
