"""End to end over real HTTP: the sandbox portal as a process, the app as a server.

An office sender opens the fan-out pages through the placement POST the portal makes,
composes a task with a file for every "Управляющий магазином" of one region, previews and
sends it; the worker is killed half-way through sending; the managers complete some copies
as themselves; the sender tracks, reminds and recalls. A seller gets 403.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable
from urllib.parse import unquote

import pytest
import requests
from sqlalchemy import select

from b24app.clock import FixedClock
from b24app.org import queries as org
from b24app.org.models import OrgDepartment
from b24app.org.settings import get_org_settings
from b24app.page_auth import PageTokens
from b24app.position_fanout.models import FanoutCampaign, FanoutCopy
from b24app.workqueue.runner import send_items
from b24app.workqueue.store import claim_ready
from tests.support.live import SETTLE_JOBS, LiveApp, SandboxProcess, start_live_app

MANAGER = "Управляющий магазином"
MANAGER_KEY = "управляющий магазином"
WORKER_JOBS = SETTLE_JOBS + ("position_fanout_dispatch",)
ATTACHMENT = "Инструкция по пересчёту.txt".encode("utf-8") + b"\n" + bytes(range(256))


class Pages:
    """One person's pages of the app, opened as Bitrix24 opens them (placement POST)."""

    def __init__(self, live: LiveApp, user_id: int) -> None:
        self.live = live
        self.http = requests.Session()
        path, fields = live.placement_form(user_id, "LEFT_MENU")
        self.first = self.http.post(live.url + path, data=fields, allow_redirects=False)
        found = re.search(r"[?&]t=([^&]+)", self.first.headers.get("Location", ""))
        self.token = unquote(found.group(1)) if found else ""
        settings = live.services.settings
        # What the page's forms carry ({{ auth_fields() }}): the CSRF token derived from t.
        self.csrf = PageTokens(settings.secret_key, settings.page_token_ttl_seconds,
                               live.services.clock).csrf_token(self.token) if self.token else ""

    def get(self, path: str, **params: str) -> requests.Response:
        return self.http.get(self.live.url + path, params={"t": self.token, **params})

    def post(self, path: str, data: dict[str, Any] | None = None,
             files: Any = None) -> requests.Response:
        form = {"t": self.token, "csrf": self.csrf, **(data or {})}
        return self.http.post(self.live.url + path, data=form, files=files, allow_redirects=False)


@dataclass
class Region:
    id: int
    name: str
    store_ids: list[int]
    managers: list[int]


@pytest.fixture
def live(make_services: Callable[..., Any]) -> Iterator[LiveApp]:
    sandbox = SandboxProcess.start(stores=30, limits="off")
    app = start_live_app(sandbox, make_services)
    try:
        app.install()
        app.settle()
        yield app
    finally:
        app.stop()
        sandbox.stop()


def office_sender(live: LiveApp) -> int:
    """Let the operations department send fan-outs (the admin's setting); return a member."""
    with live.services.session_factory.begin() as session:
        portal_id = live.portal_id()
        office = session.scalars(select(OrgDepartment).where(
            OrgDepartment.portal_id == portal_id,
            OrgDepartment.name == "Операционный отдел")).one()
        get_org_settings(session, portal_id).sender_policy = {
            "admins": True, "department_ids": [office.b24_id], "positions": []}
        staff = [u.b24_id for u in org.store_staff(session, portal_id, office.b24_id)]
    return min(u for u in staff if u != 1)


def biggest_region(live: LiveApp) -> Region:
    """Return the region (the grandparent of stores) with the most managed stores."""
    with live.services.session_factory() as session:
        portal_id = live.portal_id()
        by_region: dict[int, list[int]] = {}
        for store in org.stores(session, portal_id):
            city = org.department(session, portal_id, int(store.parent_b24_id or 0))
            assert city is not None and city.parent_b24_id is not None
            by_region.setdefault(city.parent_b24_id, []).append(store.b24_id)
        region_id = max(by_region, key=lambda r: (len(by_region[r]), -r))
        region = org.department(session, portal_id, region_id)
        assert region is not None
        managers = sorted(h.user.b24_id for h in org.holders_of_position(
            session, portal_id, MANAGER_KEY, by_region[region_id]))
    return Region(region_id, region.name, by_region[region_id], managers)


