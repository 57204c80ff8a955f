"""Command-line set-up: `flask --app api setup` migrates the database, loads every unit of the 2025 map
with its agencies and the electronic identifiers listed in processes/unit_codes/*.csv, and publishes the
procedures in processes/, creating no account (production; the first admin is `users create`);
`setup-demo` does the same and creates one province's demo accounts. `load-units` reloads the map alone,
`load-unit-codes FILE.csv` a province's identifiers, `import-catalogue FILE.csv` a province's procedure
catalogue (as that province's admin). All set-up commands are idempotent. `worker` runs the
background jobs (timers, near-due and overdue marking, supplementation expiry) until stopped.
`simulate` fills the database with demo data: past working days of one province's centres, driven
through the services (each run adds dossiers; `--if-empty` does nothing once there are some).
`verify` checks the history hash chains and every stored JSON value, and exits with 1 if any event was
edited, inserted or deleted, or a value cannot be read back. `exchange-certificate` makes the key and certificate
of this deployment in the exchange between provinces (docs/exchange.md).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from api.wiring import Wiring, wiring
from engine.adapters.definitions import read_scenarios
from engine.adapters.units import read_unit_codes
from engine.domain.actor import Actor, Role
from engine.domain.errors import DomainError, NotFoundError, ValidationFailedError
from engine.domain.procedure_catalogue import CatalogueRefusedError
from engine.domain.unit import HUE_PROVINCE_CODE, UnitKind
from engine.services import accounts, catalogue_import, demo, directory, files, integrity, outbound, results, simulation
from engine.services import worker as background


@click.command("setup")
@with_appcontext
def setup() -> None:
    """Migrate, load every unit and the units' identifiers, publish the shipped procedures; creates no account
    (idempotent). The first admin is then `flask --app api users create … --role admin`."""
    _setup(wiring())
    click.echo("No account was created: create the first admin with "
               "`flask --app api users create <username> --unit <province> --role admin --name …`.")


def _setup(w: Wiring) -> None:
    count, published = w.setup()
    click.echo(f"Database at the newest revision. Units: {count} loaded.")
    for path in sorted((w.settings.processes_dir / "unit_codes").glob("*.csv")):
        _load_unit_codes(path)
    click.echo(f"Procedures published now: {', '.join(published) or 'none changed'}.")


@click.command("setup-demo")
@click.option("--province", default=HUE_PROVINCE_CODE, show_default=True, help="province code to load")
def setup_demo(province: int) -> None:
    """`setup`, then create one province's demo accounts, all with the demo password (idempotent)."""
    w = wiring()
    _setup(w)
    created = w.create_demo_accounts(province)
    units = directory.units(w.uow(), province_id=f"{province:02d}")
    communes = [u for u in units if u.kind == UnitKind.COMMUNE]
    agencies = [u for u in units if u.kind == UnitKind.AGENCY and u.agency != "police"]
    click.echo(f"Demo accounts ({len(created)} new), password '{w.settings.demo_password}':")
    click.echo(f"  admin.{province:02d}, supervisor.{province:02d}  (province); portal.{province:02d} (the portal's "
               "machine client, API only)")
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


@click.command("load-unit-codes")
@with_appcontext
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_unit_codes(path: Path) -> None:
    """Give units the electronic identifiers (Decision 20/2020) of a province's list: a CSV with the header
    unit_id,agency_code,name,source. All or nothing; loading the same list again changes nothing."""
    wiring().migrate()
    _load_unit_codes(path)


def _load_unit_codes(path: Path) -> None:
    try:
        count = accounts.load_unit_codes(wiring().uow(), read_unit_codes(path))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="FILE.csv") from error
    except ValidationFailedError as error:
        for problem in error.errors:
            click.echo(f"{path}: line {problem.pointer.rpartition('/')[2]}: {problem.message}", err=True)
        raise click.ClickException(f"{path}: {error}") from error
    click.echo(f"{path.name}: {_count(count, 'unit identifier')} loaded")


@click.command("import-catalogue")
@with_appcontext
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check the file and say what would be published, storing nothing")
@click.option("--province", default=HUE_PROVINCE_CODE, show_default=True,
              help="the province whose admin the server's shell acts as")
def import_catalogue(path: Path, dry_run: bool, province: int) -> None:
    """Publish a procedure catalogue's new and changed rows (processes/catalogue/README.md), all or nothing;
    each problem is printed with its line, and the command exits with 1."""
    w = wiring()
    shell = Actor(user_id=0, username="shell", unit_id=f"{province:02d}", roles=frozenset({Role.ADMIN.value}))
    try:
        result = catalogue_import.import_catalogue(w.uow(), actor=shell, text=path.read_bytes(), clock=w.clock,
                                                   dry_run=dry_run)
    except CatalogueRefusedError as error:
        for problem in error.problems:
            click.echo(f"{path}: {problem}", err=True)
        raise click.ClickException(f"{path}: {_count(len(error.problems), 'problem')}; nothing was imported") from error
    except DomainError as error:  # no such province (run `setup` first), or a version published meanwhile
        raise click.ClickException(f"{path}: {error}; nothing was imported") from error
    counts = {outcome: result.count(outcome) for outcome in (catalogue_import.NEW, catalogue_import.NEW_VERSION,
                                                             catalogue_import.UNCHANGED)}
    click.echo(f"{path.name}: {'checked, nothing published: ' if dry_run else ''}{counts['new']} new, "
               f"{counts['new_version']} new versions, {counts['unchanged']} unchanged")


