"""Bind the app's event handlers and placements on a portal, idempotently.

Bitrix24 removes an app's event handlers when the app is updated or uninstalled (rest-facts
§9 "Events"), and rejects a duplicate handler, so binding is "read what is there, bind what is
missing, unbind what is stale": ``event.get`` and ``placement.get`` first, then one batch of
``event.bind``/``event.unbind``/``placement.bind``/``placement.unbind``. Running it twice changes
nothing the second time. The ``portal_setup`` job runs it after install, after ONAPPUPDATE and
every few hours (which also catches an update whose event never arrived).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from config.settings import Settings

from .bitrix.commands import Command, CommandResult
from .bitrix.errors import B24ApiError, B24Error
from .i18n import translate

APP_EVENTS = ("ONTASKADD", "ONTASKUPDATE", "ONTASKDELETE", "ONTASKCOMMENTADD", "ONUSERADD",
              "ONAPPUNINSTALL", "ONAPPUPDATE")
EVENTS_PATH = "/events"
# (placement, path under APP_BASE_URL, message key of its title)
APP_PLACEMENTS = (
    ("LEFT_MENU", "/app/store-opening", "common.nav_store_opening"),
    ("LEFT_MENU", "/app/staff", "common.nav_staff"),
    ("LEFT_MENU", "/app/merch", "common.nav_merch"),
    ("LEFT_MENU", "/app/fanout", "common.nav_fanout"),
    ("LEFT_MENU", "/app/admin", "common.nav_admin"),
    ("TASK_VIEW_TAB", "/app/staff/task-tab", "install.task_tab_title"),
)
# A concurrent run may bind the same handler first; that is success, not failure
# (rest-facts §9: "Handler already exists!" / "Unable to set event handler").
_ALREADY_BOUND = ("ERROR_HANDLER_ALREADY_EXIST", "HANDLER_ALREADY_EXIST")


class BatchClient(Protocol):
    def batch(self, commands: Sequence[Command], halt: bool = False) -> dict[str, CommandResult]: ...


class BindingFailed(Exception):
    """Some bind/unbind commands failed; the message lists them (no tokens)."""


@dataclass(frozen=True)
class BindReport:
    bound: int
    unbound: int
    app_version: int | None


def wanted_events(settings: Settings) -> set[tuple[str, str, bool]]:
    """Return (event, handler URL, offline) for every event the app needs."""
    if settings.events_mode == "offline":
        return {(event, "", True) for event in APP_EVENTS}
    return {(event, settings.app_base_url + EVENTS_PATH, False) for event in APP_EVENTS}


def wanted_placements(settings: Settings) -> dict[tuple[str, str], str]:
    """Return (placement, handler URL) → title key for every placement the app needs."""
    return {(placement, settings.app_base_url + path): title for placement, path, title in APP_PLACEMENTS}


def plan_bindings(existing_events: Sequence[Mapping[str, Any]],
                  existing_placements: Sequence[Mapping[str, Any]], settings: Settings) -> list[Command]:
    """Return the bind/unbind commands that turn what is bound into what is wanted."""
    have_events = {(str(row.get("event", "")).upper(), str(row.get("handler") or ""),
                    _truthy(row.get("offline"))) for row in existing_events}
    want_events = wanted_events(settings)
    commands: list[Command] = []
    for n, (event, handler, offline) in enumerate(sorted(have_events - want_events)):
        params: dict[str, Any] = {"event": event, "handler": handler}
        if offline:
            params = {"event": event, "event_type": "offline"}
        commands.append(Command(f"event_unbind_{n}", "event.unbind", params))
    for n, (event, handler, offline) in enumerate(sorted(want_events - have_events)):
        params = {"event": event, "event_type": "offline"} if offline else {"event": event, "handler": handler}
        commands.append(Command(f"event_bind_{n}", "event.bind", params))

    have_placements = {(str(row.get("placement", "")).upper(), str(row.get("handler") or ""))
                       for row in existing_placements}
    want_placements = wanted_placements(settings)
    for n, (placement, handler) in enumerate(sorted(have_placements - set(want_placements))):
        commands.append(Command(f"placement_unbind_{n}", "placement.unbind",
                                {"PLACEMENT": placement, "HANDLER": handler}))
    for n, (placement, handler) in enumerate(sorted(set(want_placements) - have_placements)):
        title_key = want_placements[(placement, handler)]
        commands.append(Command(f"placement_bind_{n}", "placement.bind", {
            "PLACEMENT": placement, "HANDLER": handler, "TITLE": translate("ru", title_key),
            "LANG_ALL": {lang: {"TITLE": translate(lang, title_key)} for lang in ("ru", "en")}}))
    return commands


def bind_portal(client: BatchClient, settings: Settings) -> BindReport:
    """Make the portal's bindings exactly the app's; raise BindingFailed if a command fails."""
    current = client.batch([Command("events", "event.get"), Command("placements", "placement.get"),
                            Command("app", "app.info")])
    for key in ("events", "placements"):
        error = current[key].error
        if error is not None:
            raise BindingFailed(f"{key}: {_code(error)}")
    commands = plan_bindings(_rows(current["events"].result), _rows(current["placements"].result), settings)
    failures = []
    for start in range(0, len(commands), 50):
        results = client.batch(commands[start:start + 50])
        failures += [f"{key}: {_code(r.error)}" for key, r in results.items()
                     if r.error is not None and not _already_bound(r.error)]
    if failures:
        raise BindingFailed("; ".join(failures))
    app = current["app"].result if current["app"].ok else {}
    version = str(app.get("VERSION") or "") if isinstance(app, Mapping) else ""
    return BindReport(bound=sum(c.method.endswith(".bind") for c in commands),
                      unbound=sum(c.method.endswith(".unbind") for c in commands),
                      app_version=int(version) if version.isdigit() else None)


def _already_bound(error: B24Error) -> bool:
    return isinstance(error, B24ApiError) and (
        error.code in _ALREADY_BOUND or "Unable to set event handler" in error.description)


def _code(error: B24Error) -> str:
    return error.code if isinstance(error, B24ApiError) else type(error).__name__


def _rows(result: Any) -> list[Mapping[str, Any]]:
    if isinstance(result, Mapping):   # an empty PHP array may come back as {} in some envelopes
        result = list(result.values())
    return [row for row in result or [] if isinstance(row, Mapping)]


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "y")
