"""The REST method table and the context a method runs in.

A method is a function ``handler(call: Call) -> Any`` registered with ``@rest_method``.
It returns the ``result`` value, or a ``Page`` for list methods (the server then adds
``total``/``next``), and raises ``RestError`` for every documented failure.

Method modules live in ``sandbox/methods/``; ``sandbox.methods.load_all()`` imports them so
that their decorators run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .errors import RestError, core_error

if TYPE_CHECKING:
    from .state import Portal, User

PAGE_SIZE = 50


@dataclass
class Page:
    """A page of a list method: the server renders ``total`` and ``next`` from it.

    ``total`` is None in fast mode (``start=-1``), where Bitrix24 answers total 0 and no next.
    """
    items: Any
    total: int | None
    next: int | None


@dataclass(frozen=True)
class Auth:
    """Who is calling and how."""
    kind: str                    # "webhook" | "oauth"
    user_id: int
    client_id: str = ""          # the app, for OAuth calls
    webhook_code: str = ""
    scopes: tuple[str, ...] = ()  # empty: every scope


class EventSink(Protocol):
    def fire(self, event: str, data: dict[str, Any], user_id: int | None,
             object_key: str = "") -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
    def timestamp(self) -> float: ...


@dataclass
class Call:
    """One REST method invocation."""
    method: str
    params: dict[str, Any]
    auth: Auth
    portal: "Portal"
    clock: Clock
    events: EventSink
    base_url: str                # e.g. http://127.0.0.1:8090 (for download URLs and links)
    in_batch: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> "User":
        return self.portal.users[self.auth.user_id]

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    def now(self) -> datetime:
        return self.clock.now()

    def get(self, *names: str, default: Any = None) -> Any:
        """Return the first parameter present under any of ``names`` (exact case)."""
        for name in names:
            if name in self.params:
                return self.params[name]
        return default

    def get_ci(self, name: str, default: Any = None) -> Any:
        """Return a parameter matched case-insensitively (for methods whose docs mix cases)."""
        lower = name.lower()
        for key, value in self.params.items():
            if key.lower() == lower:
                return value
        return default

    def positional(self) -> list[Any]:
        """Values in arrival order, names ignored (how the legacy task.* dispatcher reads them).

        Only ``auth`` is dropped (the REST server consumes it). fast-bitrix24's ``__order``
        parameter stays: the real dispatcher passes it on as the first argument, which is why
        ``Bitrix.call()`` on task.checklistitem.* fails on a real portal (fast-bitrix24.md §6).
        """
        return [v for k, v in self.params.items() if k != "auth"]

    def require_admin(self) -> None:
        if not self.is_admin:
            raise RestError("ACCESS_DENIED", "Access denied!", 403)


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class MethodSpec:
    name: str
    handler: Handler
    scope: str
    admin_only: bool = False
    app_only: bool = False       # webhooks get WRONG_AUTH_TYPE
    batchable: bool = True


METHODS: dict[str, MethodSpec] = {}


def rest_method(name: str, *, scope: str, admin_only: bool = False, app_only: bool = False,
                batchable: bool = True) -> Callable[[Handler], Handler]:
    """Register ``handler`` as REST method ``name`` (lower-case, as Bitrix24 matches it)."""
    def register(handler: Handler) -> Handler:
        key = name.lower()
        if key in METHODS:
            raise RuntimeError(f"REST method {name} registered twice")
        METHODS[key] = MethodSpec(key, handler, scope, admin_only, app_only, batchable)
        return handler
    return register


def to_int(value: Any, what: str = "value") -> int:
    """Parse an integer parameter the way PHP would accept it, else ERROR_CORE."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise core_error(f"Invalid {what}: {value!r}<br>")


def page_of(items: list[Any], start: Any) -> Page:
    """Cut one page of 50 from ``items`` per ``start`` (``-1``: fast mode, no total)."""
    try:
        offset = int(start or 0)
    except (TypeError, ValueError):
        offset = 0
    if offset == -1:
        return Page(items[:PAGE_SIZE], None, None)
    offset = max(offset, 0)
    chunk = items[offset:offset + PAGE_SIZE]
    nxt = offset + PAGE_SIZE if offset + PAGE_SIZE < len(items) else None
    return Page(chunk, len(items), nxt)
