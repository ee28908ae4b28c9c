"""Errors map to JSON or pages in one place, never a traceback; /healthz checks the database."""
from __future__ import annotations

from typing import Callable

from flask import Flask
from flask.testing import FlaskClient

from b24app.wiring import Services

from .conftest import build_app


def test_health_reports_the_database(app_client: FlaskClient) -> None:
    answer = app_client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}


def test_machine_endpoints_answer_json_and_pages_answer_html(app_client: FlaskClient) -> None:
    wrong_method = app_client.get("/events")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"] == "METHOD_NOT_ALLOWED"
    missing = app_client.get("/app/nowhere")
    assert missing.status_code == 404 and "text/html" in missing.content_type
    assert "Страница не найдена" in missing.get_data(as_text=True)
    english = app_client.get("/app/nowhere?lang=en")
    assert "Page not found" in english.get_data(as_text=True)


def test_an_unexpected_error_shows_no_traceback(make_services: Callable[..., Services]) -> None:
    app: Flask = build_app(make_services(app_base_url="http://127.0.0.1:9"))

    @app.get("/app/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    answer = app.test_client().get("/app/boom")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body


def test_install_without_a_known_shape_is_a_400(app_client: FlaskClient) -> None:
    answer = app_client.post("/install", data={"event": "ONAPPINSTALL"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "INVALID_REQUEST"
