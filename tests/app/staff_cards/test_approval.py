"""The HR side: division scope, approve → work items, reject with a reason, failures stay pending."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app import workqueue
from b24app.staff_cards import approval, cards, kinds
from b24app.staff_cards.models import (APPLIED, APPROVED, DISMISSAL, LOOP_PENDING, NEW, PENDING,
                                       REJECTED, StaffCard, StaffCardAudit)
from b24app.workqueue import WorkItem

from .chain import (HR_ALL, HR_KZ, MANAGER_A, MANAGER_KZ, SELLER_A, SELLER_KZ, STORE_A, STORE_B,
                    STORE_KZ)
from .conftest import CallerFor
from .test_cards import NOW, new_form


def make_card(session: Session, caller: CallerFor, **changes: str) -> StaffCard:
    card = cards.create_card(session, caller(MANAGER_A), NEW, STORE_A, None, new_form(**changes), NOW).card
    assert card is not None
    return card


def items(session: Session) -> dict[str, WorkItem]:
    return {item.key: item for item in session.scalars(select(WorkItem))}


def test_non_hr_users_cannot_approve_or_reject(session_factory: sessionmaker[Session],
                                               caller: CallerFor) -> None:
    with session_factory.begin() as session:
        card = make_card(session, caller)
        for user_id in (MANAGER_A, SELLER_A):
            with pytest.raises(cards.NotAllowed):
                approval.approve(session, caller(user_id), [card.id], NOW)
            with pytest.raises(cards.NotAllowed):
                approval.reject(session, caller(user_id), card.id, "нет", NOW)
        assert card.status == PENDING and items(session) == {}


def test_hr_officer_reviews_only_their_division(session_factory: sessionmaker[Session],
                                                caller: CallerFor) -> None:
    with session_factory.begin() as session:
        card_a = make_card(session, caller)
        card_kz = cards.create_card(session, caller(MANAGER_KZ), DISMISSAL, STORE_KZ, SELLER_KZ,
                                    {"dismissal_date": "2026-12-04"}, NOW).card
        assert card_kz is not None
        hr_kz = caller(HR_KZ)
        assert approval.review_scope(hr_kz) == frozenset({STORE_KZ})
        assert approval.review_scope(caller(HR_ALL)) is None
        with pytest.raises(cards.NotAllowed):
            approval.approve(session, hr_kz, [card_kz.id, card_a.id], NOW)   # forged ID in bulk
        assert card_kz.status == PENDING
        assert approval.approve(session, hr_kz, [card_kz.id], NOW).approved == [card_kz.id]


def test_approving_a_new_hire_enqueues_user_add_and_one_notification(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        first = make_card(session, caller)
        second = make_card(session, caller, email="second@example.com", last_name="Вторая")
        decision = approval.approve(session, caller(HR_ALL), [first.id, second.id, first.id], NOW)
        assert decision.approved == [first.id, second.id]
        assert first.status == APPROVED and first.reviewer_id == HR_ALL
        queued = items(session)
    apply = queued[kinds.card_key(first.id)]
    assert apply.kind == kinds.APPLY_KIND and apply.payload["method"] == "user.add"
    params = apply.payload["params"]
    assert params["EMAIL"] == "olga@example.com" and params["UF_DEPARTMENT"] == [STORE_A]
    assert params["PERSONAL_MOBILE"] == "+79160001122" and params["XML_ID"] == kinds.stamp_of(first.id)
    assert "SECOND_NAME" not in params                       # empty fields are not sent
    notes = [i for i in queued.values() if i.kind == kinds.NOTIFY_KIND]
    assert len(notes) == 1 and notes[0].payload["user_id"] == MANAGER_A
    assert "Новикова" in notes[0].payload["message"] and "Вторая" in notes[0].payload["message"]


def test_approving_twice_changes_nothing(session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        card = make_card(session, caller)
        approval.approve(session, caller(HR_ALL), [card.id], NOW)
        again = approval.approve(session, caller(HR_ALL), [card.id], NOW)
        assert again.approved == [] and again.refused == {card.id: "err_not_pending"}
        assert len([i for i in items(session).values() if i.kind == kinds.APPLY_KIND]) == 1


def test_email_found_live_in_the_portal_keeps_the_card_pending(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        card = make_card(session, caller)
        decision = approval.approve(session, caller(HR_ALL), [card.id], NOW,
                                    live_owners={"olga@example.com": 999})
        assert decision.refused == {card.id: "err_email_taken"}
        assert card.status == PENDING and card.error == "err_email_taken" and items(session) == {}


def test_future_dismissal_waits_for_its_date_in_store_time(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        future = cards.create_card(session, caller(MANAGER_A), DISMISSAL, STORE_A, SELLER_A,
                                   {"dismissal_date": "2026-12-10"}, NOW).card
        assert future is not None
        approval.approve(session, caller(HR_ALL), [future.id], NOW)
        item = items(session)[kinds.card_key(future.id)]
    assert item.payload["params"] == {"ID": SELLER_A, "ACTIVE": "N"}
    # Moscow store: 2026-12-10 00:00 MSK is 2026-12-09 21:00 UTC.
    assert item.not_before == datetime(2026, 12, 9, 21, 0, tzinfo=timezone.utc)


def test_change_sends_only_changed_fields_and_moves_departments(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    admin = caller(1, admin=True)
    with session_factory.begin() as session:
        card = cards.create_card(session, admin, "change", STORE_A, SELLER_A, {
            "last_name": "Продавцова", "first_name": "Вера", "email": "u112@example.com",
            "mobile": "+375291234567", "position": "Кассир", "store_id": str(STORE_B)}, NOW).card
        assert card is not None
        approval.approve(session, caller(HR_ALL), [card.id], NOW)
        params = items(session)[kinds.card_key(card.id)].payload["params"]
    assert params == {"ID": SELLER_A, "WORK_POSITION": "Кассир", "PERSONAL_MOBILE": "+375291234567",
                      "UF_DEPARTMENT": [STORE_B]}


def test_reject_needs_a_reason_and_notifies_the_manager(session_factory: sessionmaker[Session],
                                                        caller: CallerFor) -> None:
    hr = caller(HR_ALL)
    with session_factory.begin() as session:
        card = make_card(session, caller)
        assert approval.reject(session, hr, card.id, "   ", NOW) == "err_reason_required"
        assert card.status == PENDING
        assert approval.reject(session, hr, card.id, "Нет паспортных данных", NOW) is None
        assert card.status == REJECTED and card.reason == "Нет паспортных данных"
        note = items(session)[f"staff_cards:notify:rejected:{card.id}"]
        assert note.payload["user_id"] == MANAGER_A and "Нет паспортных данных" in note.payload["message"]
        last = session.scalars(select(StaffCardAudit).order_by(StaffCardAudit.id.desc())).first()
        assert last is not None and last.action == "rejected" and last.actor_id == HR_ALL


def test_portal_refusal_keeps_card_pending_and_reapproval_sends_the_amended_card(
        session_factory: sessionmaker[Session], caller: CallerFor) -> None:
    with session_factory.begin() as session:
        card = make_card(session, caller)
        approval.approve(session, caller(HR_ALL), [card.id], NOW)
        item = items(session)[kinds.card_key(card.id)]
        item.status = workqueue.PARKED
        kinds.apply_failed(session, item, "B24ApiError: ERROR_ARGUMENT: user_count_exceeded", True)
        assert card.status == PENDING and "user_count_exceeded" in card.error
        cards.amend_card(session, caller(MANAGER_A), card.id, new_form(email="new@example.com"), NOW)
        approval.approve(session, caller(HR_ALL), [card.id], NOW)
        assert item.status == workqueue.PENDING and item.attempts == 0 and item.last_error == ""
        assert item.payload["params"]["EMAIL"] == "new@example.com"


def test_recording_the_result_marks_the_card_applied(session_factory: sessionmaker[Session],
                                                     caller: CallerFor) -> None:
    with session_factory.begin() as session:
        card = make_card(session, caller)
        approval.approve(session, caller(HR_ALL), [card.id], NOW)
        item = items(session)[kinds.card_key(card.id)]
        kinds.record_applied(session, item, {"user": 301})
        assert card.status == APPLIED and card.result_user_id == 301
        assert card.loop_state == LOOP_PENDING
