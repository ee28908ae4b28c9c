"""Who is calling: inbound-webhook codes and OAuth access tokens (rest-facts §1, §2).

Unknown webhook codes and unknown tokens answer 401 NO_AUTH_FOUND (the official system-error
table: "Invalid access token or webhook code"); an expired token answers 401 expired_token.
A dismissed user's webhook and tokens fail like unknown ones.
"""
from __future__ import annotations

from typing import Any

from .errors import expired_token, no_auth
from .registry import Auth
from .state import Portal


def webhook_auth(portal: Portal, user_id: str, code: str) -> Auth:
    """Resolve ``/rest/{user_id}/{code}/``; the webhook acts as its user within its scopes."""
    with portal.lock:
        hook = portal.webhooks.get(code)
        if hook is None or str(hook.user_id) != user_id:
            raise no_auth()
        user = portal.users.get(hook.user_id)
        if user is None or not user.active:
            raise no_auth()
        return Auth(kind="webhook", user_id=hook.user_id, webhook_code=code,
                    scopes=tuple(hook.scopes))


def token_auth(portal: Portal, token: Any, now: float) -> Auth:
    """Resolve an OAuth ``auth`` parameter against the issued access tokens."""
    if not isinstance(token, str) or not token:
        raise no_auth()
    with portal.lock:
        issued = portal.access_tokens.get(token)
        if issued is None or issued.client_id not in portal.apps:
            raise no_auth()
        if issued.expires_at <= now:
            raise expired_token()
        user = portal.users.get(issued.user_id)
        if user is None or not user.active:
            raise no_auth()
        return Auth(kind="oauth", user_id=issued.user_id, client_id=issued.client_id,
                    scopes=tuple(issued.scopes))
