"""Minting OAuth tokens: used by install, placement opens, event deliveries and /oauth/token/."""
from __future__ import annotations

import secrets

from .state import OAuthToken, Portal, RefreshToken

ACCESS_TOKEN_TTL = 3600          # seconds on the sandbox clock
REFRESH_TOKEN_TTL = 180 * 86400


def issue_tokens(portal: Portal, client_id: str, user_id: int, now: float) -> tuple[OAuthToken, RefreshToken]:
    """Create a fresh access/refresh pair for ``user_id`` in app ``client_id``."""
    app = portal.apps[client_id]
    access = OAuthToken(
        access_token=secrets.token_hex(16), client_id=client_id, user_id=user_id,
        expires_at=now + ACCESS_TOKEN_TTL, scopes=list(app.scopes))
    refresh = RefreshToken(
        refresh_token=secrets.token_hex(16), client_id=client_id, user_id=user_id,
        expires_at=now + REFRESH_TOKEN_TTL)
    with portal.lock:
        portal.access_tokens[access.access_token] = access
        portal.refresh_tokens[refresh.refresh_token] = refresh
    return access, refresh
