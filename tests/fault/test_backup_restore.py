"""Backup under load, restore elsewhere (docs/operations.md): counters receive dossiers and attach scans and
officers complete steps over HTTP while `pg_dump -Fc` takes the database and the file store is copied after
it. Restored into a new database with `pg_restore`, `flask --app api verify` passes, every command
acknowledged before the dump began is there, every restored dossier is consistent, every file's blob is in
the copied store with its SHA-256, and the restored deployment serves them. A history event edited in the
restored database then makes `verify` fail, so the check is really made."""

from __future__ import annotations

import hashlib
import os
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from api.wiring import Wiring, build
from engine.adapters.records import DossierRecord, FileRecord
from tests.conftest import PHU_XUAN, POSTGRES_ENV, VY_DA, _pg_execute, _with_database, birth_application, make_settings
from tests.fault import _backup
from tests.fault._consistency import all_dossiers, check_database
from tests.fault._server import API, TIMEOUT, Client, Server, sign_in
from tests.fault._timed_load import Attached, Attacher, TimedLedger
from tests.fault.test_kill_under_load import COMPLETERS, Load

pytestmark = [pytest.mark.fault, pytest.mark.postgres]

COUNTER = f"reception.{PHU_XUAN}"
BEFORE_DUMP = (20, 4)  # commands and file attachments acknowledged before the dump starts
AFTER_COPY_SECONDS = 1.0  # the load goes on after the file store is copied, as it would in production


@pytest.fixture
def databases(seeded_postgres: str) -> Iterator[tuple[str, str]]:
    """The deployment's database (a copy of the seeded one) and an empty one to restore into, both dropped
    afterwards."""
    admin, suffix = os.environ[POSTGRES_ENV], uuid.uuid4().hex[:8]
    source, restored = f"onestop_backup_{suffix}", f"onestop_restored_{suffix}"
    _pg_execute(admin, f'CREATE DATABASE "{source}" TEMPLATE "{seeded_postgres}"')
    _pg_execute(admin, f'CREATE DATABASE "{restored}" TEMPLATE template0')  # as pg_dump's manual says
    try:
        yield _with_database(admin, source), _with_database(admin, restored)
    finally:
        for name in (source, restored):
            _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


@pytest.mark.timeout(240)
def test_a_backup_taken_under_load_restores_every_acknowledged_command(
        databases: tuple[str, str], tmp_path: Path) -> None:
    source_url, restored_url = databases
    store, store_copy, archive = tmp_path / "files", tmp_path / "files-copy", tmp_path / "onestop.dump"
    ledger = TimedLedger()

    with Server(source_url, tmp_path, env={"ONESTOP_FILE_STORE": f"file://{store}"}) as server:
        server.start()
        tokens = {user: sign_in(server.url, user) for user in {COUNTER, *COMPLETERS}}
        load = Load(server.url, tokens, ledger, 0, random.Random(20261206))
        attacher = Attacher(server.url, tokens[COUNTER], ledger, load.stopping)
        load.start()
        attacher.start()
        deadline = time.monotonic() + 60
        while (ledger.acknowledged < BEFORE_DUMP[0] or len(ledger.attached) < BEFORE_DUMP[1]
               or not ledger.completions) and time.monotonic() < deadline:
            time.sleep(0.05)
        requests_before = ledger.requests
        dump_started = time.time()  # before pg_dump connects, so before its snapshot
        dumped = _backup.dump(source_url, archive)
        dump_ended = time.time()
        requests_during = ledger.requests - requests_before
        copied = _backup.copy_file_store(store, store_copy)
        time.sleep(AFTER_COPY_SECONDS)
        load.stop()
        attacher.join()
    assert ledger.unexpected == [], ledger.unexpected[:5]
    before = (ledger.receptions.between(0, dump_started), ledger.completions.between(0, dump_started),
              ledger.attached_between(0, dump_started))
    assert len(before[0]) + len(before[1]) >= BEFORE_DUMP[0] and len(before[2]) >= BEFORE_DUMP[1] and before[1], (
        "the load did not get through before the dump")
    during = (ledger.receptions.between(dump_started, dump_ended), ledger.completions.between(dump_started, dump_ended),
              ledger.attached_between(dump_started, dump_ended))

    restored = _backup.restore(archive, restored_url)
    migrated = _backup.flask("migrate", restored_url, store_copy)
    assert migrated.returncode == 0, migrated.output  # the same release: nothing to do
    verified = _backup.flask("verify", restored_url, store_copy)
    assert verified.returncode == 0, verified.output
    assert "every value can be read back" in verified.output and "every chain is intact" in verified.output

    reader = build(make_settings(restored_url))
    try:
        stored = check_database(reader)  # consistent dossiers, gapless codes, spans, chains
        assert f"Checked {len(stored)} dossiers" in verified.output, verified.output
        keys = {key: code for code, key in all_dossiers(reader).items()}
        for key, code in before[0].items():
            assert keys.get(key) == code, f"reception {key} ({code}) acknowledged before the dump is not restored"
        for task_id, code in before[1].items():
            assert task_id in stored[code].completed_task_ids, f"completion of {task_id} ({code}) not restored"
        files = _restored_files(reader)
        for attached in before[2]:
            assert files.get(attached.file_id) == (attached.code, attached.digest), f"file {attached} not restored"
        for file_id, (_, digest) in files.items():  # every row, those committed during the dump too
            blob = store_copy / digest[0:2] / digest[2:4] / digest
            assert blob.is_file(), f"file {file_id}: its blob is not in the copied store"
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == digest, f"file {file_id}: blob altered"
        found_during = (sum(keys.get(k) == c for k, c in during[0].items()),
                        sum(c in stored and t in stored[c].completed_task_ids for t, c in during[1].items()),
                        sum(a.file_id in files for a in during[2]))

        _serves(restored_url, store_copy, tmp_path / "restored", before[2][-1], set(stored))
        _tampering_is_found(reader, before[2][-1].code, restored_url, store_copy)
    finally:
        reader.engine.dispose()

    print(f"backup under load: {requests_during} requests during the {dumped.seconds:.2f}s dump "
          f"({requests_during / max(dumped.seconds, 1e-3):.0f}/s); acknowledged before it "
          f"{len(before[0])} receptions, {len(before[1])} completions, {len(before[2])} files, all restored; "
          f"during it {tuple(map(len, during))}, of which {found_during} restored; "
          f"{len(ledger.receptions)} receptions, {len(ledger.completions)} completions, {len(ledger.attached)} files "
          f"acknowledged in all; dump {archive.stat().st_size / 1e3:.0f} kB, restore {restored.seconds:.2f}s, "
          f"file store {_folder_size(store_copy) / 1e3:.0f} kB copied in {copied.seconds:.2f}s; "
          f"{len(stored)} dossiers and {len(files)} files restored and consistent")


