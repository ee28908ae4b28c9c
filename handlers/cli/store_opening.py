"""Store opening from the command line: templates import, stores list, schedules set.

    python app.py templates import FILE.json
    python app.py stores list --json
    python app.py schedules set --stores all|ID,ID --template NAME --days daily|mon,tue
                                --create-at HH:MM --deadline HH:MM --enable|--disable
Tests pass ready ``Services`` as ``obj``; otherwise they are built from the environment.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from b24app.i18n import translate
from b24app.org import queries as org
from b24app.portals import active_portals
from b24app.store_opening.schedule_admin import (ScheduleChange, bulk_apply, schedule_days_text,
                                                 schedules_by_store)
from b24app.store_opening.schedules import parse_days
from b24app.store_opening.templates_admin import (TemplateError, import_templates,
                                                  template_by_name)
from b24app.wiring import Services


@contextmanager
def _services(ctx: click.Context) -> Iterator[Services]:
    given = ctx.find_object(Services)
    if given is not None:
        yield given
        return
    from b24app.wiring import build_services
    from config.settings import load_settings
    built = build_services(load_settings())
    try:
        yield built
    finally:
        built.close()


def _portal_id(session: Session, member_id: str | None) -> int:
    portals = active_portals(session)
    if member_id:
        portals = [p for p in portals if p.member_id == member_id]
    if len(portals) != 1:
        raise click.UsageError("choose one active portal with --portal MEMBER_ID")
    return portals[0].id


def _message(key: str, values: dict[str, Any] | None = None) -> str:
    return translate("en", f"store_opening.{key}", **(values or {}))


portal_option = click.option("--portal", "member_id", default=None,
                             help="member_id of the portal (when several are installed)")


@click.group("templates")
def templates() -> None:
    """Checklist templates of store opening."""


@templates.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@portal_option
@click.pass_context
def templates_import(ctx: click.Context, path: Path, member_id: str | None) -> None:
    """Import templates from a JSON list of {"name": ..., "items": [...]}."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{path}: not JSON ({exc})") from None
    with _services(ctx) as services, services.session_factory.begin() as session:
        try:
            saved = import_templates(session, _portal_id(session, member_id), payload,
                                     services.clock.now())
        except TemplateError as exc:
            raise click.ClickException(_message(exc.key, exc.values)) from None
        for template in saved:
            click.echo(f"{template.name}: {len(template.items)} items (version {template.version})")


@click.group("stores")
def stores() -> None:
    """Stores known to the org model, with their opening schedules."""


@stores.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@portal_option
@click.pass_context
def stores_list(ctx: click.Context, as_json: bool, member_id: str | None) -> None:
    """List the stores with their time zone and schedule."""
    with _services(ctx) as services, services.session_factory() as session:
        portal_id = _portal_id(session, member_id)
        schedules = schedules_by_store(session, portal_id)
        rows = []
        for store in org.stores(session, portal_id):
            s = schedules.get(store.b24_id)
            rows.append({
                "id": store.b24_id, "name": store.name, "country": store.country,
                "region": store.region, "city": store.city,
                "time_zone": store.effective_time_zone,
                "manager_id": org.store_manager(session, portal_id, store.b24_id),
                "enabled": bool(s and s.enabled), "template_id": s.template_id if s else None,
                "days": schedule_days_text(s) if s else None,
                "create_at": s.create_at if s else None, "deadline": s.deadline if s else None})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        state = "on " if row["enabled"] else "off"
        click.echo(f"{row['id']:>6} {state} {row['time_zone']:<20} {row['city']} / {row['name']}")


@click.group("schedules")
def schedules() -> None:
    """Opening schedules of stores."""


@schedules.command("set")
@click.option("--stores", "store_spec", required=True, help="all, or store IDs: 10,11,12")
@click.option("--template", "template_name", default=None, help="checklist template name")
@click.option("--days", default=None, help="daily | mon,tue,... | every:N")
@click.option("--create-at", default=None, help="local creation time HH:MM")
@click.option("--deadline", default=None, help="local deadline HH:MM")
@click.option("--enable/--disable", "enabled", default=None)
@portal_option
@click.pass_context
def schedules_set(ctx: click.Context, store_spec: str, template_name: str | None,
                  days: str | None, create_at: str | None, deadline: str | None,
                  enabled: bool | None, member_id: str | None) -> None:
    """Set the schedule of many stores at once (all or nothing)."""
    frequency = weekdays = every_n = None
    if days is not None:
        try:
            frequency, weekdays, every_n = parse_days(days)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--days") from None
    with _services(ctx) as services, services.session_factory.begin() as session:
        portal_id = _portal_id(session, member_id)
        template_id = None
        if template_name is not None:
            template = template_by_name(session, portal_id, template_name)
            if template is None:
                raise click.BadParameter(f"no template named {template_name!r}",
                                         param_hint="--template")
            template_id = template.id
        store_ids = _store_ids(session, portal_id, store_spec)
        change = ScheduleChange(enabled=enabled, template_id=template_id, frequency=frequency,
                                weekdays=weekdays, every_n_days=every_n, create_at=create_at,
                                deadline=deadline)
        errors = bulk_apply(session, portal_id, store_ids, change, services.clock.now())
        if errors:
            lines = [f"store {sid}: " + "; ".join(_message(k) for k in keys)
                     for sid, keys in sorted(errors.items())]
            raise click.ClickException("nothing changed:\n" + "\n".join(lines))
    click.echo(f"{len(store_ids)} store schedule(s) updated")


def _store_ids(session: Session, portal_id: int, spec: str) -> list[int]:
    if spec.strip().lower() == "all":
        return [s.b24_id for s in org.stores(session, portal_id)]
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise click.BadParameter("give all or store IDs separated by commas", param_hint="--stores")
    return [int(p) for p in parts]


COMMANDS = (templates, stores, schedules)

