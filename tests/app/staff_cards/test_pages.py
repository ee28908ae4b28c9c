"""The staff pages through the real Flask app: scope on every page, form, export and ID;
HR-only approval; forged and replayed form posts refused."""
from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from b24app.staff_cards.models import APPROVED, PENDING, REJECTED

from .chain import (HR_ALL, HR_KZ, MANAGER_A, MANAGER_B, SELLER_A, SELLER_B, STORE_A, STORE_B,
                    STORE_KZ)
from .conftest import PageFor
from .pages_env import cards_in, new_hire
from .test_cards import NOW

def test_menu_entry_sends_managers_to_their_store_and_hr_to_review(pages: PageFor) -> None:
    assert "/app/staff/store/10" in pages(MANAGER_A).get("/app/staff")[1]
    assert "/app/staff/review" in pages(HR_ALL).get("/app/staff")[1]
    assert pages(SELLER_A).get("/app/staff")[0] == 403


def test_manager_sees_own_store_and_adds_a_pending_card(
        pages: PageFor, session_factory: sessionmaker[Session]) -> None:
    manager = pages(MANAGER_A)
    status, body = manager.get(f"/app/staff/store/{STORE_A}")
    assert status == 200 and "Продавцова" in body and "Арбатова" not in body
    status, location = manager.post(f"/app/staff/store/{STORE_A}/card/new", new_hire(),
                                    nonce_page=f"/app/staff/store/{STORE_A}/card/new")
    assert status == 303 and "done=saved" in location
    status, body = manager.get(f"/app/staff/store/{STORE_A}")
    assert 'class="pending red"' in body and "Новикова" in body and "olga@example.com" in body


def test_invalid_form_shows_errors_next_to_fields_and_saves_nothing(
        pages: PageFor, session_factory: sessionmaker[Session]) -> None:
    status, body = pages(MANAGER_A).post(f"/app/staff/store/{STORE_A}/card/new",
                                         new_hire(email="bad@", mobile="12"),
                                         nonce_page=f"/app/staff/store/{STORE_A}/card/new")
    assert status == 400
    assert 'id="err-email"' in body and 'id="err-mobile"' in body and "+7 XXX" in body
    assert cards_in(session_factory) == []


def test_manager_of_store_a_cannot_see_or_change_store_b(
        pages: PageFor, session_factory: sessionmaker[Session]) -> None:
    pages(MANAGER_B).post(f"/app/staff/store/{STORE_B}/card/new",
                          new_hire(store_id=str(STORE_B), email="b@example.com"),
                          nonce_page=f"/app/staff/store/{STORE_B}/card/new")
    theirs = cards_in(session_factory)[0]
    manager = pages(MANAGER_A)
    own = f"/app/staff/store/{STORE_A}/card/new"
    for path in (f"/app/staff/store/{STORE_B}", f"/app/staff/store/{STORE_B}/card/new",
                 f"/app/staff/store/{STORE_B}/export.xlsx", f"/app/staff/cards/{theirs.id}/amend",
                 f"/app/staff/store/{STORE_A}/card/change?user={SELLER_B}",
                 f"/app/staff/store/{STORE_A}/card/dismissal?user={SELLER_B}",
                 "/app/staff/review", "/app/staff/division/export.xlsx", "/app/staff/audit",
                 "/app/staff/audit/export.xlsx", "/app/staff/actualization",
                 f"/app/staff/store/{STORE_B}/card/change?user={SELLER_B}",
                 "/app/staff/store/999", "/app/staff/store/999/export.xlsx"):
        path, _, query = path.partition("?")
        extra = dict([query.split("=")]) if query else {}
        assert manager.get(path, **extra)[0] == 403, path
    for path, data in ((f"/app/staff/store/{STORE_B}/card/new", new_hire(store_id=str(STORE_B))),
                       (f"/app/staff/cards/{theirs.id}/amend", new_hire(email="x@example.com")),
                       (f"/app/staff/cards/{theirs.id}/withdraw", {}),
                       (f"/app/staff/store/{STORE_B}/confirm", {}),
                       (f"/app/staff/store/{STORE_A}/card/dismissal", {"user": str(SELLER_B),
                                                                         "dismissal_date": "2026-12-10"}),
                       ("/app/staff/review/approve", {"card_id": str(theirs.id)})):
        assert manager.post(path, data, nonce_page=own)[0] == 403, path
    after = cards_in(session_factory)
    assert len(after) == 1 and after[0].status == PENDING and after[0].fields["email"] == "b@example.com"


