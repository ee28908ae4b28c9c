"""Org queries on a synced chain: stores, managers, deputies, superiors, positions, zones."""
from __future__ import annotations

from typing import Any

import pytest

from b24app.org import admin, queries
from b24app.org.apply import apply_departments, apply_users, replace_memberships
from b24app.org.settings import get_org_settings
from b24app.org.structure import recompute_structure
from b24app.org.sync import SyncReport

from org_fixtures import DEPARTMENTS, USERS


def _wire_departments() -> list[dict[str, Any]]:
    rows = []
    for dep_id, name, parent, head in DEPARTMENTS:
        row: dict[str, Any] = {"ID": str(dep_id), "NAME": name, "SORT": 500}
        if parent is not None:
            row["PARENT"] = str(parent)
        if head is not None:
            row["UF_HEAD"] = str(head)
        rows.append(row)
    return rows


def _wire_users() -> list[dict[str, Any]]:
    return [{"ID": str(uid), "ACTIVE": True, "NAME": f"Имя{uid}", "LAST_NAME": last,
             "WORK_POSITION": position, "UF_DEPARTMENT": deps, "USER_TYPE": "employee",
             "TIME_ZONE": "Asia/Almaty" if uid == 122 else ""}
            for uid, last, position, deps, active in USERS if active]


@pytest.fixture
def synced(session_factory: Any, portal_id: int, clock: Any) -> Any:
    """The org_fixtures chain applied through the same code a sync uses (no HTTP)."""
    users = _wire_users()
    with session_factory.begin() as session:
        report = SyncReport()
        apply_departments(session, portal_id, _wire_departments(), clock.now(), report, complete=True)
        apply_users(session, portal_id, users, clock.now(), report, deactivate_others=None)
        replace_memberships(session, portal_id, users, scope=None)
        recompute_structure(session, portal_id)
    return session_factory


def test_stores_are_leaves_below_the_root_except_head_office(synced: Any, portal_id: int) -> None:
    with synced() as session:
        assert sorted(s.b24_id for s in queries.stores(session, portal_id)) == [10, 11, 12]
        assert sorted(queries.subtree_store_ids(session, portal_id, 3)) == [10, 11]
        assert queries.subtree_store_ids(session, portal_id, 6) == [12]
        assert queries.subtree_store_ids(session, portal_id, 10) == [10]
        assert queries.subtree_store_ids(session, portal_id, 999) == []


def test_store_override_and_stores_root(synced: Any, portal_id: int) -> None:
    with synced.begin() as session:
        admin.set_store_override(session, portal_id, 5, True)
        admin.set_store_override(session, portal_id, 11, False)
        assert sorted(s.b24_id for s in queries.stores(session, portal_id)) == [5, 10, 12]
        admin.set_store_override(session, portal_id, 5, None)
        get_org_settings(session, portal_id).stores_root_department_id = 2
        recompute_structure(session, portal_id)
        assert sorted(s.b24_id for s in queries.stores(session, portal_id)) == [10]


def test_manager_deputies_and_administrators(synced: Any, portal_id: int) -> None:
    with synced() as session:
        assert queries.store_manager(session, portal_id, 10) == 110
        assert queries.store_manager(session, portal_id, 11) is None          # vacant
        assert sorted(queries.store_deputies(session, portal_id, 10)) == [111, 113]  # spelling variant
        assert queries.store_deputies(session, portal_id, 11) == [120]
        assert queries.store_administrators(session, portal_id, 10) == [114]


def test_dismissed_head_leaves_the_post_vacant(synced: Any, portal_id: int, clock: Any) -> None:
    with synced.begin() as session:
        remaining = [u for u in _wire_users() if u["ID"] != "110"]
        apply_users(session, portal_id, remaining, clock.now(), SyncReport(), deactivate_others=None)
        assert queries.store_manager(session, portal_id, 10) is None


def test_superiors_chain_is_nearest_first_without_duplicates_or_the_manager(synced: Any,
                                                                            portal_id: int) -> None:
    with synced() as session:
        assert queries.superiors_chain(session, portal_id, 10) == [103, 102, 101, 100]
        # Алматы's head is the store's own manager; 101 heads both countries
        assert queries.superiors_chain(session, portal_id, 12) == [102, 101, 100]
        assert queries.superiors_chain(session, portal_id, 999) == []
        assert queries.departments_headed_by(session, portal_id, 101) == [2, 6]


def test_positions_group_spelling_variants(synced: Any, portal_id: int) -> None:
    with synced() as session:
        found = {key: (display, count) for display, key, count in queries.positions(session, portal_id)}
        assert found["заместитель управляющего"] == ("Заместитель управляющего", 3)
        assert found["управляющий магазином"] == ("Управляющий магазином", 2)
        holders = queries.holders_of_position(session, portal_id, "заместитель управляющего", [10, 12])
        assert [(h.store_id, h.user.b24_id) for h in holders] == [(10, 111), (10, 113)]


def test_time_zones_default_by_city_and_can_be_overridden(synced: Any, portal_id: int) -> None:
    with synced.begin() as session:
        assert queries.store_time_zone(session, portal_id, 10) == "Europe/Moscow"
        assert queries.store_time_zone(session, portal_id, 12) == "Asia/Almaty"
        admin.set_store_time_zone(session, portal_id, 10, "Europe/Kaliningrad")
        assert queries.store_time_zone(session, portal_id, 10) == "Europe/Kaliningrad"
        with pytest.raises(ValueError):
            admin.set_store_time_zone(session, portal_id, 10, "Mars/Olympus")
        assert queries.user_time_zone(session, portal_id, 122) == "Asia/Almaty"   # own setting
        assert queries.user_time_zone(session, portal_id, 111) == "Europe/Kaliningrad"  # store's
