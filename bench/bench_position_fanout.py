"""Benchmark: a fan-out to ~2,000 store managers at standard limits, then a tracking refresh.

Prints each figure beside its target:
- HTTP requests for sending vs ceil(commands / 50)  (target ≤ 1.1×)
- rate-limit rejections                              (target 0)
- wall time of sending
- requests for refreshing the tracking of every copy (target ≤ 1.1 × ceil(copies / 50) + 1)

Usage: python bench/bench_position_fanout.py [--stores 2000] [--limits standard]
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from b24app import workqueue  # noqa: E402
from b24app.clock import FixedClock  # noqa: E402
from b24app.migrate import upgrade  # noqa: E402
from b24app.models import Portal  # noqa: E402
from b24app.org.models import OrgDepartment, OrgMembership, OrgUser  # noqa: E402
from b24app.org.positions import position_key  # noqa: E402
from b24app.org.structure import recompute_structure  # noqa: E402
from b24app.position_fanout import kinds  # noqa: E402,F401
from b24app.position_fanout.compose import DraftInput, create_campaign, validate_draft  # noqa: E402
from b24app.position_fanout.models import FanoutCampaign  # noqa: E402
from b24app.position_fanout.send import dispatch, progress, start_send  # noqa: E402
from b24app.position_fanout.tracking import refresh  # noqa: E402
from b24app.wiring import build_services  # noqa: E402
from config.settings import Settings  # noqa: E402
from sandbox.limits import Limits  # noqa: E402
from sandbox.runtime import Sandbox  # noqa: E402
from sandbox.seed import build_portal  # noqa: E402
from sandbox.server import RunningServer  # noqa: E402

KEY = "управляющий магазином"
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)


def mirror(session, portal_id, portal) -> None:  # type: ignore[no-untyped-def]
    """Fill the org model from the sandbox (what org sync would read over REST)."""
    for d in portal.departments.values():
        session.add(OrgDepartment(portal_id=portal_id, b24_id=d.id, name=d.name,
                                  parent_b24_id=d.parent, head_user_id=d.head))
    for u in portal.users.values():
        session.add(OrgUser(portal_id=portal_id, b24_id=u.id, name=u.name, last_name=u.last_name,
                            work_position=u.work_position, position_key=position_key(u.work_position),
                            departments=list(u.departments), active=u.active))
        for dept in u.departments:
            session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept, user_b24_id=u.id))
    session.flush()
    recompute_structure(session, portal_id)


def stats(server: RunningServer) -> dict:  # type: ignore[type-arg]
    import requests
    return requests.get(f"{server.base_url}/_sandbox/stats", timeout=10).json()  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--limits", default="standard")
    args = parser.parse_args()
    sandbox = Sandbox(build_portal(stores=args.stores, seed=7))
    server = RunningServer(sandbox, "127.0.0.1", 0, Limits(args.limits, sandbox.clock.timestamp))
    server.start()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    services = build_services(Settings(database_url=url, secret_key="bench", instance_dir=folder),
                              FixedClock(NOW))
    try:
        admin = next(u.id for u in sandbox.portal.users.values() if u.is_admin)
        hook = server.context.webhook_url(server.context.create_webhook(admin, []))
        with services.session_factory.begin() as session:
            portal = Portal(member_id="bench", domain="bench", auth_kind="webhook", webhook_url=hook,
                            status="active", installed_at=NOW, updated_at=NOW)
            session.add(portal)
            session.flush()
            portal_id = portal.id
            mirror(session, portal_id, sandbox.portal)
            draft, errors = validate_draft(DraftInput(
                title="Инвентаризация", deadline_days="3", checklist="Склад\nЗал",
                position_keys=(KEY,), department_ids=(str(min(sandbox.portal.departments)),)),
                NOW, "Europe/Moscow", {KEY}, set())
            assert draft is not None, errors
            campaign = create_campaign(session, portal_id, admin, draft, NOW)
            copies = start_send(session, campaign, NOW)
            campaign_id = campaign.id
        commands = copies * (1 + len(draft.checklist))
        before = stats(server)
        started = time.monotonic()
        while True:
            dispatch(services, campaign_id, NOW)
            if workqueue.run_once(services, NOW, limit=5000) == 0:
                dispatch(services, campaign_id, NOW)
                break
        wall = time.monotonic() - started
        after = stats(server)
        with services.session_factory() as session:
            shown = progress(session, session.get(FanoutCampaign, campaign_id))  # type: ignore[arg-type]
        sent_requests = after["http_requests"] - before["http_requests"]
        # One of the requests is the batched active-status check (user.get) before sending.
        floor = math.ceil(commands / 50)
        rejections = sum(after["rejections"].values()) - sum(before["rejections"].values())
        print(f"copies: {copies} (created {shown.created}, skipped {shown.skipped}, failed {shown.failed})")
        print(f"send: HTTP requests {sent_requests} vs ceil({commands}/50) = {floor}: "
              f"{sent_requests / floor:.3f}x (target <= 1.1x)")
        print(f"rate-limit rejections: {rejections} (target 0)")
        print(f"send wall time: {wall:.1f} s")
        before = stats(server)
        refresh(services, campaign_id, NOW)
        used = stats(server)["http_requests"] - before["http_requests"]
        target = 1.1 * math.ceil(shown.created / 50) + 1
        print(f"tracking refresh of {shown.created} copies: {used} requests (target <= {target:.0f})")
    finally:
        services.close()
        server.stop()


if __name__ == "__main__":
    main()