def tasks_of(live: LiveApp, campaign_id: int, managers: list[int]) -> dict[int, list[str]]:
    """Return {manager: [task IDs tagged with this campaign's key for them]}."""
    found: dict[int, list[str]] = {}
    for manager in managers:
        rows = live.sandbox.rest("tasks.task.list", {
            "filter": {"TAG": f"position_fanout:{campaign_id}:{manager}"},
            "select": ["ID"]})["result"]["tasks"]
        found[manager] = [str(row["id"]) for row in rows]
    return found


def test_sender_fans_out_to_a_region_tracks_reminds_and_recalls(live: LiveApp) -> None:
    clock: FixedClock = live.services.clock
    sender = office_sender(live)
    region = biggest_region(live)
    assert len(region.managers) >= 3, region

    # Compose, with a file, through the real page (multipart POST).
    pages = Pages(live, sender)
    assert pages.first.status_code == 303 and pages.token
    compose = pages.get("/app/fanout/new")
    assert compose.status_code == 200 and MANAGER in compose.text and region.name in compose.text
    answer = pages.post("/app/fanout/new", {
        "title": "Пересчёт обуви", "description": "До закрытия смены",
        "deadline_mode": "days", "deadline_days": "2", "priority": "2",
        "checklist": "Склад\nТорговый зал", "position": MANAGER_KEY,
        "department": str(region.id)},
        files=[("files", ("инструкция.txt", ATTACHMENT, "text/plain"))])
    assert answer.status_code == 303, answer.text[:2000]
    campaign_id = int(re.search(r"/app/fanout/(\d+)/preview", answer.headers["Location"]).group(1))  # type: ignore[union-attr]

    # Preview: "N tasks to M people in K stores" and the recipients by name.
    preview = pages.get(f"/app/fanout/{campaign_id}/preview")
    n = len(region.managers)
    assert f"{n} задач для {n} сотрудников" in preview.text
    assert "инструкция.txt" in preview.text
    assert pages.post(f"/app/fanout/{campaign_id}/send").status_code == 303

    # The worker uploads the file, checks the recipients, then dies half-way through the
    # copies: Bitrix24 created them, nothing was recorded.
    live.run_job("work_queue")
    live.run_job("position_fanout_dispatch")
    claimed = claim_ready(live.services.session_factory, clock.now(), limit=n // 2,
                          worker_id="doomed", lease_seconds=60)
    assert claimed and all(item.kind == "position_fanout.copy" for item in claimed)
    send_items(live.services.bitrix.for_portal(live.portal_id()), claimed)
    progress = pages.get(f"/app/fanout/{campaign_id}/progress").json()
    assert not progress["finished"] and progress["done"] == 0 and progress["total"] == n

    # Another worker, once the dead one's lease ran out, finishes the job.
    clock.set(clock.now() + timedelta(minutes=5))
    live.settle(jobs=WORKER_JOBS)
    progress = pages.get(f"/app/fanout/{campaign_id}/progress").json()
    assert progress["finished"] and progress["done"] == progress["total"] == n
    per_manager = tasks_of(live, campaign_id, region.managers)
    assert all(len(ids) == 1 for ids in per_manager.values()), per_manager

    # Each copy: the manager responsible, the sender creator and observer, the file attached
    # and readable by the manager.
    for manager, (task_id,) in per_manager.items():
        task = live.sandbox.rest("tasks.task.get", {
            "taskId": task_id, "select": ["*", "UF_TASK_WEBDAV_FILES"]}, user_id=manager)["result"]["task"]
        assert (int(task["responsibleId"]), int(task["createdBy"])) == (manager, sender)
        assert [int(a) for a in task["auditors"]] == [sender]
        (attachment,) = task["ufTaskWebdavFiles"]
        shared = live.sandbox.rest("disk.attachedObject.get", {"id": attachment}, user_id=manager)
        assert requests.get(shared["result"]["DOWNLOAD_URL"], timeout=10).content == ATTACHMENT
    with live.services.session_factory() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None and [f["name"] for f in campaign.files] == ["инструкция.txt"]
        assert all("content" not in f for f in campaign.files)   # the bytes live on Drive only

    # Two managers complete their copies, as themselves.
    finishers = region.managers[:2]
    for manager in finishers:
        (task_id,) = per_manager[manager]
        done = live.sandbox.rest("tasks.task.complete", {"taskId": task_id}, user_id=manager)
        assert "error" not in done, done

    # Three days later the sender opens the campaign: the page reads the state by itself.
    later = clock.now() + timedelta(days=3)
    clock.set(later)
    live.sandbox.set_clock(later)
    pages = Pages(live, sender)       # the app is opened again (yesterday's page token expired)
    track = pages.get(f"/app/fanout/{campaign_id}")
    assert track.status_code == 200
    states = dict(re.findall(r'data-user="(\d+)" data-state="(\w+)"', track.text))
    assert {int(u) for u, s in states.items() if s == "done"} == set(finishers)
    overdue = {int(u) for u, s in states.items() if s == "overdue"}
    assert overdue == set(region.managers) - set(finishers)

    # Remind the overdue: one notification each, and a double click sends no second one.
    live.sandbox.reset_stats()
    shown_round = re.search(r'name="round" value="(\d+)"', track.text).group(1)  # type: ignore[union-attr]
    for _ in range(2):
        assert pages.post(f"/app/fanout/{campaign_id}/remind", {"round": shown_round}).status_code == 303
    live.settle(jobs=WORKER_JOBS)
    calls = live.sandbox.stats()["calls_by_method"]
    assert calls.get("im.notify.system.add") == len(overdue)

    # Recall: first a confirmation, then the open copies are closed; the done ones stay.
    answer = pages.post(f"/app/fanout/{campaign_id}/recall")
    assert "confirm=recall" in answer.headers["Location"]
    confirm = pages.get(f"/app/fanout/{campaign_id}", confirm="recall")
    assert f"Отозвать {len(overdue)} открытых копий" in confirm.text
    assert pages.post(f"/app/fanout/{campaign_id}/recall",
                      {"confirmed": "1", "mode": "close"}).status_code == 303
    live.settle(jobs=WORKER_JOBS)
    for manager, (task_id,) in per_manager.items():
        task = live.sandbox.rest("tasks.task.get", {"taskId": task_id})["result"]["task"]
        assert task["status"] == "5"      # completed: by the manager, or by the recall
    with live.services.session_factory() as session:
        copies = session.scalars(select(FanoutCopy).where(FanoutCopy.campaign_id == campaign_id))
        assert {c.user_id: c.state for c in copies} == {
            **{u: "done" for u in finishers}, **{u: "closed" for u in overdue}}
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None and campaign.status == "recalled"


def test_a_seller_outside_the_sender_roles_gets_403(live: LiveApp) -> None:
    office_sender(live)
    seller = live.sandbox.rest("user.get", {"filter": {"WORK_POSITION": "Продавец-консультант"}})["result"][0]
    pages = Pages(live, int(seller["ID"]))
    assert pages.first.status_code == 303        # the placement POST itself is valid
    for path in ("/app/fanout/", "/app/fanout/new", "/app/fanout/templates"):
        assert pages.get(path).status_code == 403
    refused = pages.post("/app/fanout/new", {"title": "x", "position": MANAGER_KEY})
    assert refused.status_code == 403