@click.command("migrate")
def migrate() -> None:
    """Bring the database schema to the newest revision."""
    wiring().migrate()
    click.echo("database is at the newest revision")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="run the jobs due now, then exit")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.01),
              help="seconds to wait when no job is due")
@click.option("--outbox-lease", default=outbound.LEASE.total_seconds(), show_default=True,
              type=click.FloatRange(min=1), help="seconds an outbound message is left to this worker to deliver")
def worker(once: bool, interval: float, outbox_lease: float) -> None:
    """Run due background jobs; stops cleanly (after the job in hand) on SIGTERM or SIGINT."""
    # Its log lines are in the server's format and level: create_app configured logging (api/observability.py).
    w = wiring()
    handlers = background.handlers(calendar=w.calendar, catalogue=w.catalogue)
    transports = w.transports()

    def deliver() -> int:
        if not transports:
            return 0
        return outbound.deliver_due(w.uow, transports=transports, clock=w.clock, lease=timedelta(seconds=outbox_lease))

    if once:
        total = sent = 0
        while ran := background.run_due(w.uow, handlers=handlers, clock=w.clock):
            total += ran
        while tried := deliver():
            sent += tried
        click.echo(f"{total} jobs run" + (f", {sent} outbound messages tried" if transports else ""))
        return
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()  # the job in hand finishes (or rolls back) first

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    click.echo(f"worker: running due jobs, looking again every {interval:g}s when idle")
    total = background.run_forever(w.uow, handlers=handlers, clock=w.clock, interval_seconds=interval, stop_event=stop,
                                   housekeeping=lambda now: _collect(w, now), outbound=deliver)
    click.echo(f"worker: stopped after {total} jobs")


@click.command("simulate")
@with_appcontext
@click.option("--days", default=5, show_default=True, type=click.IntRange(1, 60),
              help="past working days to simulate, ending now")
@click.option("--per-centre", default=3.0, show_default=True, type=click.FloatRange(min=0),
              help="dossiers per commune centre per day, on average")
@click.option("--seed", default=1, show_default=True, help="the same seed plans the same days")
@click.option("--province", default=HUE_PROVINCE_CODE, show_default=True, help="province code")
@click.option("--if-empty", is_flag=True, help="do nothing if the province's centres have dossiers already")
def simulate(days: int, per_centre: float, seed: int, province: int, if_empty: bool) -> None:
    """Simulate past working days at a province's centres so the pages show lifelike data."""
    w = wiring()
    w.migrate()
    if demo.is_set_up(w.uow(), province=province):
        w.publish_procedures()  # a no-op unless processes/ changed
    else:
        click.echo("Setting up the demo first (units, procedures, accounts)...")
        w.setup_demo(province)
    if if_empty and demo.has_dossiers(w.uow(), province=province):
        click.echo("The province's centres have dossiers already: nothing simulated.")
        return

    def progress(day: date, totals: simulation.Summary) -> None:
        click.echo(f"{day:%a %d/%m/%Y}: {totals.received} received, {totals.tasks_completed} steps done, "
                   f"{totals.returned} returned so far")

    summary = simulation.simulate(w.uow, catalogue=w.catalogue, calendar=w.calendar, clock=w.clock,
                                  scenarios=read_scenarios(w.settings.processes_dir), province=province,
                                  days=days, per_centre=per_centre, seed=seed, on_day=progress,
                                  scan=w.settings.processes_dir / "sample_scan.pdf", store=w.store)
    click.echo(f"Simulated {days} working days in {summary.elapsed_seconds:.1f}s: {summary.submitted} submitted "
               f"online, {summary.guided} guided to complete, {summary.received} dossiers received, "
               f"{summary.tasks_completed} steps completed, {summary.supplementations} supplementations, "
               f"{summary.returned} returned, {summary.refused} refused reception, {summary.withdrawn} withdrawn, "
               f"{summary.still_open} still open, {summary.rated} rated; {summary.jobs_run} background jobs run.")
    if summary.errors:
        click.echo("Actions the services refused: "
                   + ", ".join(f"{kind} {count}" for kind, count in sorted(summary.errors.items())))


