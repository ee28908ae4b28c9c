"""The sandbox's HTTP face: REST routes, the envelope, limits and faults, and the WSGI server.

Routes (rest-facts §1):
- ``/rest/{user_id}/{code}/{method}[.json]``: an inbound webhook acting as that user,
  limited to the webhook's scopes;
- ``/rest/{method}[.json]``: an application call with ``auth`` in the query, form or JSON body;
- ``/oauth/token/`` (sandbox.oauth) and ``/_sandbox/...`` (sandbox.control);
- S3's blueprints ``sandbox.apps:bp`` and ``sandbox.ui:bp`` when those modules exist.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask import request as flask_request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from . import control, oauth
from .authn import token_auth, webhook_auth
from .dispatch import Dispatcher, internal_error
from .envelope import error_response, json_response, time_block
from .errors import RestError, method_not_found
from .faults import FaultInjector, fault_error
from .keepalive import SandboxRequestHandler
from .limits import Limits, OperatingState
from .methods import load_all
from .oauth import AuthCodes
from .registry import Page
from .runtime import Sandbox
from .state import Portal, Webhook
from .stats import Stats
from .transport import parse_request

log = logging.getLogger(__name__)

CONTEXT_KEY = "sandbox_context"
REST_PREFIX = "/rest/"
SHUTDOWN_POLL_SECONDS = 0.05          # how soon stop() takes effect (tests start many servers)
API_PREFIXES = ("/rest", "/oauth", "/_sandbox")      # answered in JSON, errors included
OPTIONAL_BLUEPRINTS = ("sandbox.apps", "sandbox.ui")


@dataclass
class ServerContext:
    """Everything the HTTP layer adds around the in-process Sandbox."""
    sandbox: Sandbox
    limits: Limits
    stats: Stats = field(default_factory=Stats)
    faults: FaultInjector = field(default_factory=FaultInjector)
    dispatcher: Dispatcher = field(init=False)
    auth_codes: AuthCodes = field(default_factory=AuthCodes)

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(self.sandbox, self.limits, self.stats)

    @property
    def portal(self) -> Portal:
        return self.sandbox.portal

    def webhook_url(self, hook: Webhook) -> str:
        return f"{self.sandbox.base_url}/rest/{hook.user_id}/{hook.code}/"

    def admin_webhook(self) -> Webhook:
        """Return the portal's admin webhook (every scope), creating one if the seed made none."""
        with self.portal.lock:
            for hook in self.portal.webhooks.values():
                user = self.portal.users.get(hook.user_id)
                if user is not None and user.is_admin and user.active and not hook.scopes:
                    return hook
            admins = sorted(u.id for u in self.portal.users.values() if u.is_admin and u.active)
            if not admins:
                raise LookupError("the portal has no active admin user")
            return self.create_webhook(admins[0], [])

    def create_webhook(self, user_id: int, scopes: list[str]) -> Webhook:
        with self.portal.lock:
            hook = Webhook(code=secrets.token_hex(8), user_id=user_id, scopes=scopes)
            self.portal.webhooks[hook.code] = hook
            return hook


def context() -> ServerContext:
    from flask import current_app
    ctx: ServerContext = current_app.extensions[CONTEXT_KEY]
    return ctx


def split_format(method: str) -> tuple[str, str]:
    """``user.get.json`` → (``user.get``, ``json``); the suffix is optional."""
    lowered = method.lower()
    for suffix in ("json", "xml"):
        if lowered.endswith("." + suffix):
            return method[: -len(suffix) - 1], suffix
    return method, "json"


def render_success(result: Any, start: float, finish: float, processing: float,
                   operating: OperatingState | None) -> dict[str, Any]:
    """The success envelope: result, next/total for pages, and the time block."""
    body: dict[str, Any] = {}
    if isinstance(result, Page):
        body["result"] = result.items
        if result.next is not None:
            body["next"] = result.next
        body["total"] = result.total or 0      # fast mode (start=-1): total 0, no next
    else:
        body["result"] = result
    body["time"] = time_block(start, max(finish, start), processing, operating)
    return body


