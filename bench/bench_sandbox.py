"""Sandbox throughput and memory: ≥500 simple REST requests/s (limits off); 2,000 stores < 300 MB RSS.

Run: python bench/bench_sandbox.py [--seconds 5] [--threads 8]
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
TARGET_RPS = 500
TARGET_RSS_MB = 300


def start_sandbox(stores: int) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m sandbox serve`` on a free port; return it and its admin webhook URL."""
    command = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--limits", "off",
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
    match = re.search(r"admin webhook:\s+(\S+)", output)
    if match is None:
        raise RuntimeError(f"no admin webhook in:\n{output}")
    return process, match.group(1)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def hammer(url: str, seconds: float, threads: int) -> tuple[int, int]:
    """Call ``url`` from ``threads`` keep-alive connections for ``seconds``; (ok, failed).

    http.client rather than requests: the client shares the machine with the server, and a
    lighter client measures more of the server and less of itself.
    """
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}

    def worker() -> None:
        ok = failed = 0
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            connection.request("POST", parts.path, body=b"{}", headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                failed += 1
        connection.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return counts["ok"], counts["failed"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found (Linux /proc needed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--stores", type=int, default=250)
    args = parser.parse_args()

    process, webhook = start_sandbox(args.stores)
    try:
        hammer(webhook + "profile", 0.5, 2)                     # warm up
        started = time.monotonic()
        ok, failed = hammer(webhook + "profile", args.seconds, args.threads)
        elapsed = time.monotonic() - started
    finally:
        stop(process)
    rate = ok / elapsed
    print(f"requests/s: {rate:.0f} (target ≥ {TARGET_RPS})  [{ok} ok, {failed} failed, "
          f"{args.threads} threads, {elapsed:.1f} s, profile via webhook, --limits off]")

    process, webhook = start_sandbox(2000)
    try:
        requests.post(webhook + "profile", json={}, timeout=30)
        memory = rss_mb(process.pid)
    finally:
        stop(process)
    print(f"RSS MB: {memory:.0f} (target < {TARGET_RSS_MB})  [--stores 2000, server process]")
    return 0 if rate >= TARGET_RPS and memory < TARGET_RSS_MB else 1


if __name__ == "__main__":
    sys.exit(main())
