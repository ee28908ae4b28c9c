"""The actualization task's tab (TASK_VIEW_TAB): the store's staff and cards inside the task;
the manager edits and confirms there, HR approves and rejects there, everyone else sees nothing."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from b24app.staff_cards import actualization
from b24app.staff_cards.models import ActualizationTask, APPROVED, PENDING, REJECTED

from .chain import HR_ALL, HR_KZ, MANAGER_A, MANAGER_B, SELLER_A, STORE_A, STORE_B
from .conftest import PageFor
from .pages_env import cards_in, new_hire
from .test_cards import NOW

TASK_A = 501
TAB = "/app/staff/task-tab"
FORM_A = f"/app/staff/store/{STORE_A}/card/new"


def tasks_sent(session_factory: sessionmaker[Session], org: int) -> None:
    """Plan the month's tasks and pretend the portal gave store A's task the ID TASK_A."""
    with session_factory.begin() as session:
        actualization.plan_tasks(session, org, NOW, "ru")
        row = actualization.latest_task(session, org, STORE_A)
        assert row is not None
        row.task_id = TASK_A


def test_hr_approves_and_rejects_inside_the_task(pages: PageFor, org: int,
                                                 session_factory: sessionmaker[Session]) -> None:
    tasks_sent(session_factory, org)
    manager = pages(MANAGER_A)
    manager.post(FORM_A, new_hire(), nonce_page=FORM_A)
    manager.post(FORM_A, new_hire(email="p@example.com", last_name="Петров"), nonce_page=FORM_A)
    first, second = cards_in(session_factory)
    hr = pages(HR_ALL)
    status, body = hr.get(TAB, taskId=TASK_A)
    assert status == 200 and "Новикова" in body and "Продавцова" in body
    assert 'class="approve-one"' in body and f'name="tab" value="{TASK_A}"' in body
    status, location = hr.post("/app/staff/review/approve", {"card_id": str(first.id), "tab": TASK_A},
                               nonce_page=TAB, taskId=TASK_A)
    assert status == 303 and f"{TAB}?" in location and f"taskId={TASK_A}" in location
    assert "done=approved_n" in location
    status, location = hr.post(f"/app/staff/cards/{second.id}/reject",
                               {"reason": "Нет документов", "tab": TASK_A}, nonce_page=TAB,
                               taskId=TASK_A)
    assert status == 303 and f"taskId={TASK_A}" in location and "done=rejected" in location
    assert [c.status for c in cards_in(session_factory)] == [APPROVED, REJECTED]
    status, body = hr.get(TAB, taskId=TASK_A, done="approved_n", n="1")
    assert 'id="notice"' in body and "Новикова" in body         # approved, waiting for the portal


def test_manager_adds_and_confirms_inside_the_task(pages: PageFor, org: int,
                                                   session_factory: sessionmaker[Session]) -> None:
    tasks_sent(session_factory, org)
    manager = pages(MANAGER_A)
    status, body = manager.get(TAB, taskId=TASK_A)
    assert status == 200 and 'id="confirm-list"' in body and 'class="approve-one"' not in body
    assert f"tab={TASK_A}" in body                                # edit links come back here
    status, location = manager.post(FORM_A, {**new_hire(), "tab": str(TASK_A)}, nonce_page=TAB,
                                    taskId=TASK_A)
    assert status == 303 and f"taskId={TASK_A}" in location
    status, location = manager.post(f"/app/staff/store/{STORE_A}/confirm", {"tab": str(TASK_A)},
                                    nonce_page=TAB, taskId=TASK_A)
    assert status == 303 and f"taskId={TASK_A}" in location and "confirm_done" in location
    with session_factory() as session:
        row = actualization.by_task_id(session, org, TASK_A)
        assert row is not None and row.confirmed_by == MANAGER_A
    # The manager cannot approve their own card from the tab.
    card = cards_in(session_factory)[0]
    assert manager.post("/app/staff/review/approve", {"card_id": str(card.id), "tab": TASK_A},
                        nonce_page=TAB, taskId=TASK_A)[0] == 403
    assert cards_in(session_factory)[0].status == PENDING


def test_others_see_nothing_in_the_tab(pages: PageFor, org: int,
                                       session_factory: sessionmaker[Session]) -> None:
    tasks_sent(session_factory, org)
    for user_id in (MANAGER_B, HR_KZ, SELLER_A):
        status, body = pages(user_id).get(TAB, taskId=TASK_A)
        assert status == 403 and 'id="staff"' not in body, user_id
    # A task that is not an actualization task, or a guessed ID, shows nothing either.
    status, body = pages(MANAGER_A).get(TAB, taskId=999)
    assert status == 200 and 'id="not-actualization"' in body and 'id="staff"' not in body
    status, body = pages(MANAGER_B).get(TAB, taskId="x")
    assert 'id="not-actualization"' in body and 'id="staff"' not in body
    # Store B's manager cannot act on store A's people through a form posted "from the tab".
    manager_b = pages(MANAGER_B)
    assert manager_b.post(f"/app/staff/store/{STORE_A}/card/dismissal",
                          {"user": str(SELLER_A), "dismissal_date": "2026-12-10", "tab": TASK_A},
                          nonce_page=f"/app/staff/store/{STORE_B}")[0] == 403
    assert cards_in(session_factory) == []


def test_tab_shows_whether_the_list_is_overdue(pages: PageFor, org: int,
                                               session_factory: sessionmaker[Session]) -> None:
    tasks_sent(session_factory, org)
    with session_factory.begin() as session:
        row = session.query(ActualizationTask).filter_by(task_id=TASK_A).one()
        row.due_at = NOW.replace(day=1)
    status, body = pages(MANAGER_A).get(TAB, taskId=TASK_A)
    assert status == 200 and 'class="card actualization red"' in body
