"""Template globals: translation, the caller's language, navigation and flashed messages.

Pages are server-rendered Jinja templates extending templates/base.html. Messages come from
the catalogs in b24app/i18n, never from strings in Python code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g, get_flashed_messages, request

from b24app.i18n import choose_language, translate


@dataclass(frozen=True)
class NavItem:
    label: str      # message key
    url: str
    active: bool


def current_language() -> str:
    """The caller's language (page session), else ?lang=, else Russian."""
    caller = getattr(g, "caller", None)
    return choose_language(getattr(caller, "lang", None), request.args.get("lang"))


def _nav_items() -> list[NavItem]:
    caller = getattr(g, "caller", None)
    builder = getattr(g, "nav_builder", None)
    if caller is None or builder is None:
        return []
    items: list[NavItem] = builder(caller)
    return items


def register_templating(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        lang = current_language()

        def t(key: str, **values: Any) -> str:
            return translate(lang, key, **values)

        return {
            "t": t,
            "lang": lang,
            "caller": getattr(g, "caller", None),
            "nav_items": _nav_items(),
            "flashes": get_flashed_messages(with_categories=True) if _session_usable() else [],
        }


def _session_usable() -> bool:
    # Cookies may be blocked inside the Bitrix24 iframe; flashed messages then simply vanish.
    return bool(request.cookies)
