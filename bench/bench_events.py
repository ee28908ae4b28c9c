"""The events endpoint under gunicorn (2 workers): acknowledgements per second, p99, stored once.

    python bench/bench_events.py [--seconds 10] [--threads 8] [--postgres]

A fresh database (SQLite file in WAL mode; also PostgreSQL when TEST_DATABASE_URL is set or
--postgres is given) gets one portal row with a known application_token; gunicorn serves
``app:create_app()`` on it; client threads POST form-encoded ONTASKUPDATE deliveries (each a
distinct task/ts, plus every 10th an exact replay of an earlier one) for a bounded time.
Targets (issue 3): at least 300 events/s, p99 under 100 ms, every distinct event stored once.
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from b24app.db import make_engine, make_session_factory  # noqa: E402
from b24app.migrate import upgrade  # noqa: E402
from b24app.models import InboundEvent, Portal  # noqa: E402

TARGET_RATE = 300.0
TARGET_P99_MS = 100.0
APPLICATION_TOKEN = "b" * 32
MEMBER_ID = "bench-member"
REPLAY_EVERY = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def delivery(task_id: int, ts: int) -> dict[str, str]:
    """A form body shaped like Bitrix24's event POST (rest-facts §9 "Delivery payload")."""
    return {
        "event": "ONTASKUPDATE", "event_handler_id": "7",
        "data[FIELDS_BEFORE][ID]": str(task_id), "data[FIELDS_AFTER][ID]": str(task_id),
        "data[IS_ACCESSIBLE_BEFORE]": "undefined", "data[IS_ACCESSIBLE_AFTER]": "undefined",
        "ts": str(ts), "auth[access_token]": "bench-access", "auth[expires_in]": "3600",
        "auth[domain]": "bench.bitrix24.ru", "auth[member_id]": MEMBER_ID, "auth[user_id]": "1",
        "auth[client_endpoint]": "https://bench.bitrix24.ru/rest/",
        "auth[application_token]": APPLICATION_TOKEN,
    }


def prepare_database(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    with make_session_factory(engine).begin() as session:
        session.add(Portal(member_id=MEMBER_ID, domain="bench.bitrix24.ru", auth_kind="oauth",
                           client_endpoint="https://bench.bitrix24.ru/rest/", access_token="x",
                           refresh_token="y", application_token=APPLICATION_TOKEN, status="active",
                           installed_at=now, updated_at=now))
    engine.dispose()


def stored_count(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        count = int(session.scalar(select(func.count()).select_from(InboundEvent)) or 0)
    engine.dispose()
    return count


def start_gunicorn(url: str, instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", B24_CLIENT_ID="local.bench",
               B24_CLIENT_SECRET="bench", APP_BASE_URL=f"http://127.0.0.1:{port}",
               INSTANCE_DIR=str(instance), LOG_LEVEL="WARNING")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", "2", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code < 500:
                return process, base
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not answer in 60 s")


def fire(base: str, seconds: float, threads: int, run: int) -> tuple[list[float], int, int, int]:
    """POST for ``seconds`` from ``threads`` threads; return latencies, distinct, replays, errors."""
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"distinct": 0, "replays": 0, "errors": 0}
    lock = threading.Lock()

    def client(worker: int) -> None:
        # http.client with keep-alive: a light load generator leaves the CPU to the server.
        host, port = urlsplit(base).hostname, urlsplit(base).port
        connection = http.client.HTTPConnection(host or "127.0.0.1", port, timeout=10)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        own: list[float] = []
        distinct = replays = errors = 0
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            replay = n % REPLAY_EVERY == 0
            task_id = run * 1_000_000_000 + worker * 10_000_000 + (n - 1 if replay else n)
            body = urlencode(delivery(task_id, 1_764_828_000 + n - (1 if replay else 0)))
            started = time.perf_counter()
            connection.request("POST", "/events", body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            own.append((time.perf_counter() - started) * 1000)
            if answer.status != 200:
                errors += 1
            elif replay:
                replays += 1
            else:
                distinct += 1
        connection.close()
        with lock:
            latencies.extend(own)
            counts["distinct"] += distinct
            counts["replays"] += replays
            counts["errors"] += errors

    workers = [threading.Thread(target=client, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, counts["distinct"], counts["replays"], counts["errors"]


def run(label: str, url: str, seconds: float, threads: int, instance: Path) -> bool:
    prepare_database(url)
    process, base = start_gunicorn(url, instance)
    try:
        fire(base, 1.0, threads, run=1)                   # warm up both workers
        warm = stored_count(url)
        started = time.monotonic()
        latencies, distinct, replays, errors = fire(base, seconds, threads, run=2)
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=20)
    latencies.sort()
    rate = len(latencies) / elapsed
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("inf")
    stored = stored_count(url) - warm
    once = stored == distinct and errors == 0
    print(f"[{label}] gunicorn 2 workers, {threads} client threads, {elapsed:.1f} s")
    print(f"  events/s: {rate:.0f} (target ≥ {TARGET_RATE:.0f})")
    print(f"  p99 ms: {p99:.1f} (target < {TARGET_P99_MS:.0f}); p50 ms: {latencies[len(latencies) // 2]:.1f}")
    print(f"  stored once: {stored} distinct of {distinct} sent "
          f"(replays stored once: {'yes' if once else 'no'}; {replays} replays, {errors} errors)")
    return rate >= TARGET_RATE and p99 < TARGET_P99_MS and once


def postgres_schema(base_url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = make_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(base_url: str, schema: str) -> None:
    engine = make_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--postgres", nargs="?", const=os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        default=os.environ.get("TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp:
        folder = Path(tmp)
        ok &= run("SQLite (WAL)", f"sqlite:///{folder / 'events.sqlite3'}", args.seconds, args.threads,
                  folder / "instance")
        if args.postgres:
            schema, url = postgres_schema(args.postgres)
            try:
                ok &= run("PostgreSQL", url, args.seconds, args.threads, folder / "instance")
            finally:
                drop_schema(args.postgres, schema)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
