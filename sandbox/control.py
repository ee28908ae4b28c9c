"""Control and observation endpoints under ``/_sandbox/`` (JSON), for tests, benches and demos.

These are sandbox-only: a real portal has none of them. They never answer tokens or webhook
codes except where that is their purpose (``webhook``, ``info``'s admin webhook URL,
``auth-code``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import request as flask_request
from werkzeug.wrappers import Response

from .clock import PORTAL_TZ
from .envelope import json_response
from .errors import RestError
from .faults import FAULT_KINDS, FaultPlan
from .registry import to_int
from .transport import parse_request, php_bool

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")


def bad_request(description: str) -> RestError:
    return RestError("INVALID_REQUEST", description, 400)


def not_found(description: str) -> RestError:
    return RestError("NOT_FOUND", description, 404)


def _params() -> dict[str, Any]:
    return parse_request(flask_request)


def _ctx() -> Any:
    from .server import context
    return context()


@bp.errorhandler(RestError)
def rest_error(error: RestError) -> Response:
    return json_response(error.envelope(), error.status)


@bp.route("/info", methods=["GET"])
def info() -> Response:
    ctx = _ctx()
    base = ctx.sandbox.base_url
    return json_response({
        "member_id": ctx.portal.member_id,
        "domain": ctx.portal.domain,
        "base_url": base,
        "rest_url": f"{base}/rest/",
        "oauth_token_url": f"{base}/oauth/token/",
        "admin_webhook_url": ctx.webhook_url(ctx.admin_webhook()),
        "portal_ui_url": f"{base}/",
        "control_url": f"{base}/_sandbox/",
        "limits": ctx.limits.describe(),
        "clock": _clock_state(ctx),
    })


@bp.route("/webhook", methods=["GET", "POST"])
def webhook() -> Response:
    ctx = _ctx()
    params = _params()
    try:
        user_id = to_int(params.get("user_id"), "user_id")
    except RestError:
        raise bad_request("user_id is required and must be an integer")
    if user_id not in ctx.portal.users:
        raise not_found(f"no user {user_id}")
    scopes = params.get("scopes") or []
    if isinstance(scopes, str):
        scopes = [s.strip() for s in scopes.split(",") if s.strip()]
    hook = ctx.create_webhook(user_id, list(scopes))
    return json_response({"url": ctx.webhook_url(hook), "user_id": user_id, "scopes": hook.scopes})


@bp.route("/stats", methods=["GET"])
def stats() -> Response:
    ctx = _ctx()
    snapshot = ctx.stats.snapshot()
    snapshot["faults_injected"] = ctx.faults.injected
    return json_response(snapshot)


@bp.route("/stats/reset", methods=["POST"])
def stats_reset() -> Response:
    _ctx().stats.reset()
    return json_response({"reset": True})


def _clock_state(ctx: Any) -> dict[str, Any]:
    clock = ctx.sandbox.clock
    return {"now": clock.now().isoformat(timespec="seconds"), "timestamp": clock.timestamp(),
            "offset_seconds": clock.offset}


@bp.route("/clock", methods=["GET", "POST"])
def clock() -> Response:
    ctx = _ctx()
    if flask_request.method == "POST":
        params = _params()
        sandbox_clock = ctx.sandbox.clock
        if php_bool(params.get("reset")):
            sandbox_clock.reset()
        elif params.get("now") is not None:
            try:
                instant = datetime.fromisoformat(str(params["now"]))
            except ValueError:
                raise bad_request("now must be an ISO 8601 date-time")
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=PORTAL_TZ)
            sandbox_clock.set(instant)
        elif params.get("advance") is not None:
            try:
                sandbox_clock.advance(float(params["advance"]))
            except (TypeError, ValueError):
                raise bad_request("advance must be a number of seconds")
        else:
            raise bad_request('POST {"now": ISO}, {"advance": seconds} or {"reset": true}')
    return json_response(_clock_state(ctx))


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults() -> Response:
    ctx = _ctx()
    if flask_request.method == "DELETE":
        ctx.faults.clear()
    elif flask_request.method == "POST":
        ctx.faults.configure(_fault_plan(_params()))
    plan = ctx.faults.plan
    return json_response({"plan": plan.describe() if plan else None, "injected": ctx.faults.injected})


def _fault_plan(params: dict[str, Any]) -> FaultPlan:
    try:
        rate = float(params.get("rate", 0))
        kinds = params.get("kinds") or list(FAULT_KINDS)
        if isinstance(kinds, str):
            kinds = [k.strip() for k in kinds.split(",")]
        methods = params.get("methods") or []
        if isinstance(methods, str):
            methods = [m.strip() for m in methods.split(",")]
        plan = FaultPlan(rate=rate, kinds=tuple(str(k) for k in kinds),
                         methods=frozenset(str(m).lower() for m in methods if m),
                         seed=int(params.get("seed", 1)),
                         timeout_seconds=float(params.get("timeout_seconds", 65.0)))
    except (TypeError, ValueError):
        raise bad_request("rate, seed and timeout_seconds must be numbers")
    if not 0.0 <= plan.rate <= 1.0 or not plan.kinds or set(plan.kinds) - set(FAULT_KINDS):
        raise bad_request(f"rate must be in [0, 1] and kinds among {list(FAULT_KINDS)}")
    return plan


@bp.route("/limits", methods=["GET", "POST"])
def limits() -> Response:
    ctx = _ctx()
    if flask_request.method == "POST":
        params = _params()
        if params.get("mode") is not None:
            try:
                ctx.limits.set_mode(str(params["mode"]))
            except ValueError as exc:
                raise bad_request(str(exc))
        if params.get("operating_limit") is not None:
            try:
                ctx.limits.set_operating_limit(float(params["operating_limit"]))
            except (TypeError, ValueError):
                raise bad_request("operating_limit must be a number of seconds")
        if php_bool(params.get("reset_operating")):
            ctx.limits.budget.clear()
    return json_response(ctx.limits.describe())


@bp.route("/tokens/expire", methods=["POST"])
def tokens_expire() -> Response:
    ctx = _ctx()
    params = _params()
    token = params.get("access_token")
    now = ctx.sandbox.clock.timestamp()
    with ctx.portal.lock:
        if token:
            found = ctx.portal.access_tokens.get(str(token))
            if found is None:
                raise not_found("no such access token")
            targets = [found]
        else:
            targets = list(ctx.portal.access_tokens.values())
        for issued in targets:
            issued.expires_at = min(issued.expires_at, now - 1)
    return json_response({"expired": len(targets)})


@bp.route("/auth-code", methods=["POST"])
def auth_code() -> Response:
    ctx = _ctx()
    params = _params()
    client_id = str(params.get("client_id") or "")
    if client_id not in ctx.portal.apps:
        raise not_found(f"no app {client_id!r}")
    try:
        user_id = to_int(params.get("user_id"), "user_id")
    except RestError:
        raise bad_request("user_id is required and must be an integer")
    if user_id not in ctx.portal.users:
        raise not_found(f"no user {user_id}")
    code = ctx.auth_codes.mint(client_id, user_id, ctx.sandbox.clock.timestamp())
    return json_response({"code": code.code, "expires_at": code.expires_at})


@bp.route("/events", methods=["GET"])
def events() -> Response:
    ctx = _ctx()
    log = getattr(ctx.sandbox.events, "log", None)
    if log is None:
        fired = getattr(ctx.sandbox.events, "fired", [])
        entries = [{"event": f.event, "data": f.data, "user_id": f.user_id, "delivered": False}
                   for f in list(fired)]
    else:
        entries = [_plain(entry) for entry in list(log)]
    return json_response({"events": entries})


def _plain(entry: Any) -> Any:
    if hasattr(entry, "__dataclass_fields__"):
        from dataclasses import asdict
        return asdict(entry)
    return entry
