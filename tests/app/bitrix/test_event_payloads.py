"""Parsing of event, install and placement POSTs (form-encoded, PHP bracket keys)."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from b24app.bitrix.events import (InvalidPayload, parse_event_payload, parse_install_payload,
                                  parse_placement_payload, verify_application_token)

AUTH = {"auth[access_token]": "tok-a", "auth[expires]": "1760000000", "auth[expires_in]": "3600",
        "auth[scope]": "task,user", "auth[domain]": "shop.bitrix24.ru",
        "auth[server_endpoint]": "https://oauth.bitrix.info/rest/", "auth[status]": "L",
        "auth[client_endpoint]": "https://shop.bitrix24.ru/rest/", "auth[member_id]": "m-1",
        "auth[user_id]": "7", "auth[application_token]": "app-tok"}


def test_task_event_payload_from_a_multidict() -> None:
    form = MultiDict([("event", "ONTASKUPDATE"), ("event_handler_id", "12"),
                      ("data[FIELDS_BEFORE][ID]", "31"), ("data[FIELDS_AFTER][ID]", "31"),
                      ("data[IS_ACCESSIBLE_BEFORE]", "undefined"), ("ts", "1760000100"), *AUTH.items()])
    event = parse_event_payload(form)
    assert (event.event, event.member_id, event.domain, event.user_id) == ("ONTASKUPDATE", "m-1", "shop.bitrix24.ru", 7)
    assert event.data == {"FIELDS_BEFORE": {"ID": "31"}, "FIELDS_AFTER": {"ID": "31"},
                          "IS_ACCESSIBLE_BEFORE": "undefined"}
    assert (event.ts, event.handler_id, event.application_token) == (1760000100, 12, "app-tok")
    assert event.auth is not None and event.auth.access_token == "tok-a" and event.auth.client_endpoint
    assert "tok-a" not in repr(event) and "app-tok" not in repr(event)


def test_lists_are_rebuilt_from_indexed_and_empty_brackets() -> None:
    form = {"event": "onuseradd", "data[UF_DEPARTMENT][0]": "5", "data[UF_DEPARTMENT][1]": "9",
            "data[TAGS][]": "a", **AUTH}
    event = parse_event_payload(form)
    assert event.event == "ONUSERADD"
    assert event.data["UF_DEPARTMENT"] == ["5", "9"] and event.data["TAGS"] == ["a"]


def test_system_event_without_tokens_has_no_auth() -> None:
    form = {"event": "ONAPPUNINSTALL", "data[CLEAN]": "0", "auth[member_id]": "m-1",
            "auth[application_token]": "app-tok", "auth[domain]": "shop.bitrix24.ru"}
    event = parse_event_payload(form)
    assert event.auth is None and event.application_token == "app-tok" and event.user_id is None


def test_event_without_member_id_is_invalid() -> None:
    with pytest.raises(InvalidPayload):
        parse_event_payload({"event": "ONTASKADD"})


def test_install_payload() -> None:
    form = {"event": "ONAPPINSTALL", "data[VERSION]": "3", "data[LANGUAGE_ID]": "ru",
            "auth[refresh_token]": "ref-1", **AUTH}
    install = parse_install_payload(form)
    assert (install.member_id, install.refresh_token, install.version, install.language) == ("m-1", "ref-1", 3, "ru")
    assert install.client_endpoint == "https://shop.bitrix24.ru/rest/"
    with pytest.raises(InvalidPayload):
        parse_install_payload({**form, "auth[refresh_token]": ""})


def test_placement_payload_body_and_query() -> None:
    body = {"AUTH_ID": "user-tok", "AUTH_EXPIRES": "3600", "REFRESH_ID": "user-ref", "member_id": "m-1",
            "status": "L", "PLACEMENT": "TASK_VIEW_TAB", "PLACEMENT_OPTIONS": '{"taskId":"31"}',
            "APPLICATION_TOKEN": "app-tok", "SERVER_ENDPOINT": "https://oauth.bitrix.info/rest/"}
    query = {"DOMAIN": "shop.bitrix24.ru", "LANG": "en", "PROTOCOL": "1", "APP_SID": "x"}
    page = parse_placement_payload(body, query)
    assert (page.placement, page.placement_options, page.lang, page.domain) == (
        "TASK_VIEW_TAB", {"taskId": "31"}, "en", "shop.bitrix24.ru")
    assert page.auth_expires == 3600 and "user-tok" not in repr(page)
    broken = parse_placement_payload({**body, "PLACEMENT_OPTIONS": "{not json"})
    assert broken.placement_options == {}
    with pytest.raises(InvalidPayload):
        parse_placement_payload({**body, "AUTH_ID": ""})


def test_application_token_comparison() -> None:
    assert verify_application_token("abc", "abc")
    assert not verify_application_token("abc", "abd")
    assert not verify_application_token("", "")
