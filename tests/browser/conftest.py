"""Browser tests: Chromium (the distribution's, never a download) driven by Playwright.

The harness starts the sandbox portal (seeded, limits off) and the real app over HTTP,
installs the app into the portal as the sandbox would (install POST, then the worker binds
the placements and syncs the org), and opens the app's pages the way a person does: in the
sandbox portal UI as a chosen user, by clicking the app's item in the left menu, which loads
the page in an iframe through the documented placement POST.

Fixtures:
- ``portal_app`` (package): ``LiveApp`` (tests/support/live.py) installed and settled.
- ``browser_page``: a fresh page (its own context) per test.
- ``open_app(page, user_id, menu_title)``: open a left-menu page as ``user_id``; returns the
  iframe's ``FrameLocator``.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.support.live import LiveApp, SandboxProcess, start_live_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# As root in a container Chromium needs --no-sandbox; the background-networking switches keep
# it from calling out to Google on a machine with no internet (see the environment notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
BROWSER_STORES = 6

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (make test installs Debian's chromium as root)",
                allow_module_level=True)

pytestmark = pytest.mark.browser


def _session_database(tmp_dir: Path) -> Iterator[str]:
    from sqlalchemy import text

    from b24app.db import make_engine
    from b24app.migrate import upgrade

    postgres = os.environ.get("TEST_DATABASE_URL", "")
    if not postgres:
        url = f"sqlite:///{tmp_dir / 'browser.sqlite3'}"
        upgrade(url)
        yield url
        return
    schema = f"b_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres else "?"
    url = f"{postgres}{separator}options=-csearch_path%3D{schema}"
    upgrade(url)
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# Package scope: Playwright's sync API keeps an asyncio loop running in the main thread while
# it is open, which would turn other libraries' sync calls (fast-bitrix24's) into pending
# tasks in the tests that run after these.
@pytest.fixture(scope="package")
def portal_app() -> Iterator[LiveApp]:
    from b24app.bitrix.hub import BitrixHub
    from b24app.clock import SystemClock
    from b24app.db import make_engine, make_session_factory
    from b24app.wiring import Services
    from config.settings import Settings

    tmp_dir = Path(tempfile.mkdtemp(prefix="storeops-browser-"))
    databases = _session_database(tmp_dir)
    database_url = next(databases)
    sandbox = SandboxProcess.start(stores=BROWSER_STORES, limits="off")
    built: list[Services] = []

    def make_services(**changes: Any) -> Services:
        settings = Settings(database_url=database_url, secret_key="browser-secret",
                            instance_dir=tmp_dir / "instance", **changes)
        engine = make_engine(database_url)
        session_factory = make_session_factory(engine)
        clock = SystemClock()
        services = Services(settings, engine, session_factory, clock, BitrixHub(settings, session_factory, clock))
        built.append(services)
        return services

    live = start_live_app(sandbox, make_services)
    try:
        live.install()
        live.settle()
        yield live
    finally:
        live.stop()
        for services in built:
            services.close()
        sandbox.stop()
        next(databases, None)
        shutil.rmtree(tmp_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="ru-RU", viewport={"width": 390, "height": 844},
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def open_app(portal_app: LiveApp) -> Callable[..., Any]:
    """Open a left-menu item of the app as ``user_id`` in the sandbox portal UI."""

    def open_(page: Any, user_id: int, menu_title: str) -> Any:
        page.goto(f"{portal_app.sandbox.base_url}/ui/u/{user_id}/tasks")
        page.get_by_role("link", name=menu_title, exact=True).click()
        frame = page.frame_locator("iframe")
        frame.locator("main").wait_for()
        return frame

    return open_
