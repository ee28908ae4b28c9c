"""One-time form nonces: a replayed form post (same nonce twice) is refused.

The page's CSRF token (handlers/auth.py) proves a post comes from a page we served; it stays
valid for the page session, so it cannot stop the same post being sent twice. Each form of
this routine therefore carries a nonce signed with the secret key and bound to the page
token; the first post stores it, a second post with it is a replay.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import FormNonce

NONCE_FIELD = "nonce"


def _signature(secret_key: str, page_token: str, raw: str) -> str:
    message = f"staff-nonce:{page_token}:{raw}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:24]


def issue(secret_key: str, page_token: str) -> str:
    """Return a fresh nonce for one form of this page session."""
    raw = secrets.token_hex(12)
    return f"{raw}.{_signature(secret_key, page_token, raw)}"


def consume(session: Session, portal_id: int, secret_key: str, page_token: str, nonce: str,
            now: datetime) -> bool:
    """Return True the first time a genuine nonce is used; False if forged or replayed."""
    raw, _, signature = nonce.partition(".")
    if not raw or not hmac.compare_digest(_signature(secret_key, page_token, raw), signature):
        return False
    try:
        with session.begin_nested():
            session.add(FormNonce(portal_id=portal_id, nonce=nonce[:64], used_at=now))
    except IntegrityError:
        return False
    return True


def prune(session: Session, older_than: datetime) -> int:
    """Delete nonces used before ``older_than`` (page tokens have expired by then)."""
    result = session.execute(delete(FormNonce).where(FormNonce.used_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


def prune_before(now: datetime, ttl_seconds: int) -> datetime:
    """Return the cut-off for ``prune``: twice the page token's time to live ago."""
    return now - timedelta(seconds=2 * ttl_seconds)
