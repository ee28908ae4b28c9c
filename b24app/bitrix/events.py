"""Parse what Bitrix24 POSTs to the app: events, the install event, placement/page opens.

All three arrive form-encoded with PHP bracket keys (``auth[member_id]``, ``data[FIELDS_AFTER][ID]``,
rest-facts §9). Functions here are pure: they take ``request.form`` (a MultiDict) or any
``Mapping[str, str]`` and never import Flask. Token fields are kept out of ``repr``.
"""
from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping
from urllib.parse import unquote_plus

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


class InvalidPayload(ValueError):
    """The POST is not a well-formed Bitrix24 payload."""


@dataclass(frozen=True)
class EventAuth:
    """The ``auth[...]`` block of an event (absent when a robot or workflow caused it)."""
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires: int | None
    expires_in: int | None
    scope: str
    domain: str
    server_endpoint: str
    client_endpoint: str
    member_id: str
    user_id: int | None
    status: str
    application_token: str = field(repr=False)


@dataclass(frozen=True)
class InboundEventPayload:
    event: str
    member_id: str
    domain: str
    application_token: str = field(repr=False)
    user_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    ts: int | None = None
    handler_id: int | None = None
    auth: EventAuth | None = field(default=None, repr=False)


@dataclass(frozen=True)
class InstallPayload:
    """ONAPPINSTALL ("uses API only" apps): everything needed to store the portal."""
    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    application_token: str = field(repr=False)
    expires: int | None = None
    expires_in: int | None = None
    scope: str = ""
    user_id: int | None = None
    status: str = ""
    version: int | None = None
    language: str = ""


@dataclass(frozen=True)
class PlacementPayload:
    """An application page or placement open (``PLACEMENT=DEFAULT`` for the main page)."""
    auth_id: str = field(repr=False)
    refresh_id: str = field(repr=False)
    auth_expires: int | None
    member_id: str
    domain: str
    application_token: str = field(repr=False)
    placement: str
    placement_options: dict[str, Any]
    lang: str
    server_endpoint: str
    status: str


@lru_cache(maxsize=512)
def _form_key(raw: str) -> str:
    return unquote_plus(raw)


def parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    """Decode an ``application/x-www-form-urlencoded`` body into pairs, blank values kept.

    What ``parse_qsl`` does, for the events endpoint's hot path: every delivery repeats the
    same dozen bracketed keys, so their decoding is cached, and plain values are not decoded.
    """
    pairs = []
    for part in body.decode("utf-8", "replace").split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((_form_key(key), unquote_plus(value) if "%" in value or "+" in value else value))
    return pairs


def _pairs(form: Any) -> Iterable[tuple[str, str]]:
    if isinstance(form, list):
        return form
    getlist = getattr(form, "getlist", None)
    if callable(getlist):
        return [(key, value) for key in form for value in getlist(key)]
    return list(form.items())


@lru_cache(maxsize=512)
def _split(key: str) -> tuple[str, ...]:
    # Cached: every delivery of an event repeats the same dozen keys (bounded, so a sender
    # inventing keys cannot grow it).
    first = key.find("[")
    if first <= 0:
        return (key,)
    parts, position, rest = [key[:first]], 0, key[first:]
    for match in _BRACKETS.finditer(rest):
        if match.start() != position:
            break
        parts.append(match.group(1))
        position = match.end()
    return tuple(parts) if position else (key,)


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        converted = {k: _listify(v) for k, v in value.items()}
        if converted and list(converted) == [str(i) for i in range(len(converted))]:
            return list(converted.values())
        return converted
    return value


