"""Store Ops: the Flask app factory and the command line.

    python app.py                      all-in-one demo on the sandbox portal (no portal configured)
    python app.py serve                the web app (production: gunicorn 'app:create_app()')
    python app.py worker               the one scheduler process
    python app.py run-job NAME --now ISO   one bounded step of a job (--list names them)
    python app.py db upgrade           apply migrations
    python app.py org sync             sync departments and users now
Routine commands (templates, stores, schedules, ...) are registered from handlers/cli/.
"""
from __future__ import annotations

import logging
import sys
from datetime import datetime, timezone
from typing import Any

import click
from flask import Flask

from config.settings import ConfigError, Settings, load_settings


def create_app(settings: Settings | None = None, services: Any = None) -> Flask:
    """Build the web app: settings → services → templates → blueprints → error handlers."""
    from b24app.wiring import build_services
    from handlers import register_blueprints
    from handlers.errors import register_error_handlers
    from handlers.templating import register_templating

    settings = settings or _load_settings_or_exit()
    configure_logging(settings)
    services = services or build_services(settings)
    app = Flask(__name__, template_folder="templates")
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=32 * 1024 * 1024,
                      JSON_AS_ASCII=False)
    app.extensions["b24app"] = services
    register_templating(app)
    register_blueprints(app)
    register_error_handlers(app)
    return app


def configure_logging(settings: Settings) -> None:
    """Log to stderr; keep libraries that log request data (parameters, tokens) quiet."""
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("fast_bitrix24").setLevel(logging.WARNING)
    # Access lines carry the page token (?t=...) of every request: keep them out of the log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # A run skipped because the previous one is still going is normal (max_instances=1).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def _load_settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


def _parse_instant(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 instant: {value!r}") from None
    if instant.tzinfo is None:
        raise click.BadParameter("give the instant with its offset, e.g. 2026-12-04T06:00:00+03:00")
    return instant


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Store Ops for Bitrix24."""
    if ctx.invoked_subcommand is None:
        settings = _load_settings_or_exit()
        if settings.mode == "demo":
            from demo import run_demo
            run_demo(settings)
        else:
            ctx.invoke(serve)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app (development server; use gunicorn in production)."""
    app = create_app()
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@cli.command()
def worker() -> None:
    """Run the scheduler: the work queue, event processing, syncs and routine jobs."""
    from b24app.wiring import build_services
    from jobs.scheduler import build_scheduler

    settings = _load_settings_or_exit()
    configure_logging(settings)
    services = build_services(settings)
    scheduler = build_scheduler(services)
    click.echo("worker started; Ctrl+C stops it")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        services.close()


@cli.command("run-job")
@click.argument("name", required=False)
@click.option("--now", "now_text", default=None, help="the instant to run at (ISO 8601 with offset)")
@click.option("--list", "list_jobs", is_flag=True, help="list the jobs")
def run_job_command(name: str | None, now_text: str | None, list_jobs: bool) -> None:
    """Run one bounded step of job NAME as if it were NOW."""
    from b24app.wiring import build_services
    from jobs.registry import get_jobs
    from jobs.scheduler import run_job

    jobs = get_jobs()
    if list_jobs or not name:
        for spec in jobs.values():
            click.echo(f"{spec.name:24} {spec.description}")
        return
    if name not in jobs:
        raise click.BadParameter(f"unknown job {name!r}; try --list")
    settings = _load_settings_or_exit()
    configure_logging(settings)
    services = build_services(settings)
    try:
        done = run_job(services, name, _parse_instant(now_text))
    finally:
        services.close()
    click.echo(f"{name}: {done} item(s) processed")


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from b24app.migrate import upgrade

    settings = _load_settings_or_exit()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database is up to date")


def _register_routine_commands() -> None:
    from handlers.cli import register_commands
    register_commands(cli)


_register_routine_commands()

if __name__ == "__main__":
    cli()
