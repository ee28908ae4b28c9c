"""Fixtures for the app's edge: the real app served over HTTP, the sandbox portal beside it.

- ``sandbox``: ``python -m sandbox serve --stores 3 --limits off`` in a subprocess (per module).
- ``live_app``: the real Flask app (app.create_app) on a free port, registered as a local app
  on the sandbox (install URL ``/install``, main page ``/app/``), with a fresh database and
  the FixedClock. ``live_app.install()`` makes the sandbox POST the documented install.
- ``known_portal``: a portal row with a known application_token, for tests that need no sandbox.
"""
from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from b24app.clock import FixedClock
from b24app.models import Portal
from b24app.wiring import Services

ROOT = Path(__file__).resolve().parents[3]
APPLICATION_TOKEN = "a" * 32
MEMBER_ID = "edge-member"


@dataclass
class Sandbox:
    base_url: str
    process: subprocess.Popen[bytes]

    def control(self, path: str) -> str:
        return f"{self.base_url}/_sandbox/{path}"

    def info(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(self.control("info"), timeout=5).json()
        return answer

    def admin_webhook(self) -> str:
        return str(self.info()["admin_webhook_url"])

    def rest(self, method: str, params: dict[str, Any]) -> Any:
        answer = requests.post(f"{self.admin_webhook()}{method}", json=params, timeout=10)
        return answer.json()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--stores", "3",
         "--limits", "off"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    handle = Sandbox(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if requests.get(handle.control("info"), timeout=1).ok:
                break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.05)
    yield handle
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class _LateApp:
    """A WSGI callable whose Flask app is set after the socket is bound (port 0)."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


@dataclass
class LiveApp:
    url: str
    app: Flask
    services: Services
    sandbox: Sandbox
    client_id: str
    application_token: str
    clock: FixedClock
    extra: dict[str, Any] = field(default_factory=dict)

    def http(self) -> FlaskClient:
        return self.app.test_client()

    def install(self, user_id: int | None = None) -> dict[str, Any]:
        body = {"user_id": user_id} if user_id else {}
        answer: dict[str, Any] = requests.post(
            self.sandbox.control(f"apps/{self.client_id}/install"), json=body, timeout=30).json()
        return answer

    def placement_post(self, user_id: int, placement: str = "DEFAULT",
                       options: dict[str, Any] | None = None) -> tuple[str, str, dict[str, str]]:
        """Ask the sandbox for a placement opening; return (path, query, form fields)."""
        params: dict[str, Any] = {"user_id": user_id, "placement": placement, "client_id": self.client_id}
        if options:
            import json
            params["options"] = json.dumps(options)
        page = requests.get(self.sandbox.control("open"), params=params, timeout=10)
        page.raise_for_status()
        action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1))  # type: ignore[union-attr]
        fields = {html.unescape(k): html.unescape(v) for k, v in
                  re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page.text)}
        parts = urlsplit(action)
        return parts.path, parts.query, fields


def build_app(services: Services) -> Flask:
    """The lead's create_app; while app.py cannot be imported yet, the same wiring by hand."""
    try:
        from app import create_app
    except ImportError:
        from handlers import register_blueprints
        from handlers.errors import register_error_handlers
        from handlers.templating import register_templating

        app = Flask("app", template_folder=str(ROOT / "templates"))
        app.extensions["b24app"] = services
        register_templating(app)
        register_blueprints(app)
        register_error_handlers(app)
        return app
    return create_app(services.settings, services)


@pytest.fixture
def make_live_app(sandbox: Sandbox, make_services: Callable[..., Services],
                  clock: FixedClock) -> Iterator[Callable[..., LiveApp]]:
    servers: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def make(configure: Callable[[Flask], None] | None = None, **settings_changes: Any) -> LiveApp:
        late = _LateApp()
        server = make_server("127.0.0.1", 0, late, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        registration = requests.post(sandbox.control("apps"), json={
            "code": "storeops", "install_url": f"{url}/install", "handler_base": f"{url}/app/",
            "scopes": ["task", "user", "department", "im", "placement", "basic"]}, timeout=10).json()
        services = make_services(
            client_id=registration["client_id"], client_secret=registration["client_secret"],
            app_base_url=url, oauth_url=f"{sandbox.base_url}/oauth/token/", **settings_changes)
        app = build_app(services)
        if configure is not None:
            configure(app)
        late.app = app
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return LiveApp(url, app, services, sandbox, registration["client_id"],
                       registration["application_token"], clock)

    yield make
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_app(make_live_app: Callable[..., LiveApp]) -> LiveApp:
    return make_live_app()


@pytest.fixture
def known_portal(session_factory: sessionmaker[Session], clock: FixedClock) -> int:
    """An active OAuth portal whose application_token is APPLICATION_TOKEN."""
    with session_factory.begin() as session:
        portal = Portal(member_id=MEMBER_ID, domain="edge.bitrix24.ru", auth_kind="oauth",
                        client_endpoint="http://127.0.0.1:9/rest/", access_token="stored-access",
                        refresh_token="stored-refresh", application_token=APPLICATION_TOKEN,
                        status="active", installed_at=clock.now(), updated_at=clock.now())
        session.add(portal)
        session.flush()
        return portal.id


@pytest.fixture
def app_client(make_services: Callable[..., Services]) -> FlaskClient:
    """The real app with no sandbox behind it (for verification paths that never call out)."""
    services = make_services(app_base_url="http://127.0.0.1:9")
    return build_app(services).test_client()
