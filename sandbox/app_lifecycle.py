"""Local-app lifecycle as Bitrix24 runs it: register, install, update, uninstall, registration.

Sources: rest-facts §9 (install POST, "Handlers are removed when the app is updated or
uninstalled"), on-app-install.md, settings/app-uninstallation.md, on-user-add.md.
"""
from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from .errors import RestError
from .events import EventDispatcher
from .payloads import auth_block, event_form
from .runtime import Sandbox
from .state import App, User
from .tokens import issue_tokens


def bad_request(text: str) -> RestError:
    return RestError("INVALID_REQUEST", text, 400)


def _url(value: Any, name: str) -> str:
    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request(f"{name} must be an absolute http(s) URL")
    return text


def _scopes(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise bad_request("scopes must be a list of scope codes")
    scopes = [s.strip().lower() for s in items if s.strip()]
    if not scopes:
        raise bad_request("scopes must not be empty")
    return scopes


def register_app(sandbox: Sandbox, body: dict[str, Any]) -> App:
    """Create a local app (client_id ``local.<hex>.<digits>``) with fresh secrets."""
    install_url = _url(body.get("install_url"), "install_url")
    handler_base = _url(body.get("handler_base") or install_url, "handler_base")
    client_id = f"local.{secrets.token_hex(7)}.{secrets.randbelow(10 ** 8):08d}"
    app = App(client_id=client_id, client_secret=secrets.token_urlsafe(36)[:50],
              code=str(body.get("code") or client_id), install_url=install_url,
              handler_base=handler_base, scopes=_scopes(body.get("scopes")),
              application_token=secrets.token_hex(16))
    with sandbox.portal.lock:
        sandbox.portal.apps[client_id] = app
    return app


def find_app(sandbox: Sandbox, client_id: str) -> App:
    app = sandbox.portal.apps.get(client_id)
    if app is None:
        raise RestError("APPLICATION_NOT_FOUND", "Application not found", 404)
    return app


def dispatcher(sandbox: Sandbox) -> EventDispatcher:
    """The sandbox's delivering sink (a private one when the sink only records)."""
    sink = sandbox.events
    return sink if isinstance(sink, EventDispatcher) else EventDispatcher(sandbox)


def admin_user(sandbox: Sandbox, user_id: Any = None) -> User:
    portal = sandbox.portal
    if user_id not in (None, ""):
        user = portal.users.get(int(user_id)) if str(user_id).isdigit() else None
        if user is None or not user.is_admin or not user.active:
            raise bad_request("user_id must be an active portal admin")
        return user
    admins = sorted((u for u in portal.users.values() if u.is_admin and u.active), key=lambda u: u.id)
    if not admins:
        raise bad_request("the portal has no active admin")
    return admins[0]


def _install_post(sandbox: Sandbox, app: App, user: User) -> dict[str, Any]:
    now = sandbox.clock.timestamp()
    access, refresh = issue_tokens(sandbox.portal, app.client_id, user.id, now)
    data = {"VERSION": app.version, "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "ru"}
    form = event_form("ONAPPINSTALL", None, data, int(now), auth_block(sandbox, app, access, refresh))
    return dispatcher(sandbox).deliver_now(app.install_url, form, "ONAPPINSTALL", app.client_id)


def _clear_bindings(sandbox: Sandbox, app: App) -> None:
    portal = sandbox.portal
    with portal.lock:
        for store in (portal.event_bindings, portal.placements):
            for key in [k for k, v in store.items() if v.client_id == app.client_id]:
                del store[key]


def install(sandbox: Sandbox, app: App, user_id: Any = None) -> dict[str, Any]:
    """Mark the app installed, then POST ONAPPINSTALL (tokens + application_token) to it.

    "Uses API only" apps count as installed once the form is saved, so the install handler
    may already call event.bind/placement.bind with the tokens it receives.
    """
    user = admin_user(sandbox, user_id)
    with sandbox.portal.lock:
        app.installed = True
    return {"installed": True, "version": app.version, "delivery": _install_post(sandbox, app, user)}


def update(sandbox: Sandbox, app: App, user_id: Any = None) -> dict[str, Any]:
    """A new version: ONAPPUPDATE to bound handlers, bindings cleared, install POST again."""
    user = admin_user(sandbox, user_id)
    previous = app.version
    with sandbox.portal.lock:
        app.version += 1
    sink = dispatcher(sandbox)
    sink.fire("ONAPPUPDATE", {"VERSION": app.version, "PREVIOUS_VERSION": previous,
                              "LANGUAGE_ID": "ru"}, user.id, f"app:{app.client_id}")
    _clear_bindings(sandbox, app)
    with sandbox.portal.lock:
        app.installed = True
    return {"installed": True, "version": app.version, "delivery": _install_post(sandbox, app, user)}


def uninstall(sandbox: Sandbox, app: App, clean: bool) -> dict[str, Any]:
    """ONAPPUNINSTALL {LANGUAGE_ID, CLEAN} without tokens, then drop bindings and tokens."""
    portal = sandbox.portal
    sink = dispatcher(sandbox)
    with portal.lock:
        targets = [b for b in portal.event_bindings.values()
                   if b.client_id == app.client_id and b.event == "ONAPPUNINSTALL" and not b.offline]
        app.installed = False
    deliveries = []
    for binding in targets:
        form = event_form("ONAPPUNINSTALL", binding.id, {"LANGUAGE_ID": "ru", "CLEAN": int(clean)},
                          int(sandbox.clock.timestamp()), auth_block(sandbox, app, None))
        deliveries.append(sink.deliver_now(binding.handler, form, "ONAPPUNINSTALL",
                                           app.client_id, binding.id))
    _clear_bindings(sandbox, app)
    with portal.lock:
        for store in (portal.access_tokens, portal.refresh_tokens):
            for key in [k for k, v in store.items() if v.client_id == app.client_id]:
                del store[key]
        for record_id in [k for k, v in portal.offline_events.items() if v.client_id == app.client_id]:
            del portal.offline_events[record_id]
    return {"installed": False, "deliveries": deliveries}


def complete_registration(sandbox: Sandbox, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """An invited user finishes registration: ONUSERADD fires now, never at invite time."""
    portal = sandbox.portal
    with portal.lock:
        user = portal.users.get(user_id)
        if user is None:
            raise RestError("NOT_FOUND", "User not found", 404)
        if user.registered:
            raise RestError("ALREADY_REGISTERED", "The user has already registered", 409)
        for key, attr in (("NAME", "name"), ("LAST_NAME", "last_name"),
                          ("SECOND_NAME", "second_name"), ("PERSONAL_MOBILE", "personal_mobile"),
                          ("TIME_ZONE", "time_zone")):
            if isinstance(body.get(key), str) and body[key].strip():
                setattr(user, attr, body[key].strip())
        user.registered = True
        data = {"ID": user.id, "ACTIVE": "Y" if user.active else "N", "EMAIL": user.email,
                "NAME": user.name, "LAST_NAME": user.last_name, "SECOND_NAME": user.second_name,
                "UF_DEPARTMENT": list(user.departments), "WORK_POSITION": user.work_position,
                "PERSONAL_MOBILE": user.personal_mobile}
        sandbox.events.fire("ONUSERADD", data, user.id, f"user:{user.id}")
    return {"registered": True, "user_id": user.id}
