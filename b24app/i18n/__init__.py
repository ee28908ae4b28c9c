"""Message catalogs: one JSON file per area and language under b24app/i18n/<lang>/.

Keys are namespaced by area (``common.save``, ``store_opening.title``); every area adds its
own file, so routines never edit each other's catalogs. Russian is the default language;
English is used when the user's (or the portal's) language is English. A key missing from a
catalog falls back to Russian, then to the key itself, so a page never breaks on a gap.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """Return every message of ``lang`` merged from its area files."""
    merged: dict[str, str] = {}
    folder = _ROOT / lang
    for path in sorted(folder.glob("*.json")):
        area = path.stem
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            merged[f"{area}.{key}"] = text
    return merged


def choose_language(*candidates: str | None) -> str:
    """Pick the first supported language among the user's, the portal's, the default."""
    for candidate in candidates:
        if candidate:
            code = candidate.lower()[:2]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def translate(lang: str, key: str, **values: Any) -> str:
    """Return the message ``key`` in ``lang`` with ``{name}`` placeholders filled."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text
