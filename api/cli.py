"""Command-line set-up: `flask --app api setup-demo` migrates the database, loads every unit of the
2025 map with its agencies, publishes the procedures in processes/ and prints one province's demo
accounts; `load-units` reloads the map alone. All commands are idempotent.
"""

from __future__ import annotations

import click
from flask import Flask

from api.wiring import wiring
from engine.domain.unit import HUE_PROVINCE_CODE, UnitKind


@click.command("setup-demo")
@click.option("--province", default=HUE_PROVINCE_CODE, show_default=True, help="province code to load")
def setup_demo(province: int) -> None:
    """Migrate, load one province's units, publish procedures, create demo accounts (idempotent)."""
    w = wiring()
    count, published, created = w.setup_demo(province)
    click.echo(f"Units: {count} loaded. Procedures published now: {', '.join(published) or 'none changed'}.")
    with w.uow() as uow:
        units = uow.units.list(province_id=f"{province:02d}")
    communes = [u for u in units if u.kind == UnitKind.COMMUNE]
    agencies = [u for u in units if u.kind == UnitKind.AGENCY and u.agency != "police"]
    click.echo(f"Demo accounts ({len(created)} new), password '{w.settings.demo_password}':")
    click.echo(f"  admin.{province:02d}, supervisor.{province:02d}  (province)")
    for unit in communes[:3]:
        click.echo(f"  reception.{unit.id}, specialist.{unit.id}, leader.{unit.id}  ({unit.name})")
    click.echo(f"  ... and the same three roles at each of the other {max(len(communes) - 3, 0)} communes")
    for unit in agencies:
        click.echo(f"  specialist.{unit.id}, leader.{unit.id}  ({unit.name})")
    click.echo("  specialist.<commune>-CA, leader.<commune>-CA  (the police of each commune)")


@click.command("load-units")
def load_units() -> None:
    """Load or refresh the 34 provinces, 3,321 communes and their agencies."""
    w = wiring()
    w.migrate()
    click.echo(f"{w.load_units()} units loaded")


@click.command("migrate")
def migrate() -> None:
    """Bring the database schema to the newest revision."""
    wiring().migrate()
    click.echo("database is at the newest revision")


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_demo)
    app.cli.add_command(migrate)
    app.cli.add_command(load_units)
