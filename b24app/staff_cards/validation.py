"""Validate a staff card form field by field; invalid input yields errors and no fields.

Every rule sits next to the field it checks. Errors are message keys (``staff_cards.err_*``)
so pages show them in the user's language. Phone numbers are normalised to E.164:
Russia and Kazakhstan share +7 (10 digits after it), Belarus is +375 (9 digits after it);
the domestic forms 8XXXXXXXXXX (RU/KZ) and 80XXXXXXXXX (BY) are converted.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .models import CHANGE, DISMISSAL, NEW, REHIRE

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’.-][^\W\d_]+)*\.?$")
MAX_NAME = 50
MAX_POSITION = 255
MIN_AGE, MAX_AGE = 14, 100
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True)
class Lookups:
    """What validation needs to know about the world, as plain callables.

    - ``email_owner(email)``: the portal user ID using it (org model), or None;
    - ``email_pending(email)``: the ID of an open card (pending or approved) proposing it, or None;
    - ``store_exists(id)`` / ``store_allowed(id)``: the store is known / in the caller's scope.
    """
    email_owner: Callable[[str], int | None]
    email_pending: Callable[[str], int | None]
    store_exists: Callable[[int], bool]
    store_allowed: Callable[[int], bool]


@dataclass(frozen=True)
class Subject:
    """Which card is being validated: its kind, its person and (when amending) its own ID."""
    kind: str
    target_user_id: int | None = None
    card_id: int | None = None


def normalize_phone(raw: str) -> str | None:
    """Return the phone in E.164 (+7..., +375...), or None when it cannot be one."""
    text = raw.strip()
    if not text:
        return None
    if re.search(r"[^\d+()\s.-]", text) or text.count("+") > 1 or "+" in text[1:]:
        return None
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+")
    if not international:
        if len(digits) == 11 and digits.startswith("80") and digits[2:4] in ("17", "25", "29", "33", "44"):
            digits = "375" + digits[2:]          # Belarus domestic: 8 0xx xxx-xx-xx
        elif len(digits) == 11 and digits[0] in "78":
            digits = "7" + digits[1:]            # Russia / Kazakhstan: 8 xxx xxx-xx-xx
        elif len(digits) == 10 and digits[0] in "3479":
            digits = "7" + digits                # 10 digits without the trunk prefix
    if digits.startswith("375"):
        return "+" + digits if len(digits) == 12 else None
    if digits.startswith("7"):
        return "+" + digits if len(digits) == 11 else None
    if international and 8 <= len(digits) <= 15 and digits[0] != "0":
        return "+" + digits                      # another country: accept any E.164 number
    return None


def parse_date(raw: str) -> date | None:
    """Read YYYY-MM-DD (the date input) or DD.MM.YYYY (typed by hand); None if neither."""
    text = raw.strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text) or None
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if dotted:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        return None
    return None


def _name(raw: str, required: bool) -> tuple[str, str | None]:
    value = " ".join(raw.split())
    if not value:
        return "", "err_required" if required else None
    if len(value) > MAX_NAME:
        return value, "err_too_long"
    if not NAME_RE.match(value):
        return value, "err_name_chars"
    return value, None


def _email(raw: str, subject: Subject, lookups: Lookups) -> tuple[str, str | None]:
    value = raw.strip().lower()
    if not value:
        return "", "err_required"
    if len(value) > 254 or not EMAIL_RE.match(value):
        return value, "err_email_format"
    owner = lookups.email_owner(value)
    if owner is not None and owner != subject.target_user_id:
        return value, "err_email_taken"
    pending = lookups.email_pending(value)
    if pending is not None and pending != subject.card_id:
        return value, "err_email_pending"
    return value, None


def _phone(raw: str) -> tuple[str, str | None]:
    if not raw.strip():
        return "", None
    normalized = normalize_phone(raw)
    return (normalized, None) if normalized else (raw.strip(), "err_phone")


def _store(raw: str, lookups: Lookups) -> tuple[int | None, str | None]:
    try:
        store_id = int(raw.strip())
    except ValueError:
        return None, "err_required" if not raw.strip() else "err_store_unknown"
    if not lookups.store_exists(store_id):
        return None, "err_store_unknown"
    if not lookups.store_allowed(store_id):
        return None, "err_store_scope"
    return store_id, None


def _birth(raw: str, today: date) -> tuple[str, str | None]:
    if not raw.strip():
        return "", None
    born = parse_date(raw)
    if born is None:
        return raw.strip(), "err_date"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        return born.isoformat(), "err_birth_age"
    return born.isoformat(), None


def _day(raw: str, today: date, required: bool) -> tuple[str, str | None]:
    if not raw.strip():
        return "", "err_required" if required else None
    day = parse_date(raw)
    if day is None:
        return raw.strip(), "err_date"
    if (day - today).days > MAX_DAYS_AHEAD:
        return day.isoformat(), "err_date_far"
    return day.isoformat(), None


def validate_card(form: Mapping[str, str], subject: Subject, lookups: Lookups,
                  today: date) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Return (clean fields, {}) or (None, {field: message key}) for a card form."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def keep(name: str, result: tuple[Any, str | None]) -> None:
        values[name], error = result
        if error:
            errors[name] = error

    def get(name: str) -> str:
        return str(form.get(name, "") or "")

    keep("last_name", _name(get("last_name"), required=True))
    keep("first_name", _name(get("first_name"), required=True))
    keep("middle_name", _name(get("middle_name"), required=False))
    keep("email", _email(get("email"), subject, lookups))
    keep("mobile", _phone(get("mobile")))
    position = " ".join(get("position").split())
    values["position"] = position
    if not position:
        errors["position"] = "err_required"
    elif len(position) > MAX_POSITION:
        errors["position"] = "err_too_long"
    keep("store_id", _store(get("store_id"), lookups))
    keep("birth_date", _birth(get("birth_date"), today))
    keep("employment_date", _day(get("employment_date"), today, required=subject.kind == NEW))
    keep("dismissal_date", _day(get("dismissal_date"), today,
                                required=subject.kind == DISMISSAL))
    if subject.kind != DISMISSAL:
        values["dismissal_date"] = ""
        errors.pop("dismissal_date", None)
    elif (values["employment_date"] and values["dismissal_date"] and "dismissal_date" not in errors
          and values["dismissal_date"] < values["employment_date"]):
        errors["dismissal_date"] = "err_dismissal_before_employment"
    if subject.kind in (CHANGE, DISMISSAL, REHIRE) and subject.target_user_id is None:
        errors["target"] = "err_no_target"
    return (None, errors) if errors else (values, {})
