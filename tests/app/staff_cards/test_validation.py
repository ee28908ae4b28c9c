"""Field rules of a staff card: each field is checked next to itself; invalid input saves nothing."""
from __future__ import annotations

from datetime import date

import pytest

from b24app.staff_cards.models import CHANGE, DISMISSAL, NEW
from b24app.staff_cards.validation import Lookups, Subject, normalize_phone, parse_date, validate_card

TODAY = date(2026, 12, 4)


def lookups(owners: dict[str, int] | None = None, pending: dict[str, int] | None = None,
            stores: frozenset[int] = frozenset({10, 11}), allowed: frozenset[int] = frozenset({10})) -> Lookups:
    return Lookups(email_owner=lambda e: (owners or {}).get(e),
                   email_pending=lambda e: (pending or {}).get(e),
                   store_exists=lambda s: s in stores, store_allowed=lambda s: s in allowed)


def form(**changes: str) -> dict[str, str]:
    base = {"last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
            "email": "Maria.Ivanova@Example.com", "mobile": "8 (916) 123-45-67",
            "position": "Продавец-консультант", "store_id": "10", "birth_date": "1995-03-08",
            "employment_date": "2026-12-01", "dismissal_date": ""}
    base.update(changes)
    return base


@pytest.mark.parametrize("raw, expected", [
    ("8 (916) 123-45-67", "+79161234567"),          # Russia, domestic trunk 8
    ("+7 916 123 45 67", "+79161234567"),
    ("79161234567", "+79161234567"),
    ("9161234567", "+79161234567"),
    ("8 701 123 45 67", "+77011234567"),             # Kazakhstan shares +7
    ("+7 (727) 250-00-00", "+77272500000"),
    ("+375 29 123-45-67", "+375291234567"),         # Belarus
    ("8 029 123 45 67", "+375291234567"),            # Belarus domestic 8 0xx
    ("375291234567", "+375291234567"),
    ("+49 30 1234567", "+49301234567"),              # elsewhere: any E.164
])
def test_phone_is_normalized_to_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "+7 916 123 45", "+375 29 123 45", "8-916-abc-45-67",
                                 "++79161234567", "+0123456789"])
def test_bad_phone_is_refused(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_valid_new_card_is_cleaned() -> None:
    fields, errors = validate_card(form(), Subject(NEW), lookups(), TODAY)
    assert errors == {}
    assert fields is not None
    assert fields["email"] == "maria.ivanova@example.com"
    assert fields["mobile"] == "+79161234567"
    assert fields["store_id"] == 10 and fields["birth_date"] == "1995-03-08"


def test_dotted_dates_are_read() -> None:
    assert parse_date("08.03.1995") == date(1995, 3, 8)
    assert parse_date("31.02.1995") is None


@pytest.mark.parametrize("field, value, error", [
    ("last_name", "", "err_required"),
    ("first_name", "Мария2", "err_name_chars"),
    ("last_name", "Я" * 51, "err_too_long"),
    ("email", "", "err_required"),
    ("email", "maria@", "err_email_format"),
    ("email", "maria ivanova@example.com", "err_email_format"),
    ("mobile", "12345", "err_phone"),
    ("position", "  ", "err_required"),
    ("store_id", "", "err_required"),
    ("store_id", "99", "err_store_unknown"),
    ("store_id", "11", "err_store_scope"),
    ("store_id", "abc", "err_store_unknown"),
    ("birth_date", "2020-01-01", "err_birth_age"),
    ("birth_date", "1990-13-01", "err_date"),
    ("employment_date", "", "err_required"),
    ("employment_date", "2029-01-01", "err_date_far"),
])
def test_each_field_has_its_own_error(field: str, value: str, error: str) -> None:
    fields, errors = validate_card(form(**{field: value}), Subject(NEW), lookups(), TODAY)
    assert fields is None
    assert errors == {field: error}


def test_email_used_by_another_portal_user_is_refused() -> None:
    taken = lookups(owners={"maria.ivanova@example.com": 55})
    assert validate_card(form(), Subject(NEW), taken, TODAY)[1] == {"email": "err_email_taken"}
    # The person's own e-mail is fine on a change of that person.
    assert validate_card(form(), Subject(CHANGE, 55), taken, TODAY)[1] == {}


def test_email_in_another_pending_card_is_refused() -> None:
    pending = lookups(pending={"maria.ivanova@example.com": 7})
    assert validate_card(form(), Subject(NEW), pending, TODAY)[1] == {"email": "err_email_pending"}
    # Amending card 7 itself keeps its own e-mail.
    assert validate_card(form(), Subject(NEW, None, 7), pending, TODAY)[1] == {}


def test_dismissal_needs_a_date_not_before_employment() -> None:
    assert validate_card(form(), Subject(DISMISSAL, 5), lookups(), TODAY)[1] == {
        "dismissal_date": "err_required"}
    errors = validate_card(form(dismissal_date="2026-11-01"), Subject(DISMISSAL, 5), lookups(), TODAY)[1]
    assert errors == {"dismissal_date": "err_dismissal_before_employment"}
    fields, errors = validate_card(form(dismissal_date="10.12.2026"), Subject(DISMISSAL, 5), lookups(), TODAY)
    assert errors == {} and fields is not None and fields["dismissal_date"] == "2026-12-10"


def test_change_without_a_person_is_refused() -> None:
    assert validate_card(form(), Subject(CHANGE), lookups(), TODAY)[1] == {"target": "err_no_target"}
