"""Typed Bitrix24 errors. Callers catch at the level that suits them.

    B24Error
    ├── B24TransportError          network failure or timeout (transient)
    ├── PortalUnavailable          the portal is flagged (tokens dead, uninstalled); needs an admin
    └── B24ApiError(code, status)  the portal answered with an error envelope
        ├── RateLimited            503 QUERY_LIMIT_EXCEEDED (transient)
        ├── OperationTimeLimit     429 OPERATION_TIME_LIMIT (transient, wait for reset_at)
        ├── TokenExpired           401 expired_token (refresh once, then retry once)
        ├── AuthFailed             other 401s: NO_AUTH_FOUND, invalid_token, ... (permanent)
        ├── AccessDenied           403 ACCESS_DENIED, insufficient_scope, WRONG_AUTH_TYPE, ...
        ├── NotFound               404 ERROR_METHOD_NOT_FOUND, ERROR_NOT_FOUND
        ├── ServerError            5xx (transient)
        └── (B24ApiError itself)   400 ERROR_CORE, ERROR_ARGUMENT, task controller codes ...

Every error has ``permanent``: only non-permanent ones are retried. ``may_have_run`` marks
the ambiguous ones (a timeout, a dropped connection, a 5xx): the portal may have executed the
call before failing, so a write is not re-sent blindly (the work queue heals it by lookup).
"""
from __future__ import annotations


class B24Error(Exception):
    permanent: bool = True
    may_have_run: bool = False


class B24TransportError(B24Error):
    permanent = False
    may_have_run = True


class PortalUnavailable(B24Error):
    permanent = True


class B24ApiError(B24Error):
    permanent = True

    def __init__(self, code: str, description: str = "", status: int = 400) -> None:
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description
        self.status = status


class RateLimited(B24ApiError):
    permanent = False


class OperationTimeLimit(B24ApiError):
    permanent = False

    def __init__(self, code: str, description: str = "", status: int = 429,
                 reset_at: float | None = None) -> None:
        super().__init__(code, description, status)
        self.reset_at = reset_at


class TokenExpired(B24ApiError):
    permanent = False


class AuthFailed(B24ApiError):
    permanent = True


class AccessDenied(B24ApiError):
    permanent = True


class NotFound(B24ApiError):
    permanent = True


class ServerError(B24ApiError):
    permanent = False
    may_have_run = True


_ACCESS_CODES = {"ACCESS_DENIED", "insufficient_scope", "INVALID_CREDENTIALS", "user_access_error",
                 "WRONG_AUTH_TYPE", "ACCESS_ERROR", "ALLOWED_ONLY_INTRANET_USER"}


def error_from_envelope(status: int, code: str, description: str = "",
                        reset_at: float | None = None) -> B24ApiError:
    """Map an HTTP status and a Bitrix24 error code to the typed error."""
    if code == "QUERY_LIMIT_EXCEEDED" or (status == 503 and code in ("", "OVERLOAD_LIMIT")):
        return RateLimited(code or "QUERY_LIMIT_EXCEEDED", description, status)
    if code == "OPERATION_TIME_LIMIT" or status == 429:
        return OperationTimeLimit(code or "OPERATION_TIME_LIMIT", description, status, reset_at)
    if code == "expired_token":
        return TokenExpired(code, description, status)
    if status == 401:
        return AuthFailed(code, description, status)
    if status == 403 or code in _ACCESS_CODES:
        return AccessDenied(code, description, status)
    if status == 404 or code in ("ERROR_METHOD_NOT_FOUND", "ERROR_NOT_FOUND"):
        return NotFound(code, description, status)
    if status >= 500:
        return ServerError(code or "INTERNAL_SERVER_ERROR", description, status)
    return B24ApiError(code, description, status)
