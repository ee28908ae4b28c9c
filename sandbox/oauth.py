"""The OAuth server stub at ``/oauth/token/`` ([D:settings/oauth/index.md], rest-facts §9).

``grant_type=authorization_code`` exchanges a code (minted through /_sandbox/auth-code, valid
30 s on the sandbox clock, single use); ``grant_type=refresh_token`` rotates the pair: a used
refresh token is dead (``invalid_grant``). Error statuses follow the official Python SDK's
map (b24pysdk errors/oauth.py): invalid_request, invalid_client and invalid_grant are 400.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import request as flask_request
from werkzeug.wrappers import Response

from .envelope import json_response
from .errors import RestError
from .state import OAuthToken, Portal, RefreshToken
from .tokens import issue_tokens
from .transport import parse_request

bp = Blueprint("sandbox_oauth", __name__)

AUTH_CODE_TTL = 30.0


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_id: int
    expires_at: float


class AuthCodes:
    """Authorization codes waiting to be exchanged (kept in memory only)."""

    def __init__(self) -> None:
        self._codes: dict[str, AuthCode] = {}
        self._lock = threading.Lock()

    def mint(self, client_id: str, user_id: int, now: float) -> AuthCode:
        code = AuthCode(secrets.token_hex(16), client_id, user_id, now + AUTH_CODE_TTL)
        with self._lock:
            self._codes[code.code] = code
        return code

    def consume(self, code: str, client_id: str, now: float) -> AuthCode | None:
        """Take a code out (single use); None when unknown, expired or another client's."""
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found.client_id != client_id or found.expires_at <= now:
            return None
        return found


def oauth_error(code: str, description: str = "") -> RestError:
    return RestError(code, description, 400)


def _error_body(error: RestError) -> Response:
    body: dict[str, Any] = {"error": error.code}
    if error.description:
        body["error_description"] = error.description
    return json_response(body, error.status)


def token_response(portal: Portal, base_url: str, access: OAuthToken, refresh: RefreshToken,
                   now: float) -> dict[str, Any]:
    """The documented token answer (rest-facts §9)."""
    host = base_url.split("://", 1)[-1]
    return {
        "access_token": access.access_token,
        "expires": int(access.expires_at),
        "expires_in": int(round(access.expires_at - now)),
        "scope": ",".join(access.scopes),
        "domain": host,
        "server_endpoint": f"{base_url}/rest/",
        "status": "L",
        "client_endpoint": f"{base_url}/rest/",
        "member_id": portal.member_id,
        "user_id": access.user_id,
        "refresh_token": refresh.refresh_token,
    }


def exchange(portal: Portal, codes: AuthCodes, params: dict[str, Any], now: float) -> tuple[OAuthToken, RefreshToken]:
    """Validate a token request and mint the new pair; raise the documented OAuth errors."""
    grant_type = str(params.get("grant_type") or "")
    if grant_type not in ("authorization_code", "refresh_token"):
        raise oauth_error("invalid_request", 'Unsupported or missing "grant_type" parameter')
    client_id = str(params.get("client_id") or "")
    client_secret = str(params.get("client_secret") or "")
    with portal.lock:
        app = portal.apps.get(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, client_secret):
            raise oauth_error("invalid_client")
        if grant_type == "refresh_token":
            user_id = _use_refresh_token(portal, client_id, params.get("refresh_token"), now)
        else:
            user_id = _use_code(codes, client_id, params.get("code"), now)
        user = portal.users.get(user_id)
        if user is None or not user.active:
            raise oauth_error("invalid_grant")
        return issue_tokens(portal, client_id, user_id, now)


def _use_refresh_token(portal: Portal, client_id: str, token: Any, now: float) -> int:
    if not token:
        raise oauth_error("invalid_request", 'No "refresh_token" parameter found')
    stored = portal.refresh_tokens.get(str(token))
    if stored is None or stored.used or stored.client_id != client_id or stored.expires_at <= now:
        raise oauth_error("invalid_grant")
    stored.used = True
    return stored.user_id


def _use_code(codes: AuthCodes, client_id: str, code: Any, now: float) -> int:
    if not code:
        raise oauth_error("invalid_request", 'No "code" parameter found')
    found = codes.consume(str(code), client_id, now)
    if found is None:
        raise oauth_error("invalid_grant")
    return found.user_id


@bp.route("/oauth/token/", methods=["GET", "POST"], strict_slashes=False)
def token_endpoint() -> Response:
    from .server import context
    ctx = context()
    ctx.stats.oauth_request()
    try:
        params = parse_request(flask_request)
        now = ctx.sandbox.clock.timestamp()
        access, refresh = exchange(ctx.portal, ctx.auth_codes, params, now)
    except RestError as exc:
        ctx.stats.rejection(exc.code)
        return _error_body(exc)
    return json_response(token_response(ctx.portal, ctx.sandbox.base_url, access, refresh, now))
