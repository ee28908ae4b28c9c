"""Org sync of the 2,000-store sandbox seed: HTTP requests against the lower bound, wall time.

Lower bound: ceil((department pages + user pages) / 50) requests, pages being 50 rows each
(rest-facts §3, §4). Target: at most 1.1 × the bound, no rate-limit rejections, at standard
limits (burst 50, then 2 requests/s).

Run: python bench/bench_org_sync.py [--stores 2000]
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from b24app.migrate import upgrade  # noqa: E402
from b24app.models import Portal  # noqa: E402
from b24app.org.sync import sync_org  # noqa: E402
from b24app.wiring import build_services  # noqa: E402
from config.settings import Settings  # noqa: E402

TARGET_FACTOR = 1.1


def start_sandbox(stores: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m sandbox serve`` on a free port; return it and its base URL."""
    command = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--limits", "standard",
               "--stores", str(stores)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = ""
    while "control:" not in output:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"sandbox exited early:\n{output}")
        output += line
    control = output.split("control:")[1].split()[0]
    return process, control.rsplit("/_sandbox/", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=2000)
    args = parser.parse_args()
    process, base_url = start_sandbox(args.stores)
    try:
        info = requests.get(f"{base_url}/_sandbox/info", timeout=30).json()
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            upgrade(url)
            services = build_services(Settings(database_url=url, secret_key="bench",
                                               instance_dir=Path(tmp)))
            with services.session_factory.begin() as session:
                portal = Portal(member_id=info["member_id"], domain=info["domain"],
                                auth_kind="webhook", webhook_url=info["admin_webhook_url"])
                session.add(portal)
                session.flush()
                portal_id = portal.id
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
                      f"target ≤ {TARGET_FACTOR}×) {'OK' if met else 'MISSED'}")
                print(f"  page commands: {report.page_commands} for {report.useful_pages} pages")
                print(f"  wall time: {wall:.1f} s (reading {timings['fetch']:.1f} s, "
                      f"applying {timings['apply']:.1f} s)")
            stats = requests.get(f"{base_url}/_sandbox/stats", timeout=30).json()
            rejected = sum(stats.get("rejections", {}).values())
            print(f"sandbox: {stats.get('http_requests')} HTTP requests, "
                  f"rate-limit rejections: {rejected} (target 0)")
            ok = ok and rejected == 0
            services.close()
        return 0 if ok else 1
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
