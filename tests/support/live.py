"""Real servers for integration tests: the sandbox portal as a child process, the app over HTTP.

- ``SandboxProcess.start(stores=..., limits=...)``: ``python -m sandbox serve`` on a free port.
- ``start_live_app(sandbox, services_factory)``: the real Flask app (``app.create_app``) on a
  free port, registered on the sandbox as a local application; ``install()`` makes the sandbox
  POST the documented install, ``settle(now)`` runs the worker's jobs until nothing is left,
  ``placement_post(user_id)`` is the placement POST the sandbox would make, ``http()`` a test client.
Nothing here fakes Bitrix24: both sides talk real HTTP.
"""
from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from b24app.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
APP_SCOPES = ["task", "user", "department", "im", "disk", "placement", "sonet_group", "basic"]
# The worker's jobs in the order one round of the worker runs them.
SETTLE_JOBS = ("events_inbox", "portal_setup", "org_sync", "work_queue")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SandboxProcess:
    base_url: str
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, stores: int = 3, limits: str = "off", seed: int = 7, timeout: float = 120) -> "SandboxProcess":
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--stores", str(stores),
             "--seed", str(seed), "--limits", limits],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        handle = cls(f"http://127.0.0.1:{port}", process)
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the sandbox exited: {error[-3000:]}")
            try:
                if requests.get(handle.control("info"), timeout=1).ok:
                    return handle
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the sandbox did not start in time")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def control(self, path: str) -> str:
        return f"{self.base_url}/_sandbox/{path}"

    def info(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(self.control("info"), timeout=5).json()
        return answer

    def admin_webhook(self) -> str:
        """The portal's admin webhook URL (every scope)."""
        return str(self.info()["admin_webhook_url"])

    def webhook(self, user_id: int) -> str:
        """A webhook URL acting as ``user_id`` (to act "as that person" through REST)."""
        answer = requests.get(self.control("webhook"), params={"user_id": user_id}, timeout=5).json()
        return str(answer.get("url") or answer.get("webhook_url"))

    def rest(self, method: str, params: dict[str, Any] | None = None, user_id: int = 1) -> Any:
        """Call a REST method as ``user_id``; return the whole envelope."""
        return requests.post(f"{self.webhook(user_id)}{method}", json=params or {}, timeout=30).json()

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(self.control("stats"), timeout=5).json()
        return answer

    def reset_stats(self) -> None:
        requests.post(self.control("stats/reset"), timeout=5)

    def clear_faults(self) -> None:
        requests.delete(self.control("faults"), timeout=5)

    def set_clock(self, instant: datetime) -> None:
        requests.post(self.control("clock"), json={"now": instant.isoformat()}, timeout=5).raise_for_status()


class _LateApp:
    """A WSGI callable whose Flask app is set after the socket is bound (port 0 → URL)."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None, "the app is not ready yet"
        return self.app(environ, start_response)


@dataclass
class LiveApp:
    url: str
    app: Flask
    services: Any
    sandbox: SandboxProcess
    client_id: str
    application_token: str
    server: BaseWSGIServer
    thread: threading.Thread
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        """The app's clock (a FixedClock in tests)."""
        clock: Clock = self.services.clock
        return clock

    def http(self) -> FlaskClient:
        """A Flask test client on the same app (no socket)."""
        return self.app.test_client()

    def install(self, user_id: int | None = None) -> dict[str, Any]:
        body = {"user_id": user_id} if user_id else {}
        answer = requests.post(self.sandbox.control(f"apps/{self.client_id}/install"), json=body, timeout=60)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def portal_id(self) -> int:
        from sqlalchemy import select

        from b24app.models import Portal
        with self.services.session_factory() as session:
            found = session.scalars(select(Portal.id).where(Portal.status == "active")).first()
        assert found is not None, "no installed portal"
        return int(found)

    def run_job(self, name: str, now: datetime | None = None) -> int:
        from jobs.scheduler import run_job
        done: int = run_job(self.services, name, now or self.services.clock.now())
        return done

    def settle(self, now: datetime | None = None, rounds: int = 30, jobs: tuple[str, ...] = SETTLE_JOBS) -> None:
        """Run the worker's jobs until a round does nothing (events delivered asynchronously
        by the sandbox get a moment to arrive)."""
        for _ in range(rounds):
            if sum(self.run_job(name, now) for name in jobs) == 0:
                time.sleep(0.2)
                if sum(self.run_job(name, now) for name in jobs) == 0:
                    return
        raise AssertionError(f"the worker did not settle in {rounds} rounds")

    def placement_form(self, user_id: int, placement: str = "DEFAULT",
                       options: dict[str, Any] | None = None) -> tuple[str, dict[str, str]]:
        """The placement POST the sandbox would make for ``user_id``: (path?query, form fields)."""
        path, query, fields = self.placement_post(user_id, placement, options)
        return (path + (f"?{query}" if query else "")), fields

    def placement_post(self, user_id: int, placement: str = "DEFAULT",
                       options: dict[str, Any] | None = None) -> tuple[str, str, dict[str, str]]:
        """The placement POST the sandbox would make for ``user_id``: (path, query, form fields)."""
        params: dict[str, Any] = {"user_id": user_id, "placement": placement, "client_id": self.client_id}
        if options:
            params["options"] = json.dumps(options)
        page = requests.get(self.sandbox.control("open"), params=params, timeout=10)
        page.raise_for_status()
        found = re.search(r'<form[^>]*action="([^"]*)"', page.text)
        assert found, "the sandbox answered no placement form"
        action = html.unescape(found.group(1))
        fields = {html.unescape(k): html.unescape(v) for k, v in
                  re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page.text)}
        parts = urlsplit(action)
        return parts.path, parts.query, fields

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_live_app(sandbox: SandboxProcess, make_services: Callable[..., Any],
                   configure: Callable[[Flask], None] | None = None, **settings_changes: Any) -> LiveApp:
    """Serve the real app on a free port, registered (not yet installed) on ``sandbox``."""
    from app import create_app

    late = _LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    registration = requests.post(sandbox.control("apps"), json={
        "code": "storeops", "install_url": f"{url}/install", "handler_base": f"{url}/app/",
        "scopes": APP_SCOPES}, timeout=10).json()
    services = make_services(
        client_id=registration["client_id"], client_secret=registration["client_secret"],
        app_base_url=url, oauth_url=f"{sandbox.base_url}/oauth/token/", **settings_changes)
    app = create_app(services.settings, services)
    if configure is not None:
        configure(app)
    late.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="live-app")
    thread.start()
    return LiveApp(url, app, services, sandbox, registration["client_id"],
                   registration["application_token"], server, thread)
