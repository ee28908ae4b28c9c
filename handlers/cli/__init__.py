"""Command-line commands beside the web handlers: thin, they parse arguments and call b24app.

Each routine adds a module here and lists its command group in ``register_commands``.
"""
from __future__ import annotations

import click


def register_commands(cli: click.Group) -> None:
    from . import org
    cli.add_command(org.org)
    from . import store_opening
    for command in store_opening.COMMANDS:
        cli.add_command(command)
