"""Who is opening a page: ask the portal with the caller's own AUTH_ID (rest-facts §9).

The placement POST's AUTH_ID is the user's token, not the app's: one ``batch`` with
``user.current`` and ``user.admin`` tells who they are and whether they administer the
portal. Pass the ``client_endpoint`` stored at install, never one taken from the POST
(DOMAIN/SERVER_ENDPOINT can be forged); an AUTH_ID from another portal then fails with 401.
This is a single synchronous request per page open (``requests``), outside the app's
per-portal budget: it runs on the user's own token.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import requests

from .commands import command_text
from .envelope import batch_results, error_from_body
from .errors import B24ApiError, B24TransportError
from .transport import scrub


@dataclass(frozen=True)
class CallerIdentity:
    user_id: int
    is_admin: bool
    lang: str
    name: str


def whoami(client_endpoint: str, auth_id: str, *, timeout: float = 10.0) -> CallerIdentity:
    """Return the user behind ``auth_id``; raise typed errors (AuthFailed for a bad AUTH_ID)."""
    body: dict[str, Any] = {"halt": 0, "auth": auth_id,
            "cmd": {"me": command_text("user.current", None), "admin": command_text("user.admin", None)}}
    url = client_endpoint.rstrip("/") + "/batch"
    try:
        response = requests.post(url, json=body, timeout=timeout,
                                 headers={"Accept": "application/json"}, allow_redirects=False)
    except requests.RequestException as exc:
        raise B24TransportError(scrub(f"portal unreachable: {type(exc).__name__}")) from None
    if response.status_code >= 300:
        raise error_from_body(response.status_code, response.content)
    try:
        envelope = response.json()
    except ValueError:
        raise B24ApiError("INVALID_RESPONSE", "the portal answered non-JSON", response.status_code) from None
    results = batch_results(envelope, ["me", "admin"])
    me, admin = results["me"], results["admin"]
    for outcome in (me, admin):
        if outcome.error is not None:
            raise outcome.error
    return _identity(me.result, admin.result)


def _identity(user: Any, admin: Any) -> CallerIdentity:
    if not isinstance(user, Mapping) or not str(user.get("ID", "")).isdigit():
        raise B24ApiError("INVALID_RESPONSE", "user.current returned no user ID", 200)
    name = " ".join(str(user.get(k) or "").strip() for k in ("NAME", "LAST_NAME")).strip()
    return CallerIdentity(user_id=int(user["ID"]), is_admin=admin is True or admin in ("Y", "1", 1),
                          lang=str(user.get("LANGUAGE_ID") or user.get("LANGUAGE") or ""),
                          name=name)
