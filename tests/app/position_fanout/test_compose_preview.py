"""Compose validation, position grouping, the store tree, pools and the preview."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from b24app.position_fanout.compose import (DraftInput, create_campaign, pool_store_ids,
                                            position_options, resolve_due, save_pool,
                                            store_tree, validate_draft)
from b24app.position_fanout.preview import preview_campaign

from .conftest import Chain

NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)
MANAGER_KEY = "управляющий магазином"


def valid_form(**changes: object) -> DraftInput:
    values: dict[str, object] = dict(
        title="Проверить ценники", description="До обеда", deadline_mode="days",
        deadline_days="3", priority="2", checklist="Витрина\n\n  Касса  \n",
        position_keys=(MANAGER_KEY,), department_ids=("4",))
    values.update(changes)
    return DraftInput(**values)  # type: ignore[arg-type]


def test_valid_draft_keeps_fields_and_drops_blank_checklist_lines() -> None:
    draft, errors = validate_draft(valid_form(), NOW, "Europe/Moscow", {MANAGER_KEY}, set())
    assert errors == {}
    assert draft is not None
    assert draft.checklist == ("Витрина", "Касса")
    assert draft.deadline_days == 3 and draft.deadline_at is None
    assert draft.priority == 2 and draft.department_ids == (4,)


def test_each_invalid_field_is_reported_with_a_message_key() -> None:
    form = valid_form(title="  ", priority="7", position_keys=(), department_ids=(),
                      deadline_days="0", checklist="x" * 300)
    draft, errors = validate_draft(form, NOW, "Europe/Moscow", {MANAGER_KEY}, set())
    assert draft is None
    assert set(errors) == {"title", "priority", "positions", "pool", "deadline", "checklist"}
    assert errors["title"] == "position_fanout.err_title_required"


def test_deadline_at_is_read_in_the_senders_time_zone_and_must_be_future() -> None:
    draft, _ = validate_draft(valid_form(deadline_mode="at", deadline_at="2026-12-05T18:00"),
                              NOW, "Asia/Yekaterinburg", {MANAGER_KEY}, set())
    assert draft is not None
    assert draft.deadline_at == datetime(2026, 12, 5, 13, 0, tzinfo=timezone.utc)
    _, errors = validate_draft(valid_form(deadline_mode="at", deadline_at="2026-12-03T18:00"),
                               NOW, "Europe/Moscow", {MANAGER_KEY}, set())
    assert errors == {"deadline": "position_fanout.err_deadline_past"}


def test_unknown_position_and_foreign_pool_are_rejected() -> None:
    _, errors = validate_draft(valid_form(position_keys=("кто-то",), pool_id="9"), NOW,
                               "Europe/Moscow", {MANAGER_KEY}, {1})
    assert errors == {"positions": "position_fanout.err_position_unknown",
                      "pool": "position_fanout.err_pool_unknown"}


def test_due_is_fixed_instant_or_n_days_after_sending() -> None:
    fixed = NOW + timedelta(days=9)
    assert resolve_due(fixed, None, NOW) == fixed
    assert resolve_due(None, 2, NOW) == NOW + timedelta(days=2)


def test_spelling_variants_of_a_position_are_one_option_with_active_holders_counted(
        session_factory: sessionmaker[Session], portal_id: int, chain: Chain) -> None:
    with session_factory() as session:
        options = {o.key: o for o in position_options(session, portal_id)}
    assert options[MANAGER_KEY].holders == 3          # 101, 103 (variant), 105; 104 dismissed
    assert options[MANAGER_KEY].label == "Управляющий магазином"


def test_store_tree_starts_at_countries_and_counts_stores(
        session_factory: sessionmaker[Session], portal_id: int, chain: Chain) -> None:
    with session_factory() as session:
        tree = store_tree(session, portal_id)
    assert [n.name for n in tree] == ["Россия"]
    russia = tree[0]
    assert russia.store_count == 4
    assert sorted(n.name for n in russia.children) == ["Урал", "Центр"]


def test_pool_resolves_regions_cities_stores_and_a_saved_pool(
        session_factory: sessionmaker[Session], portal_id: int, chain: Chain) -> None:
    with session_factory.begin() as session:
        assert sorted(pool_store_ids(session, portal_id, [chain.center])) == [10, 11]
        assert sorted(pool_store_ids(session, portal_id, [chain.store_c, chain.moscow])) == [10, 11, 12]
        pool = save_pool(session, portal_id, chain.sender, "Урал", [chain.ural], NOW)
        assert sorted(pool_store_ids(session, portal_id, [], pool.id)) == [12, 13]


def test_preview_counts_tasks_people_stores_and_lists_stores_without_a_holder(
        session_factory: sessionmaker[Session], portal_id: int, chain: Chain) -> None:
    with session_factory.begin() as session:
        draft, _ = validate_draft(valid_form(department_ids=(str(chain.country),)), NOW,
                                  "Europe/Moscow", {MANAGER_KEY}, set())
        assert draft is not None
        campaign = create_campaign(session, portal_id, chain.sender, draft, NOW)
        preview = preview_campaign(session, campaign)
    # 105 is in stores 10 and 12 but gets one copy; dismissed 104 gets none.
    assert sorted(r.user_id for r in preview.recipients) == [101, 103, 105]
    assert (preview.tasks, preview.people, preview.stores) == (3, 3, 2)
    assert [s.id for s in preview.empty_stores] == [chain.store_empty]
    assert preview.pool_size == 4
