"""Typed settings parsed once from the environment (optionally a .env file).

Only ``load_settings`` reads the environment; everything else receives a ``Settings``.
A bad or contradictory value stops the process at start with a message that names the
variable, instead of failing later in a request.

Two ways to connect to Bitrix24:
- an inbound webhook (``B24_WEBHOOK_URL``): jobs and the CLI only, no events and no pages;
- a local application (``B24_CLIENT_ID`` + ``B24_CLIENT_SECRET`` + ``APP_BASE_URL``):
  installs, events, embedded pages. ``B24_OAUTH_URL`` defaults to the official OAuth server.
With neither, ``python app.py`` runs the all-in-one demo on the sandbox portal.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

OFFICIAL_OAUTH_URL = "https://oauth.bitrix.info/oauth/token/"
DEFAULT_INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    webhook_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    app_base_url: str = ""
    oauth_url: str = OFFICIAL_OAUTH_URL
    events_mode: str = "online"            # "online" (event.bind handlers) | "offline" (event.offline.get)
    rate_limit_burst: int = 50             # Bitrix24 standard plans: burst 50 ...
    rate_limit_per_second: float = 2.0     # ... then 2 requests per second
    request_timeout_seconds: float = 30.0  # Bitrix24 cloud stops a request after 60 s
    max_attempts: int = 5                  # work items are parked after this many failures
    page_token_ttl_seconds: int = 3600
    default_language: str = "ru"
    log_level: str = "INFO"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """'app' (local application), 'webhook', or 'demo' (no portal configured)."""
        if self.client_id:
            return "app"
        if self.webhook_url:
            return "webhook"
        return "demo"


def env_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def env_float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def env_secret(environ: Mapping[str, str], name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (for container secrets)."""
    path = environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE points to {path!r}, which cannot be read: {exc}") from None
    return environ.get(name, default)


def _require_url(name: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")


def load_settings(environ: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Parse settings from ``environ`` (default: os.environ plus a .env file if present)."""
    if environ is None:
        if dotenv:
            from dotenv import dotenv_values, find_dotenv
            # The .env of the working directory (where the operator runs the app).
            file_values = {k: v for k, v in dotenv_values(find_dotenv(usecwd=True)).items()
                           if v is not None}
            environ = {**file_values, **os.environ}
        else:
            environ = dict(os.environ)
    instance_dir = Path(environ.get("INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
    database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'storeops.sqlite3'}"
    secret_key = env_secret(environ, "SECRET_KEY")
    webhook_url = environ.get("B24_WEBHOOK_URL", "").strip()
    client_id = environ.get("B24_CLIENT_ID", "").strip()
    client_secret = env_secret(environ, "B24_CLIENT_SECRET").strip()
    app_base_url = environ.get("APP_BASE_URL", "").strip().rstrip("/")
    oauth_url = environ.get("B24_OAUTH_URL", OFFICIAL_OAUTH_URL).strip()

    if webhook_url:
        _require_url("B24_WEBHOOK_URL", webhook_url)
    if client_id or client_secret:
        if not (client_id and client_secret):
            raise ConfigError("B24_CLIENT_ID and B24_CLIENT_SECRET must be set together")
        if not app_base_url:
            raise ConfigError("APP_BASE_URL is required for a local application "
                              "(the public HTTPS address Bitrix24 calls)")
        _require_url("APP_BASE_URL", app_base_url)
        _require_url("B24_OAUTH_URL", oauth_url)
        if not secret_key:
            raise ConfigError("SECRET_KEY is required for a local application (signs page sessions)")
    events_mode = environ.get("B24_EVENTS_MODE", "online")
    if events_mode not in ("online", "offline"):
        raise ConfigError(f"B24_EVENTS_MODE must be online or offline, got {events_mode!r}")
    language = environ.get("DEFAULT_LANGUAGE", "ru")
    if language not in ("ru", "en"):
        raise ConfigError(f"DEFAULT_LANGUAGE must be ru or en, got {language!r}")
    burst = env_int(environ, "B24_RATE_LIMIT_BURST", 50)
    per_second = env_float(environ, "B24_RATE_LIMIT_PER_SECOND", 2.0)
    if burst < 1 or per_second <= 0:
        raise ConfigError("B24_RATE_LIMIT_BURST must be ≥ 1 and B24_RATE_LIMIT_PER_SECOND > 0")
    return Settings(
        database_url=database_url,
        # Demo mode may run without a configured key: a random one per process is safe there.
        secret_key=secret_key or os.urandom(32).hex(),
        instance_dir=instance_dir,
        webhook_url=webhook_url,
        client_id=client_id,
        client_secret=client_secret,
        app_base_url=app_base_url,
        oauth_url=oauth_url,
        events_mode=events_mode,
        rate_limit_burst=burst,
        rate_limit_per_second=per_second,
        request_timeout_seconds=env_float(environ, "B24_REQUEST_TIMEOUT", 30.0),
        max_attempts=env_int(environ, "WORK_MAX_ATTEMPTS", 5),
        page_token_ttl_seconds=env_int(environ, "PAGE_TOKEN_TTL", 3600),
        default_language=language,
        log_level=environ.get("LOG_LEVEL", "INFO").upper(),
    )
