"""Parsing of the scalar values the tasks methods accept: dates, Y/N flags, IDs, tags."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .clock import PORTAL_TZ

# Bitrix24 parses dates with PHP strtotime / the site format: ISO 8601 with or without offset,
# date only, and the Russian site format "dd.mm.YYYY HH:MM:SS" that older clients send.
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
            "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")

# Hashtags in TITLE/DESCRIPTION become tags (Control\Task parseTags).
_HASHTAG = re.compile(r"(?:^|(?<=[\s,.;:!?(\[]))#([^\s,.;:!?#()\[\]<>\"']+)")


def parse_datetime(value: Any) -> datetime | None:
    """Parse a date value; naive values are in the portal time zone. Raise ValueError if bad."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PORTAL_TZ)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if not text:
        return None
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(f"not a date: {value!r}") from None
    assert parsed is not None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PORTAL_TZ)
    return parsed


def parse_yn(value: Any) -> bool | None:
    """Return True/False for Y/N (or a boolean), None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().upper() in ("Y", "N"):
        return value.strip().upper() == "Y"
    if isinstance(value, (int, str)) and str(value).strip() in ("1", "0"):
        return str(value).strip() == "1"
    return None


def as_int(value: Any) -> int | None:
    """Return ``value`` as an int if it is one (or a digit string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_list(value: Any) -> list[Any]:
    """Return a list from a JSON array, a PHP-style indexed map or a single scalar."""
    if value is None or value == "" or value is False:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def id_list(value: Any) -> list[int]:
    """Return the positive integer IDs in ``value``, in order, without duplicates."""
    ids: list[int] = []
    for item in as_list(value):
        number = as_int(item)
        if number is not None and number > 0 and number not in ids:
            ids.append(number)
    return ids


def hashtags(*texts: str) -> list[str]:
    """Return the #hashtags found in the texts."""
    found: list[str] = []
    for text in texts:
        for tag in _HASHTAG.findall(text or ""):
            if tag not in found:
                found.append(tag)
    return found


def merge_tags(*groups: list[str]) -> list[str]:
    """Merge tag lists, dropping blanks and case-insensitive duplicates, keeping order."""
    merged: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for tag in group:
            clean = str(tag).strip()
            if clean and clean.lower() not in seen:
                seen.add(clean.lower())
                merged.append(clean)
    return merged


def camel_to_upper(name: str) -> str:
    """Turn ``responsibleId`` into ``RESPONSIBLE_ID``; UPPER_CASE names pass through."""
    if name.upper() == name:
        return name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def upper_to_camel(name: str) -> str:
    """Turn ``RESPONSIBLE_ID`` into ``responsibleId``."""
    head, *rest = name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)
