"""HTTP/1.1 keep-alive for werkzeug's threaded server (throughput for tests and benchmarks)."""
from __future__ import annotations

import io
import logging
import socket
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from .dispatch import internal_error
from .envelope import error_response

log = logging.getLogger(__name__)

MAX_BUFFERED_BODY = 256 * 1024 * 1024   # bodies up to this size are read up front


class SandboxRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with HTTP/1.1 keep-alive and no per-request access log.

    werkzeug closes every connection (http.server cannot drain an unread body before the
    next request line), and a new connection plus thread per request caps the sandbox below
    its 500 requests/s target. This handler reads a Content-Length body up front and
    buffers the answer, so the connection is always at a request boundary and can stay
    open. Chunked request bodies fall back to werkzeug's own path, which closes. No access
    log: it costs throughput and would print webhook codes.
    """

    keep_alive = False
    timeout = 75                      # seconds an idle keep-alive connection is kept
    _headers_buffer: list[bytes]      # http.server's pending header lines

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()
        self.keep_alive = False
        if environ.get("wsgi.input_terminated"):
            return environ
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return environ
        if not 0 <= length <= MAX_BUFFERED_BODY:
            return environ
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            return environ
        environ["wsgi.input"] = io.BytesIO(body)
        self.keep_alive = self.request_version == "HTTP/1.1" and not self.close_connection
        return environ

    def run_wsgi(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            super().run_wsgi()
            return
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        status, headers, body = self._call_app(environ)
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "keep-alive" if self.keep_alive else "close")
        # One write for head and body: two small segments meet delayed ACKs (40 ms stalls).
        self._headers_buffer.append(b"\r\n")
        if environ["REQUEST_METHOD"] != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def _call_app(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        try:
            answer = self.server.app(environ, start_response)
            try:
                chunks.extend(answer)
            finally:
                if hasattr(answer, "close"):
                    answer.close()
            return started[0], started[1], b"".join(chunks)
        except Exception:
            log.exception("WSGI application failed on %s", environ.get("PATH_INFO"))
            failure = error_response(internal_error())
            return failure.status, list(failure.headers.items()), failure.get_data()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None
