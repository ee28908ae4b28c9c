"""A real HTTP server on 127.0.0.1 that records the form POSTs an app would receive."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class Received:
    path: str
    query: dict[str, str]
    form: list[tuple[str, str]]
    content_type: str

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.form if k == key), None)


@dataclass
class Receiver:
    """Answers every request with ``status`` and keeps what arrived."""
    status: int = 200
    received: list[Received] = field(default_factory=list)
    on_request: Callable[[Received], None] | None = None
    _server: BaseWSGIServer | None = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        item = Received(request.path, dict(request.args), list(request.form.items(multi=True)),
                        request.content_type or "")
        if self.on_request is not None:
            self.on_request(item)
        with self._arrived:
            self.received.append(item)
            self._arrived.notify_all()
        return Response("ok", status=self.status)(environ, start_response)

    def start(self) -> "Receiver":
        self._server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=_Quiet)
        # A short poll interval: stop() waits for the serve loop to notice the shutdown.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)
