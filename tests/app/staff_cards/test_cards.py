"""The manager's side: pending cards stay in the app; scope is enforced on every ID."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from b24app.staff_cards import cards
from b24app.staff_cards.models import (CHANGE, DISMISSAL, NEW, PENDING, REHIRE, WITHDRAWN,
                                       StaffCard, StaffCardAudit)
from b24app.workqueue import WorkItem

from .chain import (CASHIER_A, FORMER_A, MANAGER_A, MANAGER_B, SELLER_A, SELLER_B, STORE_A,
                    STORE_B, email_of)
from .conftest import CallerFor

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


def new_form(**changes: str) -> dict[str, str]:
    base = {"last_name": "Новикова", "first_name": "Ольга", "middle_name": "",
            "email": "olga@example.com", "mobile": "8 916 000 11 22",
            "position": "Продавец-консультант", "store_id": str(STORE_A),
            "birth_date": "", "employment_date": "2026-12-07"}
    base.update(changes)
    return base


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_new_card_is_pending_and_nothing_goes_to_the_portal(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        result = cards.create_card(session, caller(MANAGER_A), NEW, STORE_A, None, new_form(), NOW)
        assert result.errors == {} and result.card is not None
        assert result.card.status == PENDING and result.card.fields["mobile"] == "+79160001122"
    with session_factory() as session:
        assert count(session, WorkItem) == 0
        entry = session.scalars(select(StaffCardAudit)).one()
        assert entry.action == "created" and entry.actor_id == MANAGER_A
        assert {"field": "email", "before": "", "after": "olga@example.com"} in entry.changes


def test_invalid_input_changes_nothing(session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        result = cards.create_card(session, caller(MANAGER_A), NEW, STORE_A, None,
                                   new_form(email=email_of(SELLER_B), mobile="123"), NOW)
    assert result.card is None
    assert result.errors == {"email": "err_email_taken", "mobile": "err_phone"}
    with session_factory() as session:
        assert count(session, StaffCard) == 0 and count(session, StaffCardAudit) == 0


def test_email_of_another_pending_card_is_refused(session_factory: sessionmaker[Session],
                                                   caller: CallerFor) -> None:
    with session_factory.begin() as session:
        cards.create_card(session, caller(MANAGER_A), NEW, STORE_A, None, new_form(), NOW)
        second = cards.create_card(session, caller(MANAGER_B), NEW, STORE_B, None,
                                   new_form(store_id=str(STORE_B)), NOW)
    assert second.errors == {"email": "err_email_pending"}


def test_manager_of_store_a_cannot_touch_store_b(session_factory: sessionmaker[Session],
                                                  caller: CallerFor) -> None:
    manager_a = caller(MANAGER_A)
    with session_factory.begin() as session:
        theirs = cards.create_card(session, caller(MANAGER_B), NEW, STORE_B, None,
                                   new_form(store_id=str(STORE_B), email="b@example.com"), NOW).card
        assert theirs is not None
        with pytest.raises(cards.NotAllowed):
            cards.create_card(session, manager_a, NEW, STORE_B, None, new_form(), NOW)
        with pytest.raises(cards.NotAllowed):       # a guessed user ID of store B
            cards.create_card(session, manager_a, CHANGE, STORE_A, SELLER_B, new_form(), NOW)
        with pytest.raises(cards.NotAllowed):
            cards.amend_card(session, manager_a, theirs.id, new_form(), NOW)
        with pytest.raises(cards.NotAllowed):
            cards.withdraw_card(session, manager_a, theirs.id, NOW)
        # Moving a new hire into store B through the form's store field is refused too.
        moved = cards.create_card(session, manager_a, NEW, STORE_A, None,
                                  new_form(store_id=str(STORE_B)), NOW)
        assert moved.errors == {"store_id": "err_store_scope"}


def test_amend_and_withdraw_a_pending_card(session_factory: sessionmaker[Session],
                                           caller: CallerFor) -> None:
    manager = caller(MANAGER_A)
    with session_factory.begin() as session:
        card = cards.create_card(session, manager, NEW, STORE_A, None, new_form(), NOW).card
        assert card is not None
        amended = cards.amend_card(session, manager, card.id, new_form(position="Кассир"), NOW)
        assert amended.errors == {} and card.fields["position"] == "Кассир"
        assert cards.withdraw_card(session, manager, card.id, NOW) is True
        assert card.status == WITHDRAWN
        assert cards.amend_card(session, manager, card.id, new_form(), NOW).errors == {
            "card": "err_not_pending"}
        actions = [e.action for e in session.scalars(select(StaffCardAudit).order_by(StaffCardAudit.id))]
    assert actions == ["created", "amended", "withdrawn"]


def test_one_open_card_per_person_and_dismissal_keeps_portal_data(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    manager = caller(MANAGER_A)
    with session_factory.begin() as session:
        first = cards.create_card(session, manager, DISMISSAL, STORE_A, SELLER_A,
                                  {"dismissal_date": "2026-12-10", "last_name": "Подмена"}, NOW)
        assert first.card is not None
        assert first.card.fields["last_name"] == "Продавцова"      # only the date is taken
        assert first.card.fields["dismissal_date"] == "2026-12-10"
        second = cards.create_card(session, manager, CHANGE, STORE_A, SELLER_A, new_form(), NOW)
        assert second.errors == {"target": "err_card_open"}


def test_change_shows_the_difference_from_the_portal(session_factory: sessionmaker[Session],
                                                     caller: CallerFor) -> None:
    with session_factory.begin() as session:
        result = cards.create_card(session, caller(MANAGER_A), CHANGE, STORE_A, CASHIER_A, {
            "last_name": "Кассиров", "first_name": "Глеб", "email": email_of(CASHIER_A),
            "mobile": "+79990000000", "position": "Старший кассир", "store_id": str(STORE_A)}, NOW)
        assert result.errors == {} and result.card is not None
        entry = session.scalars(select(StaffCardAudit)).one()
    assert entry.changes == [{"field": "position", "before": "Кассир", "after": "Старший кассир"}]


def test_rehire_only_for_former_staff_of_the_store(session_factory: sessionmaker[Session],
                                                    caller: CallerFor) -> None:
    manager = caller(MANAGER_A)
    form = {"last_name": "Бывший", "first_name": "Денис", "email": email_of(FORMER_A),
            "position": "Продавец-консультант", "store_id": str(STORE_A)}
    with session_factory.begin() as session:
        with pytest.raises(cards.NotAllowed):
            cards.create_card(session, manager, REHIRE, STORE_A, SELLER_A, form, NOW)
        result = cards.create_card(session, manager, REHIRE, STORE_A, FORMER_A, form, NOW)
    assert result.errors == {} and result.card is not None