def parse_php_form(form: Mapping[str, str] | list[tuple[str, str]] | Any) -> dict[str, Any]:
    """Turn ``a[b][0]=x`` pairs into nested dicts; maps keyed "0".."n-1" become lists.

    ``form`` is a mapping (a MultiDict keeps repeated keys) or a list of (key, value) pairs.
    """
    tree: dict[str, Any] = {}
    for key, value in _pairs(form):
        node = tree
        path = _split(key)
        for index, part in enumerate(path):
            if part == "":
                part = str(sum(1 for k in node if k.isdigit()))
            if index == len(path) - 1:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return {k: _listify(v) for k, v in tree.items()}


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _text(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _auth_block(tree: Mapping[str, Any]) -> Mapping[str, Any]:
    auth = tree.get("auth")
    return auth if isinstance(auth, Mapping) else {}


def parse_event_payload(form: Mapping[str, str] | list[tuple[str, str]] | Any) -> InboundEventPayload:
    """Parse an event delivery; raise InvalidPayload without ``event`` or ``auth[member_id]``."""
    tree = parse_php_form(form)
    auth = _auth_block(tree)
    event = _text(tree, "event").upper()
    member_id = _text(auth, "member_id")
    if not event or not member_id:
        raise InvalidPayload("an event needs 'event' and 'auth[member_id]'")
    data = tree.get("data")
    event_auth = None
    if _text(auth, "access_token"):
        event_auth = EventAuth(
            access_token=_text(auth, "access_token"), refresh_token=_text(auth, "refresh_token"),
            expires=_int(auth.get("expires")), expires_in=_int(auth.get("expires_in")),
            scope=_text(auth, "scope"), domain=_text(auth, "domain"),
            server_endpoint=_text(auth, "server_endpoint"), client_endpoint=_text(auth, "client_endpoint"),
            member_id=member_id, user_id=_int(auth.get("user_id")), status=_text(auth, "status"),
            application_token=_text(auth, "application_token"))
    return InboundEventPayload(
        event=event, member_id=member_id, domain=_text(auth, "domain"),
        application_token=_text(auth, "application_token"), user_id=_int(auth.get("user_id")),
        data=data if isinstance(data, dict) else {}, ts=_int(tree.get("ts")),
        handler_id=_int(tree.get("event_handler_id")), auth=event_auth)


def parse_install_payload(form: Mapping[str, str] | Any) -> InstallPayload:
    """Parse the ONAPPINSTALL POST; raise InvalidPayload if tokens or endpoints are missing."""
    tree = parse_php_form(form)
    auth = _auth_block(tree)
    raw_data = tree.get("data")
    data: Mapping[str, Any] = raw_data if isinstance(raw_data, Mapping) else {}
    required = ("member_id", "access_token", "refresh_token", "client_endpoint", "application_token")
    missing = [name for name in required if not _text(auth, name)]
    if _text(tree, "event").upper() != "ONAPPINSTALL" or missing:
        raise InvalidPayload(f"not an ONAPPINSTALL payload (missing {', '.join(missing) or 'event'})")
    return InstallPayload(
        member_id=_text(auth, "member_id"), domain=_text(auth, "domain"),
        client_endpoint=_text(auth, "client_endpoint"), server_endpoint=_text(auth, "server_endpoint"),
        access_token=_text(auth, "access_token"), refresh_token=_text(auth, "refresh_token"),
        application_token=_text(auth, "application_token"), expires=_int(auth.get("expires")),
        expires_in=_int(auth.get("expires_in")), scope=_text(auth, "scope"),
        user_id=_int(auth.get("user_id")), status=_text(auth, "status"),
        version=_int(data.get("VERSION")), language=_text(data, "LANGUAGE_ID"))


def parse_placement_payload(form: Mapping[str, str] | Any,
                            query: Mapping[str, str] | Any | None = None) -> PlacementPayload:
    """Parse a page/placement POST (body) plus its query string (DOMAIN, LANG, ...)."""
    values: dict[str, str] = {}
    for source in (query or {}, form):
        values.update({k: v for k, v in _pairs(source) if isinstance(v, str)})
    member_id = values.get("member_id", "")
    auth_id = values.get("AUTH_ID", "")
    if not member_id or not auth_id:
        raise InvalidPayload("a placement POST needs member_id and AUTH_ID")
    options: Any = {}
    raw_options = values.get("PLACEMENT_OPTIONS", "")
    if raw_options:
        try:
            options = json.loads(raw_options)
        except ValueError:
            options = {}
    return PlacementPayload(
        auth_id=auth_id, refresh_id=values.get("REFRESH_ID", ""),
        auth_expires=_int(values.get("AUTH_EXPIRES")), member_id=member_id,
        domain=values.get("DOMAIN", ""), application_token=values.get("APPLICATION_TOKEN", ""),
        placement=values.get("PLACEMENT", "DEFAULT") or "DEFAULT",
        placement_options=options if isinstance(options, dict) else {},
        lang=values.get("LANG", ""), server_endpoint=values.get("SERVER_ENDPOINT", ""),
        status=values.get("status", ""))


def verify_application_token(stored: str, given: str) -> bool:
    """Compare application tokens in constant time; an empty stored token never matches."""
    if not stored or not given:
        return False
    return hmac.compare_digest(stored.encode("utf-8"), given.encode("utf-8"))
