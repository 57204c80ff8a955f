"""The backup and restore steps of docs/operations.md as the test runs them: `pg_dump -Fc`, a copy of the
local file store, `pg_restore` into a new database and the `flask --app api …` commands an operator runs
after it. Each step is a real subprocess with a time bound, and says how long it took."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from api.settings import ROOT

STEP_TIMEOUT = 120.0
INCOMING = ".incoming-*"
"""The file store's temporary files (engine/adapters/file_store.py): never blobs, renamed away at any moment."""


@dataclass(frozen=True)
class Step:
    seconds: float
    output: str
    returncode: int


def libpq(url: str) -> str:
    """The libpq connection URL of a SQLAlchemy one (what pg_dump and pg_restore take)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _run(command: list[str], env: dict[str, str] | None = None) -> Step:
    started = time.monotonic()
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT,
                              check=False)
    return Step(time.monotonic() - started, finished.stdout + finished.stderr, finished.returncode)


def dump(database_url: str, target: Path) -> Step:
    """`pg_dump -Fc`: one consistent snapshot (a repeatable-read transaction), taken while the server works."""
    step = _run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={libpq(database_url)}"])
    assert step.returncode == 0, step.output
    return step


def restore(archive: Path, database_url: str) -> Step:
    """`pg_restore` into an empty database, stopping at the first error instead of restoring part of it."""
    step = _run(["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={libpq(database_url)}", str(archive)])
    assert step.returncode == 0, step.output
    return step


def copy_file_store(source: Path, target: Path) -> Step:
    """The folder as it is now, without the temporary files of uploads in flight."""
    started = time.monotonic()
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(INCOMING))
    return Step(time.monotonic() - started, "", 0)


def flask(command: str, database_url: str, file_store: Path) -> Step:
    """`flask --app api <command>` as an operator runs it on the restored deployment."""
    env = {**os.environ, "ONESTOP_DATABASE_URL": database_url, "ONESTOP_FILE_STORE": f"file://{file_store}",
           "ONESTOP_SECRET_KEY": "restore-test-secret"}
    return _run([sys.executable, "-m", "flask", "--app", "api", command], env=env)
