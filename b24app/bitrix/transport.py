"""HTTP to Bitrix24 through fast-bitrix24, on one event-loop thread.

Decisions (fast-bitrix24.md §2–§4 name the pitfalls each one avoids):

1. **One loop thread.** A ``BitrixAsync`` and its aiohttp session are bound to the loop that
   created them; sharing a sync ``Bitrix`` across threads fails (#209). ``LoopThread`` owns
   one loop; callers submit with ``run_coroutine_threadsafe(...).result(timeout)``.
2. **Error bodies and statuses: our ``raise_for_status`` callable.** With
   ``raise_for_status=True`` aiohttp raises before the body is read, so ``error`` and
   ``error_description`` are lost and the exception carries the URL (with a webhook code).
   The session is given ``check_response`` instead: it reads the body of any non-2xx answer
   and raises our typed errors. They are not ``ClientResponseError``, so the library's
   5xx-retry and 401-refresh branches never see them.
3. **No library retries, no library tokens.** We call ``srh.request_attempt`` — one HTTP
   attempt with the library's (neutralised) throttles — instead of ``single_request``, whose
   11-attempt loop would multiply ours and whose 401 → ``token_func`` loop never ends.
   No ``token_func`` is given; ``auth`` is put in the JSON body by the client.
4. **Throttles neutralised** (``LIBRARY_OPTIONS``): a pool of 10 000 at 10 000/s never waits;
   the operating-time window stays *on* with an unreachable limit because in 1.8.14
   ``respect_velocity_policy=False`` makes ``add_throttler_records`` raise ``KeyError`` on any
   answer that has ``time.operating`` (the throttler dict is only filled when it is on).
5. **Real timeouts** from settings (the library has none; aiohttp defaults to 300 s).
6. **Quiet logs.** The ``fast_bitrix24`` logger is at DEBUG with params and whole responses;
   it is set to WARNING and filtered. Exception texts are scrubbed of webhook codes/tokens.
"""
from __future__ import annotations

import asyncio
import logging
import re
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Awaitable, Coroutine, Mapping, TypeVar

import aiohttp
from fast_bitrix24 import BitrixAsync

from .envelope import error_from_body
from .errors import B24ApiError, B24Error, B24TransportError

T = TypeVar("T")
LIBRARY_OPTIONS: dict[str, Any] = {
    "verbose": False,
    "request_pool_size": 10_000,
    "requests_per_second": 10_000.0,
    "respect_velocity_policy": True,
    "operating_time_limit": 2**31,
}
_SECRETS = [
    (re.compile(r"(/rest/\d+/)[^/\s'\"]+"), r"\1***"),
    (re.compile(r"((?:auth|access_token|refresh_token|client_secret|code|AUTH_ID|REFRESH_ID)=)[^&\s'\"]+",
                re.IGNORECASE), r"\1***"),
]


def scrub(text: str) -> str:
    """Remove webhook codes and token values from a message."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def silence_library_logger() -> None:
    """Keep fast-bitrix24's DEBUG/INFO lines (params, full responses) out of our logs."""
    logger = logging.getLogger("fast_bitrix24")
    logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _BelowWarning) for f in logger.filters):
        logger.addFilter(_BelowWarning())


async def check_response(response: aiohttp.ClientResponse) -> None:
    """aiohttp ``raise_for_status`` hook: raise typed errors with the body's code and text."""
    if response.history:
        # A renamed portal answers 302; aiohttp re-sent our POST as a bodiless GET
        # (rest-facts §1 "Portal rename"). The stored endpoint must be updated.
        raise B24ApiError("PORTAL_MOVED", "the portal redirected the call; update its address",
                          response.history[0].status)
    if response.status >= 400:
        raise error_from_body(response.status, await response.read())
    if response.content_type != "application/json":
        raw = await response.read()
        raise B24ApiError("INVALID_RESPONSE", f"non-JSON answer ({response.content_type}): "
                          + scrub(raw[:120].decode("utf-8", "replace")), response.status)


class LoopThread:
    """A daemon thread running one asyncio loop; ``run`` submits from any thread."""

    def __init__(self, name: str = "bitrix24-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coroutine`` on the loop and wait at most ``timeout`` seconds."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise B24TransportError(f"no answer within {timeout:.1f} s") from None

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


async def open_session(timeout_seconds: float) -> aiohttp.ClientSession:
    """Create the shared session inside the loop, with a real timeout and our status hook."""
    timeout = aiohttp.ClientTimeout(total=timeout_seconds, sock_connect=min(10.0, timeout_seconds))
    return aiohttp.ClientSession(
        timeout=timeout, raise_for_status=check_response,
        headers={"Accept": "application/json", "User-Agent": "store-ops/1.0"})


async def make_library_client(base_url: str, session: aiohttp.ClientSession) -> BitrixAsync:
    """Build a ``BitrixAsync`` for one portal (inside the loop: it creates asyncio objects)."""
    return BitrixAsync(base_url, client=session, **LIBRARY_OPTIONS)


async def post(bx: BitrixAsync, method: str, body: Mapping[str, Any]) -> Any:
    """One HTTP attempt: POST ``body`` as JSON to ``method``; return the decoded JSON."""
    try:
        attempt: Awaitable[Any] = bx.srh.request_attempt(method.strip().lower(), dict(body))
        return await attempt
    except B24Error:
        raise
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        # `from None`: the original text can carry the URL (a webhook code).
        raise B24TransportError(scrub(f"{type(exc).__name__}: {exc}")) from None
