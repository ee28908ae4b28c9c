"""Sandbox throughput and memory: ≥500 simple REST requests/s (limits off); 2,000 stores < 300 MB RSS.

Run: python bench/bench_sandbox.py [--seconds 5] [--threads 8]
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from urllib.parse import urlsplit

import requests

from support import SandboxServer

TARGET_RPS = 500
TARGET_RSS_MB = 300


class RawClient:
    """A minimal keep-alive HTTP/1.1 client on a raw socket.

    The client shares a small machine with the server; a lean client measures the server's
    capacity rather than the client library's parsing cost.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        body = b"{}"
        self.request = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                        "Content-Type: application/json\r\nConnection: keep-alive\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        self.sock: socket.socket | None = None
        self.buffer = b""

    def call(self) -> int:
        """Send one request and return the HTTP status of its answer."""
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=10)
            self.buffer = b""
        self.sock.sendall(self.request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._receive()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = next(int(line.split(b":", 1)[1]) for line in lines[1:]
                      if line.lower().startswith(b"content-length:"))
        while len(rest) < length:
            rest += self._receive()
        self.buffer = rest[length:]
        if any(line.lower() == b"connection: close" for line in lines[1:]):
            self.close()
        return status

    def _receive(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def hammer(url: str, seconds: float, threads: int) -> tuple[int, int]:
    """Call ``url`` from ``threads`` keep-alive connections for ``seconds``; (ok, failed)."""
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def worker() -> None:
        ok = failed = 0
        client = RawClient(url)
        while time.monotonic() < deadline:
            if client.call() == 200:
                ok += 1
            else:
                failed += 1
        client.close()
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return counts["ok"], counts["failed"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--stores", type=int, default=250)
    args = parser.parse_args()

    with SandboxServer.start(args.stores, "off") as sandbox:
        hammer(sandbox.admin_webhook + "profile", 0.5, 2)       # warm up
        started = time.monotonic()
        ok, failed = hammer(sandbox.admin_webhook + "profile", args.seconds, args.threads)
        elapsed = time.monotonic() - started
    rate = ok / elapsed
    print(f"requests/s: {rate:.0f} (target ≥ {TARGET_RPS})  [{ok} ok, {failed} failed, "
          f"{args.threads} threads, {elapsed:.1f} s, profile via webhook, --limits off]")

    with SandboxServer.start(2000, "off") as sandbox:
        requests.post(sandbox.admin_webhook + "profile", json={}, timeout=30)
        memory = sandbox.rss_mb()
    print(f"RSS MB: {memory:.0f} (target < {TARGET_RSS_MB})  [--stores 2000, server process]")
    return 0 if rate >= TARGET_RPS and memory < TARGET_RSS_MB else 1


if __name__ == "__main__":
    sys.exit(main())
