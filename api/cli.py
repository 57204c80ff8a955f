"""Command-line set-up: `flask --app api setup-demo` migrates the database, loads the units of
Thành phố Huế, publishes the procedures in processes/ and prints the demo accounts.
"""

from __future__ import annotations

import click
from flask import Flask

from api.wiring import wiring
from engine.domain.unit import HUE_PROVINCE_CODE


@click.command("setup-demo")
@click.option("--province", default=HUE_PROVINCE_CODE, show_default=True, help="province code to load")
def setup_demo(province: int) -> None:
    """Migrate, load one province's units, publish procedures, create demo accounts (idempotent)."""
    w = wiring()
    count, published, created = w.setup_demo(province)
    click.echo(f"Units: {count} loaded. Procedures published now: {', '.join(published) or 'none changed'}.")
    with w.uow() as uow:
        communes = uow.units.list(kind="commune")
    click.echo(f"Demo accounts ({len(created)} new), password '{w.settings.demo_password}':")
    click.echo(f"  admin.{province:02d}, supervisor.{province:02d}  (province)")
    for unit in communes[:3]:
        click.echo(f"  reception.{unit.id}, specialist.{unit.id}, leader.{unit.id}  ({unit.name})")
    click.echo(f"  ... and the same three roles at each of the other {max(len(communes) - 3, 0)} communes")


@click.command("migrate")
def migrate() -> None:
    """Bring the database schema to the newest revision."""
    wiring().migrate()
    click.echo("database is at the newest revision")


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_demo)
    app.cli.add_command(migrate)
