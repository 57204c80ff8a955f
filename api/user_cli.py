"""`flask --app api users …`: create, disable, enable and list officers' accounts from the server's shell.

The password is asked for (twice, hidden) or read from standard input with --password-stdin, never taken
as an argument, so it stays out of the shell history and the process list.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click
from flask import Flask
from flask.cli import AppGroup

from api.wiring import wiring
from engine.adapters.database import head_revision, schema_revision
from engine.domain.errors import DomainError, ValidationFailedError
from engine.services import users

T = TypeVar("T")


group = AppGroup("users", help="Officers' accounts: create, disable, enable, list.")


@group.command("create")
@click.argument("username")
@click.option("--unit", "unit_id", required=True, help="the unit id, e.g. 19768 or 46-BHXH")
@click.option("--role", "roles", multiple=True, required=True,
              help="reception, specialist, leader, supervisor, admin, or portal (the portal's machine client, alone)")
@click.option("--name", "display_name", required=True, help="the name shown on slips and in the history")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of standard input")
@click.option("--deputy", is_flag=True, help="a leader who is the unit's deputy head: signs 'KT.' for the head")
def create(username: str, unit_id: str, roles: tuple[str, ...], display_name: str, password_stdin: bool,
           deputy: bool) -> None:
    """Create an account."""
    _require_setup()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = _run(lambda: users.create(wiring().uow(), username=username, password=password,
                                        display_name=display_name, unit_id=unit_id, roles=list(roles),
                                        deputy=deputy))
    click.echo(f"created {account.username} ({', '.join(account.roles)} at {account.unit_id})")


@group.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account; its tokens and sessions stop working at once."""
    w = wiring()
    _run(lambda: users.set_disabled(w.uow(), username=username, disabled=True, now=w.clock()))
    click.echo(f"disabled {username}; its tokens and sessions are revoked")


@group.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled account (its old tokens stay revoked)."""
    w = wiring()
    _run(lambda: users.set_disabled(w.uow(), username=username, disabled=False, now=w.clock()))
    click.echo(f"enabled {username}")


@group.command("list")
@click.option("--unit", "unit_id", help="only this unit's accounts")
def list_accounts(unit_id: str | None) -> None:
    """List accounts: username, unit, roles, and whether disabled."""
    for account in _run(lambda: users.accounts(wiring().uow(), unit_id=unit_id)):
        state = "disabled" if account.disabled else "enabled"
        click.echo(f"{account.username}\t{account.unit_id}\t{','.join(account.roles)}\t{state}")


def _require_setup() -> None:
    """An account needs its unit: before `setup` say so, rather than fail on a missing table."""
    if _run(lambda: schema_revision(wiring().engine)) != head_revision():
        raise click.ClickException("the database is not set up: run `flask --app api setup` first")


def _run(command: Callable[[], T]) -> T:
    """Run a service call; a domain error becomes a message and exit status 1, not a traceback."""
    try:
        return command()
    except ValidationFailedError as error:
        details = "; ".join(f"{e.pointer}: {e.message}" for e in error.errors)
        raise click.ClickException(f"{error} ({details})") from error
    except DomainError as error:
        raise click.ClickException(str(error)) from error


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