def test_non_hr_cannot_approve_or_reject(pages: PageFor, session_factory: sessionmaker[Session]) -> None:
    pages(MANAGER_A).post(f"/app/staff/store/{STORE_A}/card/new", new_hire(),
                          nonce_page=f"/app/staff/store/{STORE_A}/card/new")
    card = cards_in(session_factory)[0]
    for user_id in (MANAGER_A, SELLER_A):
        user = pages(user_id)
        assert user.post("/app/staff/review/approve", {"card_id": str(card.id)},
                         nonce="x.y")[0] == 403
        assert user.post(f"/app/staff/cards/{card.id}/reject", {"reason": "нет"}, nonce="x.y")[0] == 403
    assert cards_in(session_factory)[0].status == PENDING


def test_hr_of_another_division_cannot_approve(pages: PageFor,
                                               session_factory: sessionmaker[Session]) -> None:
    pages(MANAGER_A).post(f"/app/staff/store/{STORE_A}/card/new", new_hire(),
                          nonce_page=f"/app/staff/store/{STORE_A}/card/new")
    card = cards_in(session_factory)[0]
    hr_kz = pages(HR_KZ)
    assert "Новикова" not in hr_kz.get("/app/staff/review")[1]
    assert hr_kz.post("/app/staff/review/approve", {"card_id": str(card.id)})[0] == 403
    assert hr_kz.get(f"/app/staff/store/{STORE_KZ}")[0] == 200
    assert hr_kz.get(f"/app/staff/store/{STORE_A}")[0] == 403


def test_hr_approves_and_rejects_with_reason(pages: PageFor,
                                             session_factory: sessionmaker[Session]) -> None:
    manager = pages(MANAGER_A)
    form_page = f"/app/staff/store/{STORE_A}/card/new"
    manager.post(form_page, new_hire(), nonce_page=form_page)
    manager.post(form_page, new_hire(email="p@example.com", last_name="Петров"), nonce_page=form_page)
    first, second = cards_in(session_factory)
    hr = pages(HR_ALL)
    status, body = hr.get("/app/staff/review")
    assert status == 200 and "Новикова" in body and "Петров" in body
    status, location = hr.post("/app/staff/review/approve", {"card_id": str(first.id)})
    assert status == 303 and "approved_n" in location and "n=1" in location
    status, body = hr.post(f"/app/staff/cards/{second.id}/reject", {"reason": " "})
    assert status == 400 and "Укажите причину" in body
    assert hr.post(f"/app/staff/cards/{second.id}/reject", {"reason": "Дубль"})[0] == 303
    first, second = cards_in(session_factory)
    assert first.status == APPROVED and second.status == REJECTED and second.reason == "Дубль"


def test_forged_and_replayed_posts_are_refused(pages: PageFor,
                                               session_factory: sessionmaker[Session]) -> None:
    manager = pages(MANAGER_A)
    form_page = f"/app/staff/store/{STORE_A}/card/new"
    nonce = manager.nonce(form_page)
    # Forged: no CSRF token, or a made-up nonce.
    answer = manager.client.post(form_page, data={"t": manager.token, "nonce": nonce, **new_hire()})
    assert answer.status_code == 403
    assert manager.post(form_page, new_hire(), nonce="deadbeef.cafe")[0] == 409
    # A nonce of another page session is not valid here either.
    assert manager.post(form_page, new_hire(), nonce=pages(MANAGER_B).nonce(f"/app/staff/store/{STORE_B}/card/new"))[0] == 409
    assert manager.post(form_page, new_hire(), nonce=nonce)[0] == 303
    assert manager.post(form_page, new_hire(email="again@example.com"), nonce=nonce)[0] == 409
    assert len(cards_in(session_factory)) == 1