@click.command("verify")
@with_appcontext
@click.option("--dossier", "dossier_code", metavar="CODE", help="check this dossier only (default: every dossier)")
def verify_history(dossier_code: str | None) -> None:
    """Read every stored JSON value, then walk the history hash chains; list every value the JSON codec refuses
    and every event edited, inserted, deleted or moved, exit 1 if any."""
    # The values first: they are read as text, so a row the codec refuses is named even if it stops the walk.
    readable = _verify_json(dossier_code)
    try:
        report = integrity.verify(wiring().uow(), dossier_code=dossier_code)
    except NotFoundError as error:
        raise click.BadParameter(str(error), param_hint="--dossier") from error
    for found in report.breaks:
        event = f"event {found.event_id}" if found.event_id is not None else "no event"
        click.echo(f"{found.dossier_code}  #{found.seq} ({event})  {found.fault.value}: {found.detail}")
    _more(len(report.breaks), report.problems)
    checked = f"Checked {report.dossiers} dossiers, {report.events} history events"
    if report.intact:
        click.echo(f"{checked}: every chain is intact.")
    else:
        click.echo(f"{checked}: {_count(report.problems, 'problem')} in "
                   f"{_count(report.broken_dossiers, 'dossier')}.")
    if not (readable and report.intact):
        raise SystemExit(1)


def _verify_json(dossier_code: str | None) -> bool:
    """Report the stored JSON values the codec refuses (names and reasons, never the values)."""
    report = integrity.scan_json(wiring().uow(), dossier_code=dossier_code)
    for found in report.unreadable:
        click.echo(f"{found.owner}  {found.table}.{found.column} (row {found.row_id}): {found.detail}")
    _more(len(report.unreadable), report.problems)
    verdict = "every value can be read back" if report.readable else f"{_count(report.problems, 'value')} cannot"
    click.echo(f"Read {_count(report.rows, 'row')} of stored JSON: {verdict}.")
    return report.readable


def _more(listed: int, found: int) -> None:
    if listed < found:
        click.echo(f"... and {found - listed} more")


def _collect(w: Any, now: datetime) -> None:
    staged, blobs = files.collect_orphans(w.uow(), w.store, now=now)
    if staged or blobs:
        logging.getLogger(__name__).info("file store: %s staged uploads never attached and %s unreferenced blobs "
                                         "removed", staged, blobs)


@click.command("collect-files")
@with_appcontext
def collect_files() -> None:
    """Remove uploads never attached (after a day) and blobs no row references (after an hour); the worker
    does this every hour."""
    staged, blobs = files.collect_orphans(wiring().uow(), wiring().store, now=wiring().clock())
    click.echo(f"{_count(staged, 'staged upload')} and {_count(blobs, 'unreferenced blob')} removed")


@click.command("verify-signature")
@with_appcontext
@click.argument("pdf", type=click.File("rb"))
def verify_signature(pdf: Any) -> None:
    """Check a signed PDF (an electronic result): exit 0 only if it is signed, unchanged since, and chains to a
    trusted CA."""
    check = results.verify(wiring().signer, pdf.read(results.MAX_VERIFY_BYTES + 1))
    click.echo(f"signed: {check.signed}, intact: {check.intact}, trusted: {check.trusted}")
    if check.signer:
        click.echo(f"signer: {check.signer}" + (f", at {check.signed_at.isoformat()}" if check.signed_at else ""))
    for problem in check.problems:
        click.echo(f"problem: {problem}")
    raise SystemExit(0 if check.valid else 1)


@click.command("exchange-certificate")
@click.option("--province", required=True, help="this deployment's two-digit province id (ONESTOP_EXCHANGE_PROVINCE)")
@click.option("--host", "hosts", multiple=True, help="a name (or IP address) the peers reach this server at; repeat")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="folder to write to")
def exchange_certificate(province: str, hosts: tuple[str, ...], out: Path) -> None:
    """Make this deployment's exchange key (EC P-256, mode 0600) and self-signed certificate (two years), print
    its SHA-256 fingerprint for the peers' operators to check (docs/exchange.md "Operations"). Never overwrites."""
    from engine.adapters.exchange_certificates import fingerprint, make_certificate, read_certificate
    if not (len(province) == 2 and province.isdigit()):
        raise click.BadParameter("must be two digits, such as 46", param_hint="--province")
    key_path, cert_path = out / f"exchange-{province}.key.pem", out / f"exchange-{province}.cert.pem"
    if key_path.exists() or cert_path.exists():
        raise click.ClickException(f"{key_path} or {cert_path} exists already: move it away first")
    key_pem, cert_pem = make_certificate(province, list(hosts), datetime.now(UTC))
    out.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as key_file:
        key_file.write(key_pem)
    cert_path.write_bytes(cert_pem)
    click.echo(f"key: {key_path} (keep it secret: ONESTOP_EXCHANGE_KEY)\ncertificate: {cert_path} "
               f"(ONESTOP_EXCHANGE_CERTIFICATE; give it to the peers)\n"
               f"SHA-256 fingerprint: {fingerprint(read_certificate(cert_pem))}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def init_app(app: Flask) -> None:
    app.cli.add_command(setup)
    app.cli.add_command(setup_demo)
    app.cli.add_command(migrate)
    app.cli.add_command(load_units)
    app.cli.add_command(load_unit_codes)
    app.cli.add_command(import_catalogue)
    app.cli.add_command(worker)
    app.cli.add_command(simulate)
    app.cli.add_command(verify_history)
    app.cli.add_command(collect_files)
    app.cli.add_command(verify_signature)
    app.cli.add_command(exchange_certificate)
