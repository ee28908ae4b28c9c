"""What Bitrix24 POSTs to applications: PHP-bracket form fields and the ``auth[...]`` block.

Shared by event delivery (sandbox/events.py), the install POST and placement pages
(sandbox/apps.py). Sources: rest-facts §9 "Delivery payload", on-app-install.md, simple-way.md.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .runtime import Sandbox
from .state import App, OAuthToken, RefreshToken

FormFields = list[tuple[str, str]]


def flatten(prefix: str, value: Any) -> FormFields:
    """Encode a value as PHP's http_build_query does: ``a[b][0]=x``; None is left out."""
    if value is None:
        return []
    if isinstance(value, dict):
        fields: FormFields = []
        for key, item in value.items():
            fields += flatten(f"{prefix}[{key}]", item)
        return fields
    if isinstance(value, (list, tuple)):
        fields = []
        for index, item in enumerate(value):
            fields += flatten(f"{prefix}[{index}]", item)
        return fields
    if isinstance(value, bool):
        return [(prefix, "1" if value else "0")]
    return [(prefix, str(value))]


def portal_domain(sandbox: Sandbox) -> str:
    """The portal's host as the app must call it (host:port of the sandbox's base URL)."""
    return urlsplit(sandbox.base_url).netloc or sandbox.portal.domain


def endpoints(sandbox: Sandbox) -> dict[str, str]:
    rest = f"{sandbox.base_url.rstrip('/')}/rest/"
    # The sandbox is also its own OAuth server, so server_endpoint and client_endpoint match.
    return {"client_endpoint": rest, "server_endpoint": rest}


def auth_block(sandbox: Sandbox, app: App, access: OAuthToken | None,
               refresh: RefreshToken | None = None) -> dict[str, Any]:
    """The ``auth`` map of an event; without a token only the identity fields (system events)."""
    ends = endpoints(sandbox)
    block: dict[str, Any] = {}
    if access is not None:
        now = sandbox.clock.timestamp()
        block.update({"access_token": access.access_token, "expires": int(access.expires_at),
                      "expires_in": max(0, int(access.expires_at - now)),
                      "scope": ",".join(app.scopes)})
    block.update({"domain": portal_domain(sandbox), "server_endpoint": ends["server_endpoint"]})
    if access is not None:
        block["status"] = "L"
    block.update({"client_endpoint": ends["client_endpoint"], "member_id": sandbox.portal.member_id})
    if access is not None:
        block["user_id"] = access.user_id
    if refresh is not None:
        block["refresh_token"] = refresh.refresh_token
    block["application_token"] = app.application_token
    return block


def event_form(event: str, handler_id: int | None, data: dict[str, Any], ts: int,
               auth: dict[str, Any]) -> FormFields:
    """The whole form body: event, event_handler_id, data[...], ts, auth[...]."""
    fields: FormFields = [("event", event.upper())]
    if handler_id is not None:
        fields.append(("event_handler_id", str(handler_id)))
    fields += flatten("data", data)
    fields.append(("ts", str(ts)))
    fields += flatten("auth", auth)
    return fields
