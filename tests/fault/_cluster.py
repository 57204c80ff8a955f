"""A PostgreSQL server of the test's own, for what the shared test server cannot do: archive its write-ahead
log (`archive_mode` needs a restart) and be recovered from a base backup to a point in time.

Made with the server programs of the PostgreSQL installed beside the client tools (`pg_config --bindir`), in
a scratch folder, on a free port of 127.0.0.1, with trust authentication. PostgreSQL refuses to run as root,
so under root its programs run as the `postgres` account (`runuser`). Every wait is bounded, and `stop()`
(also on leaving the `with` block) leaves no server behind.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.fault._server import _free_port

TIMEOUT = 120.0
OWNER = "postgres"
"""The account the servers run as when the tests run as root."""


def server_programs() -> Path | None:
    """The folder of initdb, pg_ctl and postgres, or None when they are not installed (or cannot run here)."""
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _account_exists(OWNER)):
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        folder = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True,
                                     timeout=10).stdout.strip())
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres", "pg_basebackup")):
            return folder
    return None


def _account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", OWNER, "--", *command] if os.geteuid() == 0 else command


def owned(*command: str) -> None:
    """A command (mkdir, touch) run as the servers' account, so what it makes is theirs."""
    subprocess.run(as_owner(list(command)), check=True, timeout=TIMEOUT)


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A folder the servers' account owns (not under pytest's root-only tmp_path), removed afterwards."""
    folder = Path(subprocess.run(as_owner(["mktemp", "-d", "/tmp/onestop-pitr-XXXXXX"]), capture_output=True,
                                 text=True, check=True, timeout=10).stdout.strip())
    try:
        yield folder
    finally:
        subprocess.run(as_owner(["rm", "-rf", str(folder)]), check=False, timeout=60)


class Cluster:
    """One PostgreSQL server over the data directory `data`, its log beside it."""

    def __init__(self, programs: Path, data: Path):
        self.programs, self.data = programs, data
        self.port = _free_port()
        self.running = False

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def run(self, program: str, *arguments: str) -> str:
        """One of the server's programs as the data directory's owner; its output, or an error with it."""
        finished = subprocess.run(as_owner([str(self.programs / program), *arguments]), capture_output=True,
                                  text=True, timeout=TIMEOUT, check=False)
        assert finished.returncode == 0, f"{program} failed:\n{finished.stdout}{finished.stderr}"
        return finished.stdout

    def initialise(self, **settings: str) -> None:
        self.run("initdb", f"--pgdata={self.data}", "--username=postgres", "--auth=trust", "--encoding=UTF8",
                 "--locale=C", "--no-sync", "--no-instructions")
        self.configure(**settings)

    def configure(self, **settings: str) -> None:
        """Settings of this server (its port, its socket folder), then those given, in postgresql.auto.conf,
        which is read last and travels with a base backup."""
        lines = {"port": str(self.port), "listen_addresses": "'127.0.0.1'",
                 "unix_socket_directories": f"'{self.data.parent}'", **settings}
        text = "".join(f"{name} = {value}\n" for name, value in lines.items())
        subprocess.run(as_owner(["sh", "-c", f"cat >> '{self.data}/postgresql.auto.conf'"]), input=text,
                       text=True, check=True, timeout=10)

    def start(self) -> None:
        self.running = True  # from here on `stop()` stops it, even if the start fails half-way
        self.run("pg_ctl", f"--pgdata={self.data}", f"--log={self.data.parent / (self.data.name + '.log')}",
                 "--wait", f"--timeout={int(TIMEOUT)}", "start")

    def stop(self) -> None:
        """A fast shutdown (open sessions cut, what is committed kept); nothing to do if it is not running."""
        if self.running:
            self.running = False
            subprocess.run(as_owner([str(self.programs / "pg_ctl"), f"--pgdata={self.data}", "--mode=fast",
                                     "--wait", f"--timeout={int(TIMEOUT)}", "stop"]),
                           capture_output=True, timeout=TIMEOUT + 10, check=False)

    def log(self) -> str:
        path = self.data.parent / f"{self.data.name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one of its databases."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, sql: str, database: str = "postgres") -> object:
        """The first column of the first row of `sql` (autocommit), None for a statement without rows."""
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/{database}", autocommit=True) as db:
            cursor = db.execute(sql)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def wait_for(self, sql: str, what: str, timeout: float = 60) -> None:
        """Until `sql` answers true; the server's log in the error otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.OperationalError):  # not accepting connections yet
                if self.query(sql):
                    return
            time.sleep(0.2)
        raise AssertionError(f"{what}: not within {timeout:g}s\n{self.log()}")
