"""System methods: ``batch``, ``profile``, ``scope``, ``methods`` ([D:api-reference/common/system/])."""
from __future__ import annotations

from typing import Any

from ..batch import run_batch
from ..registry import METHODS, Call, rest_method

BASIC = "basic"


def php_truthy(value: Any) -> bool:
    """PHP's (bool) cast: the docs note that form-data "false" switches ``full`` on."""
    return value not in (None, False, 0, 0.0, "", "0", [], {})


def portal_scopes() -> list[str]:
    """Every scope some registered method needs, except basic (available to all)."""
    return sorted({spec.scope for spec in METHODS.values() if spec.scope not in (BASIC, "")})


def caller_scopes(call: Call) -> list[str]:
    """The app's or webhook's scopes; an unrestricted webhook has every scope."""
    if not call.auth.scopes:
        return portal_scopes()
    return sorted(s for s in call.auth.scopes if s != BASIC)


def listed(name: str) -> bool:
    # `methods` omits module-controller methods such as tasks.task.list (docs: methods.md).
    return not name.startswith("tasks.")


@rest_method("batch", scope=BASIC, batchable=False)
def batch(call: Call) -> dict[str, Any]:
    """Run up to 50 commands in one request."""
    return run_batch(call)


@rest_method("profile", scope=BASIC)
def profile(call: Call) -> dict[str, Any]:
    """Return basic facts about the calling user, no scope needed."""
    user = call.user
    return {
        "ID": str(user.id),
        "ADMIN": user.is_admin,
        "NAME": user.name,
        "LAST_NAME": user.last_name,
        "PERSONAL_GENDER": str(user.extra.get("PERSONAL_GENDER", "")),
        "TIME_ZONE": user.time_zone,
    }


@rest_method("scope", scope=BASIC)
def scope(call: Call) -> list[str]:
    """Return the caller's scopes, or every portal scope with ``full``."""
    if php_truthy(call.get("full", "FULL")):
        return portal_scopes()
    return caller_scopes(call)


@rest_method("methods", scope=BASIC)
def methods(call: Call) -> list[str]:
    """Return method names: the caller's scopes plus basic, one scope, or all with ``full``."""
    wanted = call.get("scope", "SCOPE")
    if wanted is not None:
        target = BASIC if wanted == "" else str(wanted)
        return sorted(n for n, s in METHODS.items() if s.scope == target and listed(n))
    if php_truthy(call.get("full", "FULL")):
        return sorted(n for n in METHODS if listed(n))
    allowed = set(caller_scopes(call)) | {BASIC, ""}
    return sorted(n for n, s in METHODS.items() if s.scope in allowed and listed(n))
