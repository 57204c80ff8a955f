"""Point-in-time recovery (docs/operations.md section 3): a PostgreSQL server of the test's own archives its
write-ahead log; after a base backup, counters and officers work over HTTP, and a moment in the middle of
their work is noted. A new server made from the base backup replays the archived log up to that moment and
is promoted. There, `flask --app api verify` passes, every command acknowledged before the moment is there,
every dossier is consistent, and nothing written after the moment is."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.wiring import build
from engine.adapters.records import DossierRecord, HistoryEventRecord
from tests.conftest import PHU_XUAN, POSTGRES_ENV, _with_database, make_settings
from tests.fault import _backup
from tests.fault._cluster import Cluster, owned, scratch_folder, server_programs
from tests.fault._consistency import all_dossiers, check_database
from tests.fault._server import Server, sign_in
from tests.fault._timed_load import TimedLedger
from tests.fault.test_kill_under_load import COMPLETERS, Load

pytestmark = [pytest.mark.fault, pytest.mark.postgres]

BEFORE_TARGET = 15  # commands acknowledged between the base backup and the recovery's target
AFTER_TARGET = 10  # and after it, which the recovery must leave out
DATABASE = "onestop"


def _archiving(wal: Path) -> dict[str, str]:
    return {"wal_level": "replica", "archive_mode": "on", "max_wal_senders": "4",
            "archive_command": f"'test ! -f {wal}/%f && cp %p {wal}/%f'",
            "fsync": "off",  # a scratch server: the test needs its log archived, not its disk synced
            "shared_buffers": "'32MB'", "max_connections": "60"}


@pytest.mark.timeout(300)
def test_recovery_to_a_moment_keeps_what_was_acknowledged_before_it_and_nothing_after(
        seeded_postgres: str, tmp_path: Path) -> None:
    programs = server_programs()
    if programs is None:
        message = "the PostgreSQL server programs (initdb, pg_ctl, postgres, pg_basebackup) cannot be run here"
        if os.environ.get("ONESTOP_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    ledger = TimedLedger()
    with scratch_folder() as folder, Cluster(programs, folder / "primary") as primary:
        wal, base = folder / "wal", folder / "base"
        owned("mkdir", str(wal))  # the WAL archive
        primary.initialise(**_archiving(wal))
        primary.start()
        _copy_seeded_database(seeded_postgres, primary, tmp_path / "seed.dump")
        primary.run("pg_basebackup", f"--pgdata={base}", "--format=plain", "--wal-method=stream",
                    "--checkpoint=fast", "--no-sync", f"--dbname=postgresql://postgres@127.0.0.1:{primary.port}")

        with Server(primary.url(DATABASE), tmp_path) as server:
            server.start()
            tokens = {user: sign_in(server.url, user) for user in {f"reception.{PHU_XUAN}", *COMPLETERS}}
            load = Load(server.url, tokens, ledger, 0, random.Random(20261206))
            load.start()
            _wait_until(lambda: ledger.acknowledged >= BEFORE_TARGET and bool(ledger.completions))
            target = datetime.now(UTC)
            _wait_until(lambda: ledger.acknowledged >= _count(_before(ledger, target)) + AFTER_TARGET)
            load.stop()
        assert ledger.unexpected == [], ledger.unexpected[:5]
        written_after = _written_after(primary.url(DATABASE), target)
        assert written_after, "nothing was written after the target: the recovery would have nothing to leave out"
        # The segment holding the last commits is closed and archived, as archive_timeout does in production.
        segment = primary.query("SELECT pg_walfile_name(pg_switch_wal())")
        primary.wait_for(f"SELECT last_archived_wal >= '{segment}' FROM pg_stat_archiver", "the log archived")
        primary.stop()

        started = time.monotonic()
        with Cluster(programs, base) as recovered:
            recovered.configure(archive_mode="off", restore_command=f"'cp {wal}/%f %p'",
                                recovery_target_time=f"'{target.isoformat()}'", recovery_target_action="'promote'")
            owned("touch", str(base / "recovery.signal"))
            recovered.start()
            recovered.wait_for("SELECT NOT pg_is_in_recovery()", "recovered and promoted")
            recovery_seconds = time.monotonic() - started
            _check_recovered(recovered.url(DATABASE), ledger, target, tmp_path / "files")
    print(f"point-in-time recovery: {len(ledger.receptions)} receptions and {len(ledger.completions)} completions "
          f"acknowledged, {_count(_before(ledger, target))} of them before the target, all recovered; "
          f"{len(written_after)} dossiers touched after it, none recovered past it; recovered in "
          f"{recovery_seconds:.1f}s")


def _copy_seeded_database(template: str, cluster: Cluster, archive: Path) -> None:
    """The session's seeded database (units, procedures, accounts) moved to the test's own server."""
    _backup.dump(_with_database(os.environ[POSTGRES_ENV], template), archive)
    cluster.query(f'CREATE DATABASE "{DATABASE}" TEMPLATE template0')
    _backup.restore(archive, cluster.url(DATABASE))


def _wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition(), "the load did not get through"


def _before(ledger: TimedLedger, target: datetime) -> tuple[dict[str, str], dict[str, str]]:
    moment = target.timestamp()
    return ledger.receptions.between(0, moment), ledger.completions.between(0, moment)


def _count(commands: tuple[dict[str, str], ...]) -> int:
    return sum(map(len, commands))


def _written_after(database_url: str, target: datetime) -> set[str]:
    """The dossiers with a history event stamped after the target: committed after it, since an event is
    stamped before its transaction commits."""
    wiring = build(make_settings(database_url))
    try:
        with wiring.engine.connect() as connection:
            return set(connection.scalars(select(DossierRecord.code).join(
                HistoryEventRecord, HistoryEventRecord.dossier_id == DossierRecord.id)
                .where(HistoryEventRecord.at > target).distinct()))
    finally:
        wiring.engine.dispose()


def _check_recovered(database_url: str, ledger: TimedLedger, target: datetime, file_store: Path) -> None:
    verified = _backup.flask("verify", database_url, file_store)
    assert verified.returncode == 0, verified.output
    wiring = build(make_settings(database_url))
    try:
        stored = check_database(wiring)  # consistent dossiers, gapless codes, spans, chains
        keys = {key: code for code, key in all_dossiers(wiring).items()}
        receptions, completions = _before(ledger, target)
        for key, code in receptions.items():
            assert keys.get(key) == code, f"reception {key} ({code}) acknowledged before the target is not there"
        for task_id, code in completions.items():
            assert task_id in stored[code].completed_task_ids, f"completion of {task_id} ({code}) not there"
        with wiring.engine.connect() as connection:
            latest = connection.scalar(select(func.max(HistoryEventRecord.at)))
        assert latest is not None and latest <= target, f"an event of {latest} recovered past {target}"
    finally:
        wiring.engine.dispose()