class RestView:
    """Handles one REST HTTP request from routing to the envelope."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx

    def route(self, request: Request) -> Response:
        """Dispatch ``/rest/...`` by its segments: 1 = application call, 3 = webhook call."""
        if request.method not in ("GET", "POST"):
            return error_response(RestError("METHOD_NOT_ALLOWED", "Use GET or POST", 405))
        segments = request.path[len(REST_PREFIX):].strip("/").split("/")
        if len(segments) == 1 and segments[0]:
            return self.handle(request, segments[0], None, None)
        if len(segments) == 3 and all(segments):
            return self.handle(request, segments[2], segments[0], segments[1])
        return error_response(method_not_found())

    def handle(self, request: Request, method: str, user_id: str | None, code: str | None) -> Response:
        ctx = self.ctx
        start = ctx.sandbox.clock.timestamp()
        name, fmt = split_format(method)
        name = name.strip().lower()
        ctx.stats.http_request(name)
        try:
            if fmt != "json":
                raise RestError("INVALID_REQUEST", "The sandbox answers JSON only; .xml is not supported", 400)
            params = parse_request(request)
            token = params.pop("auth", None)
            if user_id is not None and code is not None:
                auth = webhook_auth(ctx.portal, user_id, code)
            else:
                auth = token_auth(ctx.portal, token, ctx.sandbox.clock.timestamp())
            ctx.limits.admit_request()
            self._inject_fault(name)
            outcome = ctx.dispatcher.run(name, params, auth)
        except RestError as exc:
            ctx.stats.rejection(exc.code)
            return error_response(exc)
        except Exception:
            log.exception("REST request for %s failed", name)
            ctx.stats.rejection("INTERNAL_SERVER_ERROR")
            return error_response(internal_error())
        if outcome.error is not None:
            return error_response(outcome.error)
        try:
            body = render_success(outcome.result, start, ctx.sandbox.clock.timestamp(),
                                  outcome.processing, outcome.operating)
            return json_response(body)
        except Exception:
            log.exception("REST result of %s could not be rendered", name)
            ctx.stats.rejection("INTERNAL_SERVER_ERROR")
            return error_response(internal_error())

    def _inject_fault(self, name: str) -> None:
        kind = self.ctx.faults.draw(name)
        if kind is None:
            return
        if kind == "timeout":
            plan = self.ctx.faults.plan
            time.sleep(plan.timeout_seconds if plan else 0)
        raise fault_error(kind)


class RestFastPath:
    """WSGI middleware serving ``/rest/`` without Flask's routing and contexts.

    REST is the hot path (the ≥500 requests/s target on a small machine); every other path
    (OAuth, control, S3's apps and UI blueprints) goes to the Flask app.
    """

    def __init__(self, flask_wsgi: Any, view: RestView) -> None:
        self.flask_wsgi = flask_wsgi
        self.view = view

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(REST_PREFIX):
            request = Request(environ)
            try:
                response = self.view.route(request)
            except Exception:
                log.exception("REST request failed before dispatch")
                response = error_response(internal_error())
            return response(environ, start_response)
        return self.flask_wsgi(environ, start_response)


def _json_http_error(exc: HTTPException) -> Response:
    if exc.code == 404:
        return error_response(method_not_found())
    return error_response(RestError(str(exc.name).upper().replace(" ", "_"), exc.description or "", exc.code or 500))


def create_app(sandbox: Sandbox, limits: Limits | None = None) -> Flask:
    """Build the WSGI app around ``sandbox``: REST, OAuth, control and S3's blueprints."""
    load_all()
    attach_event_dispatcher(sandbox)
    limits = limits or Limits("standard", sandbox.clock.timestamp)
    ctx = ServerContext(sandbox, limits)
    app = Flask("sandbox")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[CONTEXT_KEY] = ctx
    app.extensions["sandbox"] = sandbox
    app.config["SANDBOX"] = sandbox
    app.wsgi_app = RestFastPath(app.wsgi_app, RestView(ctx))  # type: ignore[method-assign]
    app.register_blueprint(oauth.bp)
    app.register_blueprint(control.bp)
    for module_name in OPTIONAL_BLUEPRINTS:
        if importlib.util.find_spec(module_name) is not None:
            app.register_blueprint(importlib.import_module(module_name).bp)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if flask_request.path.startswith(API_PREFIXES):
            return _json_http_error(exc)
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s", flask_request.path)
        if flask_request.path.startswith(API_PREFIXES):
            return error_response(internal_error())
        return InternalServerError()

    return app


def attach_event_dispatcher(sandbox: Sandbox) -> None:
    """Use S3's delivering dispatcher when ``sandbox.events`` (the module) exists."""
    if importlib.util.find_spec("sandbox.events") is None:
        return
    module = importlib.import_module("sandbox.events")
    dispatcher_class = getattr(module, "EventDispatcher", None)
    if dispatcher_class is not None and not isinstance(sandbox.events, dispatcher_class):
        sandbox.events = dispatcher_class(sandbox)


class RunningServer:
    """A threaded werkzeug server in a background thread (tests, demo mode, ``serve``)."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0,
                 limits: Limits | None = None) -> None:
        self.sandbox = sandbox
        self.app = create_app(sandbox, limits)
        self.server: BaseWSGIServer = make_server(host, port, self.app, threaded=True,
                                                  request_handler=SandboxRequestHandler)
        self.host = host
        self.port = self.server.server_port
        sandbox.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def context(self) -> ServerContext:
        ctx: ServerContext = self.app.extensions[CONTEXT_KEY]
        return ctx

    @property
    def base_url(self) -> str:
        return self.sandbox.base_url

    def start(self) -> "RunningServer":
        self._call_events("start")
        self._thread = threading.Thread(target=self.server.serve_forever, name="sandbox-http",
                                        kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._call_events("start")
        self.server.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._call_events("stop")

    def _call_events(self, action: str) -> None:
        hook = getattr(self.sandbox.events, action, None)
        if callable(hook):
            hook()