def test_exports_are_real_workbooks_within_scope(pages: PageFor) -> None:
    manager = pages(MANAGER_A)
    answer = manager.client.get(f"/app/staff/store/{STORE_A}/export.xlsx", query_string={"t": manager.token})
    assert answer.status_code == 200 and "filename*=UTF-8''" in answer.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Фамилия" and sheet.freeze_panes == "A2"
    assert {r[0] for r in rows[1:]} == {"Тверской", "Замов", "Продавцова", "Кассиров"}
    hr = pages(HR_KZ)
    answer = hr.client.get("/app/staff/division/export.xlsx", query_string={"t": hr.token})
    rows = list(load_workbook(BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Регион", "Город", "Магазин")
    assert {r[2] for r in rows[1:]} == {"Магазин Абая"}


def test_store_page_shows_the_employment_date(pages: PageFor) -> None:
    status, body = pages(MANAGER_A).get(f"/app/staff/store/{STORE_A}")
    assert status == 200 and 'class="hide-narrow employment-date">01.03.2019<' in body
    status, body = pages(MANAGER_A).get(f"/app/staff/store/{STORE_A}/card/change", user=SELLER_A)
    assert 'name="employment_date" value="2019-03-01"' in body


def test_audit_log_and_its_export_stay_within_the_division(
        pages: PageFor, session_factory: sessionmaker[Session]) -> None:
    form_page = f"/app/staff/store/{STORE_A}/card/new"
    pages(MANAGER_A).post(form_page, new_hire(), nonce_page=form_page)
    card = cards_in(session_factory)[0]
    hr = pages(HR_ALL)
    hr.post(f"/app/staff/cards/{card.id}/reject", {"reason": "Нет документов"})
    status, body = hr.get("/app/staff/audit")
    assert status == 200 and "Нет документов" in body and "Новикова" in body
    answer = hr.client.get("/app/staff/audit/export.xlsx", query_string={"t": hr.token})
    assert answer.status_code == 200 and "filename*=UTF-8''" in answer.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.freeze_panes == "A2" and rows[0][:3] == ("Когда", "Кто", "Действие")
    actions = {(r[2], r[3]) for r in rows[1:]}
    assert ("отклонена", "Новикова Ольга") in actions and ("создана", "Новикова Ольга") in actions
    assert sheet["A2"].number_format == "DD.MM.YYYY HH:MM"
    assert any("Нет документов" in (r[6] or "") for r in rows[1:])
    hr_kz = pages(HR_KZ)
    assert "Новикова" not in hr_kz.get("/app/staff/audit")[1]
    answer = hr_kz.client.get("/app/staff/audit/export.xlsx", query_string={"t": hr_kz.token})
    assert len(list(load_workbook(BytesIO(answer.data)).active.iter_rows(values_only=True))) == 1
    manager = pages(MANAGER_A)
    assert manager.client.get("/app/staff/audit/export.xlsx",
                              query_string={"t": manager.token}).status_code == 403


def test_hr_overview_lists_overdue_tasks_by_region(pages: PageFor, org: int,
                                                   session_factory: sessionmaker[Session]) -> None:
    from b24app.staff_cards import actualization
    with session_factory.begin() as session:
        assert actualization.plan_tasks(session, org, NOW, "ru") == 3
    manager_b = pages(MANAGER_B)
    manager_b.post(f"/app/staff/store/{STORE_B}/confirm", {}, nonce_page=f"/app/staff/store/{STORE_B}")
    manager_b.services.clock.set(datetime(2026, 12, 12, tzinfo=timezone.utc))  # past every deadline
    hr = pages(HR_ALL)
    status, body = hr.get("/app/staff/actualization")
    assert status == 200 and "<h2>Центр" in body and "<h2>Юг" in body
    assert body.count('class="red overdue"') == 2                           # store A and Абая
    assert f'class="red overdue" data-store-id="{STORE_A}"' in body
    assert f'class="" data-store-id="{STORE_B}"' in body                    # confirmed in time
    status, body = pages(HR_KZ).get("/app/staff/actualization")
    assert "<h2>Юг" in body and "Центр" not in body
    assert pages(MANAGER_A).get("/app/staff/actualization")[0] == 403
    status, body = hr.post("/app/staff/actualization", {"enabled": "1", "day_of_month": "31",
                                                       "deadline_days": "5"},
                           nonce_page="/app/staff/actualization")
    assert status == 400 and "field-error" in body


def test_hr_posts_are_refused_outside_the_division_and_when_replayed(
        pages: PageFor, session_factory: sessionmaker[Session]) -> None:
    form_page = f"/app/staff/store/{STORE_A}/card/new"
    pages(MANAGER_A).post(form_page, new_hire(), nonce_page=form_page)
    card = cards_in(session_factory)[0]
    hr_kz = pages(HR_KZ)
    assert hr_kz.post(f"/app/staff/cards/{card.id}/reject", {"reason": "чужая"})[0] == 403
    assert hr_kz.get(f"/app/staff/cards/{card.id}/amend")[0] == 403            # HR never edits
    hr = pages(HR_ALL)
    nonce = hr.nonce()
    assert hr.post("/app/staff/review/approve", {"card_id": str(card.id)}, nonce=nonce)[0] == 303
    assert hr.post("/app/staff/review/approve", {"card_id": str(card.id)}, nonce=nonce)[0] == 409
    # A token of another user does not make a post that user's.
    answer = hr.client.post("/app/staff/review/approve", data={
        "t": pages(MANAGER_A).token, "csrf": hr.csrf, "nonce": hr.nonce(), "card_id": str(card.id)})
    assert answer.status_code == 403
    assert cards_in(session_factory)[0].status == APPROVED
