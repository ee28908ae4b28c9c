"""Bitrix24-style REST errors.

Every failure a method can report is a RestError; the server turns it into the documented
envelope ``{"error": CODE, "error_description": TEXT}`` with the HTTP status of rest-facts §2.
"""
from __future__ import annotations

from typing import Any


class RestError(Exception):
    """A Bitrix24 REST error: code, human text, HTTP status, optional extra envelope keys."""

    def __init__(self, code: str, description: str = "", status: int = 400,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.status = status
        self.extra = extra or {}

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "error_description": self.description}
        body.update(self.extra)
        return body


def core_error(description: str) -> RestError:
    """The generic method error: HTTP 400 ERROR_CORE, legacy messages end in <br>."""
    return RestError("ERROR_CORE", description, 400)


def argument_error(description: str, argument: str | None = None) -> RestError:
    extra = {"argument": argument} if argument else None
    return RestError("ERROR_ARGUMENT", description, 400, extra)


def access_denied(description: str = "Access denied!") -> RestError:
    return RestError("ACCESS_DENIED", description, 403)


def task_action_not_allowed() -> RestError:
    """The tasks controller's answer for a missing task, no access or a bad transition."""
    return RestError("0", "Action on the task is not allowed", 400)


def missing_parameter(name: str) -> RestError:
    """The tasks controller's numeric code 100 for a required parameter."""
    return RestError("100", f"Could not find value for parameter {{{name}}}", 400)


def method_not_found() -> RestError:
    return RestError("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)


def no_auth() -> RestError:
    return RestError("NO_AUTH_FOUND", "Wrong authorization data", 401)


def expired_token() -> RestError:
    return RestError("expired_token", "The access token provided has expired.", 401)


def insufficient_scope() -> RestError:
    return RestError("insufficient_scope", "The request requires higher privileges than provided by the access token", 403)


def wrong_auth_type() -> RestError:
    return RestError("WRONG_AUTH_TYPE", "Current authorization type is denied for this method", 403)
