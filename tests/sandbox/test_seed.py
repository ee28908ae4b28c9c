"""The seeded retail chain: determinism, structure, positions, heads, time zones."""
from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from sandbox.seed import (POSITION_ADMINISTRATOR, POSITION_CASHIER, POSITION_DEPUTY,
                          POSITION_MANAGER, POSITION_MERCHANDISER, POSITION_HR, POSITION_SALES,
                          build_portal)
from sandbox.state import Portal


def canonical(position: str) -> str:
    return " ".join(position.replace("-", " ").split()).lower()


def stores_of(portal: Portal) -> list[int]:
    return [d.id for d in portal.departments.values() if d.name.startswith("Магазин ")]


def fingerprint(portal: Portal) -> list[tuple[object, ...]]:
    return ([(u.id, u.email, u.name, u.last_name, u.work_position, tuple(u.departments),
              u.time_zone, u.personal_mobile, u.active) for u in portal.users.values()]
            + [(d.id, d.name, d.parent, d.head) for d in portal.departments.values()])


def test_same_seed_gives_the_same_portal_and_another_seed_does_not() -> None:
    assert fingerprint(build_portal(40, 7)) == fingerprint(build_portal(40, 7))
    assert fingerprint(build_portal(40, 7)) != fingerprint(build_portal(40, 8))
    assert build_portal(5, 7).member_id == build_portal(5, 7).member_id


def test_each_store_has_a_manager_head_deputies_an_administrator_and_sales_staff() -> None:
    portal = build_portal(60, 7)
    stores = stores_of(portal)
    assert len(stores) == 60
    staff: dict[int, Counter[str]] = {s: Counter() for s in stores}
    for user in portal.users.values():
        for dep in user.departments:
            if dep in staff:
                staff[dep][canonical(user.work_position)] += 1
    for store_id in stores:
        counts = staff[store_id]
        head = portal.users[portal.departments[store_id].head or 0]
        assert canonical(head.work_position) == canonical(POSITION_MANAGER)
        assert counts[canonical(POSITION_MANAGER)] == 1
        assert 1 <= counts[canonical(POSITION_DEPUTY)] <= 2
        assert counts[canonical(POSITION_ADMINISTRATOR)] == 1
        sales = counts[canonical(POSITION_SALES)] + counts[canonical(POSITION_CASHIER)]
        assert 4 <= sales <= 8


def test_a_few_positions_are_spelled_differently_but_normalise_to_the_canonical_ones() -> None:
    portal = build_portal(250, 7)
    positions = Counter(u.work_position for u in portal.users.values())
    variants = [p for p in positions if p != " ".join(p.split()) or p[:1].islower() or p == "Продавец консультант"]
    assert variants, "the app must meet spelling variants"
    assert sum(positions[p] for p in variants) < 0.1 * len(portal.users)
    assert {canonical(p) for p in variants} <= {canonical(p) for p in (
        POSITION_MANAGER, POSITION_DEPUTY, POSITION_ADMINISTRATOR, POSITION_SALES, POSITION_CASHIER)}


def test_hierarchy_company_country_region_city_store_with_heads() -> None:
    portal = build_portal(250, 7)
    deps = portal.departments
    roots = [d for d in deps.values() if d.parent is None]
    assert len(roots) == 1 and roots[0].head is not None
    countries = {d.name for d in deps.values() if d.parent == roots[0].id}
    assert {"Россия", "Казахстан", "Беларусь", "Отдел персонала", "Отдел мерчандайзинга",
            "Операционный отдел"} <= countries
    for store_id in stores_of(portal):
        city = deps[deps[store_id].parent or 0]
        region = deps[city.parent or 0]
        country = deps[region.parent or 0]
        assert country.parent == roots[0].id
        assert region.head is not None and country.head is not None
        siblings = [d for d in deps.values() if d.parent == city.id]
        assert (city.head is not None) == (len(siblings) > 1)
        assert city.name in deps[store_id].name


def test_hq_departments_and_the_portal_admin() -> None:
    portal = build_portal(10, 7)
    by_dep = {d.name: d.id for d in portal.departments.values()}
    members = lambda name: [u for u in portal.users.values() if by_dep[name] in u.departments]  # noqa: E731
    assert [u.work_position for u in members("Отдел персонала")] == [POSITION_HR] * 2
    assert [u.work_position for u in members("Отдел мерчандайзинга")] == [POSITION_MERCHANDISER] * 3
    assert len(members("Операционный отдел")) >= 3
    assert portal.users[1].is_admin and [u.id for u in portal.users.values() if u.is_admin] == [1]
    hook = next(iter(portal.webhooks.values()))
    assert hook.user_id == 1 and hook.scopes == []
    assert any(s.entity_type == "common" for s in portal.storages.values())


def test_time_zones_follow_the_city_and_names_agree_in_gender() -> None:
    portal = build_portal(250, 7)
    zones = {u.time_zone for u in portal.users.values()}
    assert {"Europe/Moscow", "Europe/Kaliningrad", "Asia/Yekaterinburg", "Asia/Novosibirsk",
            "Asia/Vladivostok", "Asia/Almaty", "Europe/Minsk"} <= zones
    for zone in zones:
        ZoneInfo(zone)
    kaliningrad = next(d.id for d in portal.departments.values() if d.name == "Калининград")
    store = next(d.id for d in portal.departments.values() if d.parent == kaliningrad)
    assert {u.time_zone for u in portal.users.values() if store in u.departments} == {"Europe/Kaliningrad"}
    assert {u.extra["PERSONAL_CITY"] for u in portal.users.values() if store in u.departments} == {"Калининград"}
    for user in portal.users.values():
        female = user.extra["PERSONAL_GENDER"] == "F"
        assert user.second_name.endswith("на" if female else "ич")


def test_emails_and_phones_are_unique_and_plausible() -> None:
    portal = build_portal(250, 7)
    emails = [u.email for u in portal.users.values()]
    phones = [u.personal_mobile for u in portal.users.values()]
    assert len(set(emails)) == len(emails) and len(set(phones)) == len(phones)
    assert all(e.isascii() and e.endswith("@uyutdom.ru") for e in emails)
    assert all(p.startswith(("+7", "+375")) and p[1:].isdigit() for p in phones)
    assert any(not u.active for u in portal.users.values())


def test_a_two_thousand_store_chain_builds() -> None:
    portal = build_portal(2000, 7)
    assert len(stores_of(portal)) == 2000
    assert 14000 <= len(portal.users) <= 26000
