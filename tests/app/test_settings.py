"""Settings are parsed once, typed, and fail at start with a message naming the variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import OFFICIAL_OAUTH_URL, ConfigError, load_settings

APP_ENV = {"B24_CLIENT_ID": "local.abc.def", "B24_CLIENT_SECRET": "s3cret",
           "APP_BASE_URL": "https://storeops.example.com/", "SECRET_KEY": "k"}


def test_no_portal_configured_means_demo_mode_on_a_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    settings = load_settings({"INSTANCE_DIR": str(tmp_path)})
    assert settings.mode == "demo"
    assert settings.database_url == f"sqlite:///{tmp_path / 'storeops.sqlite3'}"
    assert settings.secret_key  # a random one, so demo pages can still sign sessions


def test_local_application_settings_are_parsed_and_normalised() -> None:
    settings = load_settings(APP_ENV)
    assert settings.mode == "app"
    assert settings.app_base_url == "https://storeops.example.com"
    assert settings.oauth_url == OFFICIAL_OAUTH_URL


def test_a_webhook_alone_is_webhook_mode() -> None:
    settings = load_settings({"B24_WEBHOOK_URL": "https://portal.bitrix24.ru/rest/1/abc/"})
    assert settings.mode == "webhook"


@pytest.mark.parametrize("change, names", [
    ({"B24_CLIENT_SECRET": ""}, "B24_CLIENT_ID and B24_CLIENT_SECRET"),
    ({"APP_BASE_URL": ""}, "APP_BASE_URL"),
    ({"APP_BASE_URL": "storeops.example.com"}, "APP_BASE_URL"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"B24_EVENTS_MODE": "sometimes"}, "B24_EVENTS_MODE"),
    ({"B24_RATE_LIMIT_BURST": "many"}, "B24_RATE_LIMIT_BURST"),
    ({"B24_RATE_LIMIT_PER_SECOND": "0"}, "B24_RATE_LIMIT_PER_SECOND"),
    ({"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE"),
])
def test_a_bad_value_stops_start_with_the_variable_named(change: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        load_settings({**APP_ENV, **change})


def test_a_bad_webhook_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="B24_WEBHOOK_URL"):
        load_settings({"B24_WEBHOOK_URL": "portal/rest/1/abc"})


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    settings = load_settings({**APP_ENV, "B24_CLIENT_SECRET": "", "B24_CLIENT_SECRET_FILE": str(secret_file)})
    assert settings.client_secret == "from-a-file"


def test_a_missing_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        load_settings({**APP_ENV, "SECRET_KEY_FILE": str(tmp_path / "absent")})


def test_a_dotenv_file_is_read_but_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DEFAULT_LANGUAGE=en\nLOG_LEVEL=debug\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.delenv("DEFAULT_LANGUAGE", raising=False)
    settings = load_settings()
    assert settings.default_language == "en"
    assert settings.log_level == "WARNING"
