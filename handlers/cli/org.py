"""`python app.py org sync`: sync departments and users of every active portal now."""
from __future__ import annotations

import click

from b24app.org.sync import sync_org
from b24app.portals import active_portals, ensure_webhook_portal
from b24app.wiring import build_services
from config.settings import load_settings


@click.group()
def org() -> None:
    """The org model (stores, managers, deputies, superiors, positions)."""


@org.command("sync")
@click.option("--portal", "member_id", default=None, help="only this portal (member_id)")
def sync(member_id: str | None) -> None:
    """Read all departments and active users from Bitrix24 and update the org model."""
    settings = load_settings()
    services = build_services(settings)
    try:
        with services.session_factory.begin() as session:
            if settings.webhook_url:
                ensure_webhook_portal(session, settings.webhook_url, services.clock.now())
            portals = [(p.id, p.member_id) for p in active_portals(session)
                       if member_id is None or p.member_id == member_id]
        if not portals:
            raise click.ClickException("no active portal to sync (install the app or set B24_WEBHOOK_URL)")
        for portal_id, member in portals:
            report = sync_org(services.session_factory, services.bitrix.for_portal(portal_id),
                              portal_id, services.clock.now())
            click.echo(f"{member}: {report.departments} departments, {report.users} users, "
                       f"{report.http_requests} HTTP requests")
    finally:
        services.close()
