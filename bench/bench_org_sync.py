"""Org sync of the 2,000-store sandbox seed: HTTP requests against the lower bound, wall time.

Lower bound: ceil((department pages + user pages) / 50) requests, pages being 50 rows each
(rest-facts §3, §4). Target: at most 1.1 × the bound, no rate-limit rejections, at standard
limits (burst 50, then 2 requests/s).

Run: python bench/bench_org_sync.py [--stores 2000]
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

# Imported before the app: support puts the project root on sys.path.
from support import SandboxServer, add_sandbox_portal, rejections, services_in, verdict

from b24app.org.sync import sync_org

TARGET_FACTOR = 1.1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=2000)
    args = parser.parse_args()
    with SandboxServer.start(args.stores, "standard") as sandbox, \
            tempfile.TemporaryDirectory() as tmp:
        services = services_in(Path(tmp))
        portal_id = add_sandbox_portal(services, sandbox, services.clock.now())
        client = services.bitrix.for_portal(portal_id)
        ok = True
        for label in ("first sync", "resync"):
            started = time.perf_counter()
            report = sync_org(services.session_factory, client, portal_id, services.clock.now(),
                              timings=(timings := {}))
            wall = time.perf_counter() - started
            bound = math.ceil(report.useful_pages / 50)
            met = report.http_requests <= TARGET_FACTOR * bound
            ok = ok and met
            print(f"{label}: {report.departments} departments, {report.users} users")
            print(f"  HTTP requests: {report.http_requests} (lower bound {bound}, "
                  f"target ≤ {TARGET_FACTOR}×) {verdict(met)}")
            print(f"  page commands: {report.page_commands} for {report.useful_pages} pages")
            print(f"  wall time: {wall:.1f} s (reading {timings['fetch']:.1f} s, "
                  f"applying {timings['apply']:.1f} s)")
        stats = sandbox.stats()
        rejected = rejections(stats)
        print(f"sandbox: {stats.get('http_requests')} HTTP requests, "
              f"rate-limit rejections: {rejected} (target 0)")
        ok = ok and rejected == 0
        services.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
