"""The all-in-one demo: sandbox portal + app web + worker in one command.

``python app.py`` with no portal configured lands here. It
1. starts the sandbox portal (a seeded retail chain) as a child process;
2. registers Store Ops as a local application there and points it at this process;
3. applies migrations, starts the web app and the scheduler in this process;
4. asks the sandbox to install the app (the documented install POST reaches /install);
5. prints where to click, and runs until Ctrl+C.
The sandbox state and the app database live in the instance folder, so a restart keeps both.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from config.settings import Settings

APP_SCOPES = ["task", "user", "department", "im", "disk", "placement", "sonet_group", "basic"]


def free_port(preferred: int) -> int:
    """Return ``preferred`` if it is free on 127.0.0.1, else any free port."""
    for candidate in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port")


def start_sandbox(port: int, stores: int, state_file: Path | None, limits: str = "standard",
                  seed: int = 7) -> subprocess.Popen[bytes]:
    """Start ``python -m sandbox serve`` and wait until it answers."""
    command = [sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--stores", str(stores),
               "--seed", str(seed), "--limits", limits]
    if state_file is not None:
        command += ["--state", str(state_file)]
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until_up(f"http://127.0.0.1:{port}/_sandbox/info", process)
    return process


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the sandbox portal exited: {error[-2000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def register_app(sandbox_url: str, app_url: str) -> dict[str, Any]:
    """Register Store Ops as a local application on the sandbox portal."""
    answer = requests.post(f"{sandbox_url}/_sandbox/apps", json={
        "code": "storeops", "install_url": f"{app_url}/install", "handler_base": f"{app_url}/app/",
        "scopes": APP_SCOPES}, timeout=10)
    answer.raise_for_status()
    registration: dict[str, Any] = answer.json()
    return registration


def install_app(sandbox_url: str, client_id: str) -> None:
    answer = requests.post(f"{sandbox_url}/_sandbox/apps/{client_id}/install", timeout=30)
    answer.raise_for_status()


def demo_settings(base: Settings, sandbox_url: str, app_url: str, registration: dict[str, Any]) -> Settings:
    return replace(base, client_id=registration["client_id"], client_secret=registration["client_secret"],
                   app_base_url=app_url, oauth_url=f"{sandbox_url}/oauth/token/")


def run_demo(base: Settings, stores: int = 250) -> None:
    """Run the whole product on this machine until interrupted."""
    from werkzeug.serving import make_server

    from app import create_app
    from b24app.migrate import upgrade
    from b24app.wiring import build_services
    from jobs.scheduler import build_background_scheduler

    base.instance_dir.mkdir(parents=True, exist_ok=True)
    sandbox_port = free_port(int(os.environ.get("SANDBOX_PORT", "8090")))
    app_port = free_port(int(os.environ.get("APP_PORT", "5000")))
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    app_url = f"http://127.0.0.1:{app_port}"
    print(f"Starting the sandbox portal with {stores} stores …", flush=True)
    sandbox = start_sandbox(sandbox_port, stores, base.instance_dir / "sandbox-state.pickle")
    try:
        registration = _reuse_or_register(base.instance_dir / "demo-app.json", sandbox_url, app_url)
        settings = demo_settings(base, sandbox_url, app_url, registration)
        upgrade(settings.database_url)
        services = build_services(settings)
        web = make_server("127.0.0.1", app_port, create_app(settings, services), threaded=True)
        threading.Thread(target=web.serve_forever, daemon=True, name="web").start()
        install_app(sandbox_url, registration["client_id"])
        print("Installing the app into the portal and reading its org structure …", flush=True)
        prepare_demo_portal(services)
        scheduler = build_background_scheduler(services)
        scheduler.start()
        print(_banner(sandbox_url, app_url), flush=True)
        while sandbox.poll() is None:
            time.sleep(1)
        print("the sandbox portal stopped; exiting", flush=True)
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
    finally:
        sandbox.terminate()
        try:
            sandbox.wait(timeout=15)
        except subprocess.TimeoutExpired:
            sandbox.kill()


DEMO_TEMPLATE = {
    "name": "Открытие смены",
    "items": [
        {"title": "Включить свет и музыку в торговом зале"},
        {"title": "Проверить кассу и размен", "important": True},
        {"title": "Проверить выкладку витрины", "photo": True},
        {"title": "Убрать торговый зал и примерочные"},
        {"title": "Проверить ценники на новой коллекции"},
        {"title": "Провести пятиминутку с продавцами"},
    ],
}


def prepare_demo_portal(services: Any) -> None:
    """Bind the app, sync the org, and give every store a daily opening checklist (first run only).

    The demo schedule opens the task at 00:05 and closes it at 23:00 store time, so whoever
    tries the demo, at any hour, finds today's tasks in the managers' lists.
    """
    from b24app.portals import active_portals
    from b24app.store_opening.schedule_admin import ScheduleChange, bulk_apply
    from b24app.store_opening.templates_admin import import_templates, template_by_name
    from b24app.org.queries import stores
    from jobs.scheduler import run_job

    for job in ("events_inbox", "portal_setup", "org_sync", "work_queue"):
        run_job(services, job, services.clock.now())
    with services.session_factory.begin() as session:
        for portal in active_portals(session):
            if template_by_name(session, portal.id, str(DEMO_TEMPLATE["name"])) is not None:
                continue
            template = import_templates(session, portal.id, [DEMO_TEMPLATE], services.clock.now())[0]
            store_ids = [store.b24_id for store in stores(session, portal.id)]
            bulk_apply(session, portal.id, store_ids, ScheduleChange(
                enabled=True, template_id=template.id, frequency="daily",
                create_at="00:05", deadline="23:00"), services.clock.now())


def _reuse_or_register(record: Path, sandbox_url: str, app_url: str) -> dict[str, Any]:
    """Keep one registration across restarts (the sandbox keeps its state in the instance folder)."""
    if record.exists():
        saved: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
        if saved.get("app_url") == app_url and saved.get("sandbox_url") == sandbox_url:
            known = requests.get(f"{sandbox_url}/_sandbox/apps", timeout=10).json().get("apps", [])
            if any(app["client_id"] == saved["client_id"] for app in known):
                return saved
    registration = register_app(sandbox_url, app_url)
    registration.update(app_url=app_url, sandbox_url=sandbox_url)
    record.write_text(json.dumps(registration), encoding="utf-8")
    return registration


def _banner(sandbox_url: str, app_url: str) -> str:
    return "\n".join([
        "",
        "Store Ops demo is running.",
        f"  Open the portal: {sandbox_url}/",
        "  Pick a user (the first one is the portal admin) and use the app's items in the left menu,",
        "  exactly as inside Bitrix24. Store managers, HR officers and merchandisers are in the list too.",
        f"  The app itself:  {app_url} (its pages open inside the portal)",
        f"  Portal control:  {sandbox_url}/_sandbox/info (clock, faults, statistics)",
        "Ctrl+C stops everything.",
        "",
    ])