def _restored_files(reader: Wiring) -> dict[int, tuple[str | None, str]]:
    """Every file row, staged or attached: id → (its dossier's code if it has one, digest)."""
    with reader.engine.connect() as connection:
        rows = connection.execute(select(FileRecord.id, DossierRecord.code, FileRecord.digest)
                                  .outerjoin(DossierRecord, DossierRecord.id == FileRecord.dossier_id))
        return {file_id: (code, digest) for file_id, code, digest in rows}


def _serves(database_url: str, file_store: Path, log_dir: Path, attached: Attached, codes: set[str]) -> None:
    """The restored deployment signs in, opens a dossier, hands out a file's bytes and receives a new dossier
    (so its sequences were restored past every row)."""
    log_dir.mkdir()
    with Server(database_url, log_dir, workers=1, threads=2,
                env={"ONESTOP_FILE_STORE": f"file://{file_store}"}) as server:
        server.start()
        counter = Client(server.url, sign_in(server.url, COUNTER))
        opened = counter.session.get(f"{server.url}{API}/dossiers/{attached.code}", timeout=TIMEOUT)
        assert opened.status_code == 200 and opened.json()["dossier"]["code"] == attached.code, opened.text
        download = counter.session.get(f"{server.url}{API}/dossiers/{attached.code}/files/{attached.file_id}",
                                       timeout=TIMEOUT)
        assert download.status_code == 200, download.text
        assert hashlib.sha256(download.content).hexdigest() == attached.digest
        fresh = counter.receive(birth_application(VY_DA), "after-restore")
        assert fresh.status_code == 201 and fresh.json()["code"] not in codes, fresh.text
        counter.close()


def _tampering_is_found(reader: Wiring, code: str, database_url: str, file_store: Path) -> None:
    """The negative control: one history event edited behind the application's back fails `verify`."""
    with reader.engine.begin() as connection:
        edited = connection.execute(text(
            "UPDATE history_events SET data = '{\"step\": \"edited\"}' WHERE id = (SELECT min(h.id) "
            "FROM history_events h JOIN dossiers d ON d.id = h.dossier_id WHERE d.code = :code)"), {"code": code})
        assert edited.rowcount == 1
    verified = _backup.flask("verify", database_url, file_store)
    assert verified.returncode == 1, verified.output
    assert f"{code}  #1 " in verified.output and "1 problem in 1 dossier" in verified.output, verified.output
