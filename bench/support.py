"""Shared pieces of the benchmarks: the sandbox portal as a subprocess, its counters, memory, verdicts.

Importing this module puts the project root on ``sys.path`` so a bench run as a script
(``python bench/bench_X.py``) can import the app and the sandbox. The app's modules are imported
where they are used: a bench's measuring subprocess stays as small as its own imports.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from b24app.clock import Clock
    from b24app.wiring import Services

STOP_SECONDS = 30


@dataclass
class SandboxServer:
    """``python -m sandbox serve`` in a subprocess on a free port, and its control endpoints."""
    process: subprocess.Popen[str]
    base_url: str
    admin_webhook: str

    @classmethod
    def start(cls, stores: int, limits: str, seed: int | None = None) -> SandboxServer:
        """Start the sandbox with ``--port 0`` and wait until it prints its URLs."""
        command = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--limits", limits,
                   "--stores", str(stores)]
        if seed is not None:
            command += ["--seed", str(seed)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        urls: dict[str, str] = {}
        output = ""
        while "control" not in urls:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"sandbox exited early:\n{output}")
            output += line
            label, _, value = line.strip().partition(":")
            if value:
                urls[label] = value.strip()
        if "admin webhook" not in urls:
            raise RuntimeError(f"no admin webhook in:\n{output}")
        return cls(process, urls["control"].rsplit("/_sandbox/", 1)[0], urls["admin webhook"])

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """Terminate the sandbox; kill it if it does not exit in time."""
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def info(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(f"{self.base_url}/_sandbox/info", timeout=30).json()
        return answer

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(f"{self.base_url}/_sandbox/stats", timeout=30).json()
        return answer

    def reset_stats(self) -> None:
        requests.post(f"{self.base_url}/_sandbox/stats/reset", timeout=30).raise_for_status()

    def counters(self) -> tuple[int, int]:
        """Return (HTTP requests, rate-limit rejections) since the last reset."""
        body = self.stats()
        return int(body["http_requests"]), rejections(body)

    def rss_mb(self) -> float:
        """The sandbox process's resident memory now, in MB (Linux /proc)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS not found (Linux /proc needed)")


def rejections(stats: dict[str, Any]) -> int:
    """The sandbox's rate-limit rejections, summed over their kinds."""
    return int(sum(stats.get("rejections", {}).values()))


def bench_services(prefix: str, clock: Clock | None = None) -> Services:
    """The app's services on a fresh, migrated SQLite database in a new temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    return services_in(folder, clock)


def services_in(folder: Path, clock: Clock | None = None) -> Services:
    """The app's services on a fresh, migrated SQLite database in ``folder``."""
    from b24app.migrate import upgrade
    from b24app.wiring import build_services
    from config.settings import Settings

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    return build_services(Settings(database_url=url, secret_key="bench", instance_dir=folder), clock)


def add_webhook_portal(session_factory: sessionmaker[Session], webhook_url: str, now: datetime,
                       member_id: str = "bench", domain: str = "bench.bitrix24.test") -> int:
    """Store an active portal row that calls Bitrix24 through ``webhook_url``; return its id."""
    from b24app.models import Portal

    with session_factory.begin() as session:
        portal = Portal(member_id=member_id, domain=domain, auth_kind="webhook",
                        webhook_url=webhook_url, status="active", installed_at=now, updated_at=now)
        session.add(portal)
        session.flush()
        return int(portal.id)


def add_sandbox_portal(services: Services, sandbox: SandboxServer, now: datetime) -> int:
    """Store the sandbox portal (its member_id, domain, admin webhook) as a webhook portal."""
    info = sandbox.info()
    return add_webhook_portal(services.session_factory, info["admin_webhook_url"], now, info["member_id"], info["domain"])


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verdict(met: bool) -> str:
    """The word printed after a figure and its target."""
    return "OK" if met else "MISSED"
