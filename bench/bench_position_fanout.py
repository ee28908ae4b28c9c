"""Benchmark: a fan-out to ~2,000 store managers at standard limits, then a tracking refresh.

Starts its own sandbox portal (``python -m sandbox serve --stores N --limits standard``),
syncs the org model from it over REST (as the worker does), then measures with the
sandbox's own counters and prints each figure beside its target:
- HTTP requests for sending vs ceil(commands / 50)            (target ≤ 1.1×)
- rate-limit rejections                                        (target 0)
- wall time of sending (the floor at 2 requests/s is printed beside it)
- requests for refreshing the tracking of every copy           (target ≤ 1.1 × ceil(copies / 50) + 1)

Commands counted: one tasks.task.add and one task.checklistitem.add per item per copy, plus
the user.get commands of the active-status re-check (50 IDs each) before sending.

Usage: python bench/bench_position_fanout.py [--stores 2000] [--limits standard]
Exit status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime, timezone

# Imported before the app: support puts the project root on sys.path.
from support import SandboxServer, add_sandbox_portal, bench_services, verdict

from b24app import workqueue
from b24app.clock import FixedClock
from b24app.org.sync import sync_org
from b24app.position_fanout import kinds  # noqa: F401 - registers the work kinds
from b24app.position_fanout.compose import DraftInput, create_campaign, validate_draft
from b24app.position_fanout.models import FanoutCampaign
from b24app.position_fanout.send import IDS_PER_READ, dispatch, progress, start_send
from b24app.position_fanout.tracking import refresh

KEY = "управляющий магазином"
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)
FACTOR = 1.1
CHECKLIST = ("Склад", "Зал")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--limits", default="standard")
    args = parser.parse_args()
    sandbox = SandboxServer.start(args.stores, args.limits, seed=7)
    services = bench_services("bench-fanout-", FixedClock(NOW))
    try:
        portal_id = add_sandbox_portal(services, sandbox, NOW)
        client = services.bitrix.for_portal(portal_id)
        synced = sync_org(services.session_factory, client, portal_id, NOW)
        print(f"org synced over REST: {synced.departments} departments, {synced.users} users")
        with services.session_factory.begin() as session:
            draft, errors = validate_draft(DraftInput(
                title="Инвентаризация", deadline_days="3", checklist="\n".join(CHECKLIST),
                position_keys=(KEY,), department_ids=("1",)), NOW, "Europe/Moscow", {KEY}, set())
            assert draft is not None, errors
            campaign = create_campaign(session, portal_id, 1, draft, NOW)
            copies = start_send(session, campaign, NOW)
            campaign_id = campaign.id
        sandbox.reset_stats()
        started = time.monotonic()
        while True:
            dispatch(services, campaign_id, NOW)
            if workqueue.run_once(services, NOW, limit=5000) == 0:
                dispatch(services, campaign_id, NOW)
                break
        wall = time.monotonic() - started
        sent_requests, rejections = sandbox.counters()
        with services.session_factory() as session:
            found = session.get(FanoutCampaign, campaign_id)
            assert found is not None
            shown = progress(session, found)
        commands = copies * (1 + len(CHECKLIST)) + math.ceil(copies / IDS_PER_READ)
        floor = math.ceil(commands / 50)
        ratio = sent_requests / floor
        # Standard limits: a burst of 50, then 2 requests a second.
        rate_floor = max(0.0, (sent_requests - 50) / 2)
        print(f"copies: {copies} (created {shown.created}, skipped {shown.skipped}, "
              f"failed {shown.failed})")
        print(f"send: HTTP requests {sent_requests} vs ceil({commands}/50) = {floor}: "
              f"{ratio:.3f}x (target <= {FACTOR}x) {verdict(ratio <= FACTOR)}")
        print(f"rate-limit rejections: {rejections} (target 0) {verdict(rejections == 0)}")
        print(f"send wall time: {wall:.1f} s (the rate limit alone needs {rate_floor:.1f} s)")
        sandbox.reset_stats()
        started = time.monotonic()
        read = refresh(services, campaign_id, NOW)
        refresh_wall = time.monotonic() - started
        used, refresh_rejections = sandbox.counters()
        target = FACTOR * math.ceil(read / 50) + 1
        print(f"tracking refresh of {read} copies: {used} requests (target <= {target:.0f}) "
              f"{verdict(used <= target)}, {refresh_wall:.1f} s, "
              f"rejections {refresh_rejections}")
        met = (ratio <= FACTOR and rejections == 0 and used <= target and refresh_rejections == 0
               and shown.created == copies)
        return 0 if met else 1
    finally:
        services.close()
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
