"""PostgreSQL clusters of the test's own, each on a host of a `Lan`: a primary made by initdb and a streaming
replica made from it by pg_basebackup. They run as the `postgres` user (initdb refuses root) from data
folders in the test's temporary folder, on their host's address and a port of their own; the machine's
own server is never touched.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from tests.deploy._hosts import Lan

PORT = 5433
USER = "postgres"
SLOT = "statistics_replica"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps one per major version)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


@dataclass(frozen=True)
class Lag:
    """One look at the primary's pg_stat_replication for the replica."""

    state: str
    behind_bytes: int
    """WAL the primary has written that the replica has not replayed yet."""
    replay_lag: float
    """Seconds between a commit on the primary and its replay on the replica (as the primary last heard)."""


class Cluster:
    def __init__(self, lan: Lan, host: str, folder: Path):
        self.lan, self.host, self.data = lan, host, folder / host
        found = binaries()
        assert found is not None, "no PostgreSQL server binaries"
        self.bin: Path = found
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return self.lan.address(self.host)

    def url(self, database: str = "onestop") -> str:
        return f"postgresql+psycopg://{USER}@{self.address}:{PORT}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.address} port={PORT} user={USER} dbname={database} connect_timeout=5"

    def init_primary(self) -> None:
        """initdb, then what a primary with a streaming replica needs; fsync stays on (this is about survival)."""
        self._as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--auth=trust",
                           "--encoding=UTF8", "--locale=C.UTF-8"])
        self._configure(wal_level="replica", max_wal_senders="5", max_replication_slots="5", hot_standby="on",
                        hot_standby_feedback="on", shared_buffers="32MB", fsync="on", max_connections="120",
                        unix_socket_directories="''")
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {self.lan.subnet} trust\nhost replication all {self.lan.subnet} trust\n")

    def init_standby(self, primary: Cluster) -> None:
        """A base backup of `primary` taken from this host, with a replication slot (the primary keeps the WAL
        the replica has not received) and -R (standby.signal and primary_conninfo): a hot standby."""
        self.lan.run(self.host, [str(self.bin / "pg_basebackup"), "-h", primary.address, "-p", str(PORT), "-U", USER,
                                 "-D", str(self.data), "-R", "-X", "stream", "-C", "-S", SLOT, "--checkpoint=fast"],
                     user=USER)
        self._configure()

    def _configure(self, **settings: str) -> None:
        """Append settings; the last value of a name wins, so the replica's address replaces the primary's."""
        settings = {"listen_addresses": f"'{self.address}'", "port": str(PORT), **settings}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("".join(f"{name} = {value}\n" for name, value in settings.items()))

    def start(self, timeout: float = 60) -> None:
        self.process = self.lan.spawn(self.host, f"postgres-{self.host}", [str(self.bin / "postgres"), "-D",
                                                                            str(self.data)], user=USER)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres on {self.host} exited:\n{self.lan.log_tail(f'postgres-{self.host}')}")
            with contextlib.suppress(psycopg.OperationalError):
                self.query("SELECT 1")
                return
            time.sleep(0.2)
        raise RuntimeError(f"postgres on {self.host} did not answer:\n{self.lan.log_tail(f'postgres-{self.host}')}")

    def stop(self) -> None:
        """A fast shutdown (clients disconnected, a checkpoint written), so no shared memory is left behind."""
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run(["runuser", "-u", USER, "--", str(self.bin / "pg_ctl"), "-D", str(self.data), "stop",
                        "-m", "fast", "-t", "30"], capture_output=True, timeout=60)

    def query(self, sql: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo(database), autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def in_recovery(self) -> bool:
        return bool(self.query("SELECT pg_is_in_recovery()")[0][0])

    def replica_lag(self) -> Lag | None:
        """Read on the primary: how far its replica is behind, or None when no replica is connected."""
        rows = self.query("SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),"
                          " extract(epoch FROM coalesce(replay_lag, '0'::interval)) FROM pg_stat_replication")
        if not rows:
            return None
        state, behind, lag = rows[0]
        return Lag(str(state), int(behind or 0), float(lag or 0))

    def _as_postgres(self, argv: list[str]) -> None:
        done = subprocess.run(["runuser", "-u", USER, "--", *argv], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")


def data_folder() -> Path:
    """A temporary folder the postgres user can reach, holding one it owns for the clusters' data (the
    caller removes it)."""
    top = Path(tempfile.mkdtemp(prefix="onestop-clusters-"))
    top.chmod(0o711)
    (top / "data").mkdir(mode=0o700)
    shutil.chown(top / "data", USER, USER)
    return top
