"""The placement POST a portal page sends to an app's iframe (settings/oauth/simple-way.md).

Query string: DOMAIN, PROTOCOL (0 http / 1 https), LANG, APP_SID. Body: AUTH_ID,
AUTH_EXPIRES, REFRESH_ID, SERVER_ENDPOINT, member_id, status, PLACEMENT,
PLACEMENT_OPTIONS (a JSON string), APPLICATION_TOKEN, APPLICATION_SCOPE.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from markupsafe import escape

from .errors import RestError
from .payloads import endpoints, portal_domain
from .runtime import Sandbox
from .state import App
from .tokens import ACCESS_TOKEN_TTL, issue_tokens


@dataclass(frozen=True)
class PlacementTarget:
    app: App
    handler: str
    placement: str


def _not_found(text: str) -> RestError:
    return RestError("NOT_FOUND", text, 404)


def resolve_target(sandbox: Sandbox, placement: str, client_id: str = "",
                   binding_id: str = "") -> PlacementTarget:
    """Pick the installed app and handler to open; DEFAULT is the app's own main page."""
    portal = sandbox.portal
    code = placement.strip().upper() or "DEFAULT"
    with portal.lock:
        apps = [a for a in portal.apps.values() if a.installed and (not client_id or a.client_id == client_id)]
        if code == "DEFAULT":
            if not apps:
                raise _not_found("No installed application")
            return PlacementTarget(apps[0], apps[0].handler_base, code)
        bindings = [b for b in portal.placements.values()
                    if b.placement == code and any(a.client_id == b.client_id for a in apps)
                    and (not binding_id or str(b.id) == binding_id)]
        if not bindings:
            raise _not_found(f"No handler is bound to placement {code}")
        binding = bindings[0]
        return PlacementTarget(portal.apps[binding.client_id], binding.handler, code)


def placement_fields(sandbox: Sandbox, target: PlacementTarget, user_id: int,
                     options: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """The action URL (with the query part) and the body fields of the POST."""
    user = sandbox.portal.users.get(user_id)
    if user is None or not user.active:
        raise RestError("INVALID_REQUEST", "user_id must be an active portal user", 400)
    access, refresh = issue_tokens(sandbox.portal, target.app.client_id, user_id,
                                   sandbox.clock.timestamp())
    scheme = urlsplit(sandbox.base_url).scheme
    query = urlencode({"DOMAIN": portal_domain(sandbox), "PROTOCOL": 1 if scheme == "https" else 0,
                       "LANG": user.language or "ru", "APP_SID": secrets.token_hex(16)})
    action = f"{target.handler}{'&' if '?' in target.handler else '?'}{query}"
    # PHP json_encode of an empty array is "[]"; options are objects otherwise.
    encoded_options = json.dumps(options, ensure_ascii=False) if options else "[]"
    fields = [
        ("AUTH_ID", access.access_token), ("AUTH_EXPIRES", str(ACCESS_TOKEN_TTL)),
        ("REFRESH_ID", refresh.refresh_token),
        ("SERVER_ENDPOINT", endpoints(sandbox)["server_endpoint"]),
        ("member_id", sandbox.portal.member_id), ("status", "L"),
        ("PLACEMENT", target.placement), ("PLACEMENT_OPTIONS", encoded_options),
        ("APPLICATION_TOKEN", target.app.application_token),
        ("APPLICATION_SCOPE", ",".join(target.app.scopes)),
    ]
    return action, fields


def self_submitting_form(action: str, fields: list[tuple[str, str]]) -> str:
    """An HTML page that POSTs ``fields`` to ``action`` as soon as it loads."""
    inputs = "\n".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                       for k, v in fields)
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Приложение</title>'
        '</head><body>'
        f'<form id="placement" method="post" action="{escape(action)}">{inputs}'
        '<noscript><button type="submit">Открыть приложение</button></noscript></form>'
        '<script>document.getElementById("placement").submit();</script></body></html>'
    )
