"""Files racing with the commands around them (real threads; SQLite file, and PostgreSQL when configured), and
the orphan collection.

- A file sent for a step while its officer completes that step: either the file lands before the completion
  (recorded at the step, before the completion in the history and in time) or it is refused with a 409;
  never a file at a step after that step was completed.
- Attachments to one dossier at once all land, each exactly once (the dossier row orders them).
- Two receptions naming one staged file at once: one dossier gets it, the other reception is refused (422)
  and makes no dossier.
- The collection removes staged rows older than a day and blobs older than the grace period that no row
  references, and keeps referenced and fresh blobs; a staged file attached while the collection runs keeps its
  row.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.wiring import Wiring
from engine.adapters.file_store import LocalFileStore
from engine.adapters.records import DossierRecord, FileRecord
from engine.domain.actor import Actor
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ConflictError, ValidationFailedError
from engine.domain.files import ORPHAN_GRACE, STAGED_LIFETIME, Blob, FileSource, MediaType, StoredFile
from engine.domain.ports import FileStore
from engine.domain.task import TaskStatus
from engine.services import dossiers, files, tasks
from engine.services.dossiers import Reception
from engine.services.files import FileRequest, Incoming
from tests.api.sample_files import pdf, sha256
from tests.conftest import PHU_XUAN, VY_DA, Clock, birth_application
from tests.integration._support import (
    BIRTH,
    STEP_DATA,
    Actors,
    history_of,
    load,
    ready_task,
    receive,
    run_together,
    tasks_of,
)

ROUNDS = 3


@pytest.fixture
def ticking(clock: Clock) -> Callable[[], datetime]:
    """The test's clock, moving on with real time (so "before" and "after" mean something between threads)."""
    start, base = time.monotonic(), clock.now
    return lambda: base + timedelta(seconds=time.monotonic() - start)


def incoming(store: FileStore, content: bytes, name: str = "bien-ban.pdf") -> AbstractContextManager[Incoming]:
    return files.receiving(store, io.BytesIO(content), name)


def attach(wiring: Wiring, actor: Actor, clock: Callable[[], datetime], code: str, content: bytes,
           task_id: str | None = None) -> StoredFile:
    with incoming(wiring.store, content) as upload:
        return files.attach(wiring.uow(), actor=actor, catalogue=wiring.catalogue, clock=clock, code=code, document=1,
                            incoming=upload, task_id=task_id)


def files_of(wiring: Wiring, dossier: Dossier) -> list[StoredFile]:
    assert dossier.id is not None
    with wiring.uow() as uow:
        return uow.files.of_dossier(dossier.id)


def count(wiring: Wiring, record: Any) -> int:
    with wiring.uow() as uow:
        session = uow._session
        assert session is not None
        return int(session.scalar(select(func.count()).select_from(record)) or 0)


@pytest.mark.parametrize("delay", [0, 0.005, 0.02, 0.05])
def test_a_file_sent_while_the_step_is_completed_lands_before_or_is_refused(
        wiring: Wiring, ticking: Callable[[], datetime], delay: float) -> None:
    actors = Actors(wiring)
    specialist = actors(f"specialist.{VY_DA}")
    for n in range(ROUNDS):
        dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
        task = ready_task(wiring, dossier, "review")
        content = pdf(f"Biên bản {delay} {n}")

        def complete(task_id: str = task.id) -> Dossier:
            time.sleep(delay)
            return tasks.complete(wiring.uow(), actor=specialist, task_id=task_id, data=STEP_DATA["review"],
                                  catalogue=wiring.catalogue, calendar=wiring.calendar, clock=ticking)

        outcomes = run_together([
            lambda code=dossier.code, task_id=task.id, content=content: attach(
                wiring, specialist, ticking, code, content, task_id),
            complete,
        ])

        assert outcomes[1][0] == "ok", outcomes  # the completion always goes through
        completed = next(t for t in tasks_of(wiring, dossier) if t.id == task.id)
        assert completed.status == TaskStatus.COMPLETED and completed.completed_at is not None
        found = files_of(wiring, dossier)
        events = [e.kind for e in history_of(wiring, dossier)
                  if e.kind in (EventKind.FILE_ATTACHED, EventKind.TASK_COMPLETED)
                  and (e.kind != EventKind.TASK_COMPLETED or e.data.get("step") == "review")]
        if outcomes[0][0] == "ok":
            [stored] = found
            assert stored.id == outcomes[0][1].id and stored.task_id == task.id
            assert stored.blob.digest == sha256(content)
            assert stored.attached_at is not None and stored.attached_at <= completed.completed_at
            assert events == [EventKind.FILE_ATTACHED, EventKind.TASK_COMPLETED]
        else:
            assert isinstance(outcomes[0][1], ConflictError), outcomes[0][1]
            assert found == [] and events == [EventKind.TASK_COMPLETED]


@pytest.mark.parametrize("same_content", [False, True], ids=["two-files", "one-content-twice"])
def test_attachments_sent_at_once_all_land_exactly_once(wiring: Wiring, ticking: Callable[[], datetime],
                                                        same_content: bool) -> None:
    actors = Actors(wiring)
    centre, specialist = actors(f"reception.{PHU_XUAN}"), actors(f"specialist.{VY_DA}")
    for n in range(ROUNDS):
        dossier = receive(wiring, centre)
        task = ready_task(wiring, dossier, "review")
        contents = [pdf(f"Bản {n}")] * 3 if same_content else [pdf(f"Bản {n}.{i}") for i in range(3)]
        callers = [(centre, None), (specialist, task.id), (specialist, None)]

        outcomes = run_together([
            lambda actor=actor, task_id=task_id, content=content, code=dossier.code: attach(
                wiring, actor, ticking, code, content, task_id)
            for (actor, task_id), content in zip(callers, contents, strict=True)])

        assert [kind for kind, _ in outcomes] == ["ok"] * 3, outcomes
        found = files_of(wiring, dossier)
        assert sorted(f.id or 0 for f in found) == sorted(value.id for _, value in outcomes)
        assert sorted(f.blob.digest for f in found) == sorted(sha256(c) for c in contents)
        attached = [e.data["file"] for e in history_of(wiring, dossier) if e.kind == EventKind.FILE_ATTACHED]
        assert sorted(attached) == sorted(f.id or 0 for f in found)
        assert load(wiring, dossier.code).version == dossier.version + 3  # no update lost
        for stored in found:
            with wiring.store.open(stored.blob.digest) as stream:
                assert sha256(stream.read()) == stored.blob.digest


def test_two_receptions_naming_one_staged_file_at_once_give_it_to_one_dossier(
        wiring: Wiring, ticking: Callable[[], datetime]) -> None:
    actors = Actors(wiring)
    centre = actors(f"reception.{PHU_XUAN}")
    for n in range(ROUNDS):
        with incoming(wiring.store, pdf(f"Tờ khai {n}")) as upload:
            scan = files.stage(wiring.uow(), actor=centre, incoming=upload, clock=ticking)
        assert scan.id is not None
        before = count(wiring, DossierRecord)

        def reception(file_id: int = scan.id) -> Dossier:
            request = Reception(procedure_code=BIRTH, application=birth_application(VY_DA),
                                files=[FileRequest(file_id, 0)])
            return dossiers.receive(wiring.uow(), actor=centre, reception=request, catalogue=wiring.catalogue,
                                    calendar=wiring.calendar, clock=ticking)[0]

        outcomes = run_together([reception, reception])

        assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
        winner = next(value for kind, value in outcomes if kind == "ok")
        loser = next(value for kind, value in outcomes if kind == "error")
        assert isinstance(loser, ValidationFailedError), loser
        assert [e.pointer for e in loser.errors] == ["/files/0/file_id"]
        assert [f.id for f in files_of(wiring, winner)] == [scan.id]
        assert count(wiring, DossierRecord) == before + 1


# --- the orphan collection -----------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


def put(store: LocalFileStore, content: bytes, age: timedelta, now: datetime) -> str:
    """Write a blob as if it had been written `age` ago."""
    digest = sha256(content)
    source = store.root.parent / f"incoming-{digest}"
    source.write_bytes(content)
    store.put(digest, source)
    written = (now - age).timestamp()
    os.utime(store.path(digest), (written, written))
    return digest


def row(wiring: Wiring, actor: Actor, digest: str, size: int, uploaded_at: datetime,
        dossier: Dossier | None = None) -> StoredFile:
    stored = StoredFile(Blob(digest, size, MediaType.PDF), "scan.pdf", actor.user_id, uploaded_at, actor.unit_id,
                        FileSource.COUNTER)
    if dossier is not None:
        assert dossier.id is not None
        stored.attach_to_dossier(dossier.id, 1, uploaded_at)
    with wiring.uow() as uow:
        uow.files.add(stored)
        uow.commit()
    return stored


def file_ids(wiring: Wiring) -> set[int]:
    with wiring.uow() as uow:
        session = uow._session
        assert session is not None
        return set(session.scalars(select(FileRecord.id)))


def test_the_collection_removes_old_staged_rows_and_unreferenced_old_blobs_only(
        wiring: Wiring, store: LocalFileStore) -> None:
    actors = Actors(wiring)
    centre = actors(f"reception.{PHU_XUAN}")
    now = datetime.now(UTC)  # blob times are the file system's: real time
    day, grace = STAGED_LIFETIME, ORPHAN_GRACE
    contents = {name: pdf(name) for name in ("old staged", "fresh staged", "attached", "orphan", "fresh orphan",
                                             "shared")}
    digests = {"old staged": put(store, contents["old staged"], day * 2, now),
               "fresh staged": put(store, contents["fresh staged"], grace * 2, now),
               "attached": put(store, contents["attached"], day * 3, now),
               "orphan": put(store, contents["orphan"], grace + timedelta(minutes=5), now),
               "fresh orphan": put(store, contents["fresh orphan"], grace - timedelta(minutes=5), now),
               "shared": put(store, contents["shared"], day * 2, now)}
    dossier = receive(wiring, centre)
    old_staged = row(wiring, centre, digests["old staged"], 1, now - day - timedelta(minutes=1))
    fresh_staged = row(wiring, centre, digests["fresh staged"], 1, now - day + timedelta(minutes=1))
    attached = row(wiring, centre, digests["attached"], 1, now - day * 3, dossier)
    # One content, two rows: an old staged one (collected) and an attached one (which keeps the blob).
    shared_staged = row(wiring, centre, digests["shared"], 1, now - day * 2)
    shared_attached = row(wiring, centre, digests["shared"], 1, now - day * 2, dossier)
    before = file_ids(wiring)

    staged, blobs = files.collect_orphans(wiring.uow(), store, now=now, batch=2)  # batches of 2: several rounds

    assert (staged, blobs) == (2, 2)
    assert before - file_ids(wiring) == {old_staged.id, shared_staged.id}
    assert {fresh_staged.id, attached.id, shared_attached.id} <= file_ids(wiring)
    kept = {digest for digest, _ in store.listing()}
    assert kept == {digests[n] for n in ("fresh staged", "attached", "fresh orphan", "shared")}
    with store.open(digests["attached"]) as stream:
        assert stream.read() == contents["attached"]
    assert files.collect_orphans(wiring.uow(), store, now=now) == (0, 0)  # nothing left to collect


def test_a_blob_written_again_is_not_collected_as_an_old_orphan(wiring: Wiring, store: LocalFileStore) -> None:
    """An old orphan's content uploaded again: the store refreshes its time, so the new upload keeps it."""
    now = datetime.now(UTC)
    content = pdf("tải lại")
    digest = put(store, content, STAGED_LIFETIME, now)

    with files.receiving(store, io.BytesIO(content), "lai.pdf") as upload:
        assert upload.blob.digest == digest

    assert files.collect_orphans(wiring.uow(), store, now=datetime.now(UTC)) == (0, 0)
    assert store.exists(digest)


def test_a_staged_file_attached_while_the_collection_runs_keeps_its_row(wiring: Wiring, store: LocalFileStore,
                                                                        clock: Clock) -> None:
    """The reception holds the staged row (locked) while the collection reads it as old and staged: the
    collection's delete waits, then finds it attached, and leaves it."""
    actors = Actors(wiring)
    centre = actors(f"reception.{PHU_XUAN}")
    now = datetime.now(UTC)
    digest = put(store, pdf("đang đính kèm"), timedelta(minutes=1), now)
    dossier = receive(wiring, centre)
    late = row(wiring, centre, digest, 1, now - STAGED_LIFETIME - timedelta(hours=1))
    dossier_id, file_id = dossier.id, late.id
    assert dossier_id is not None and file_id is not None
    locked, release = threading.Event(), threading.Event()

    def attach_slowly() -> None:
        with wiring.uow() as uow:
            stored = uow.files.get(file_id, lock=True)
            assert stored is not None and stored.staged
            stored.attach_to_dossier(dossier_id, 0, now)
            uow.files.update(stored)
            locked.set()
            release.wait(30)
            uow.commit()

    def collect() -> tuple[int, int]:
        assert locked.wait(30)
        return files.collect_orphans(wiring.uow(), store, now=now)

    def let_go() -> None:
        assert locked.wait(30)
        time.sleep(0.5)  # the collection reads the row as staged and its delete waits for the lock
        release.set()

    outcomes = run_together([attach_slowly, collect, let_go])

    assert [kind for kind, _ in outcomes] == ["ok"] * 3, outcomes
    assert outcomes[1][1] == (0, 0)
    assert [f.id for f in files_of(wiring, dossier)] == [late.id]
    assert store.exists(digest)


class _PutDuringCollection:
    """A store on which a command stores the same bytes again just after the collection listed the blobs."""

    def __init__(self, store: LocalFileStore, digest: str, content: bytes, tmp: Path):
        self._store, self._digest, self._source = store, digest, tmp / "again.pdf"
        self._source.write_bytes(content)

    def listing(self) -> Any:
        listed = list(self._store.listing())
        self._store.put(self._digest, self._source)  # refreshes its time; the command's row is not committed yet
        return iter(listed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_a_blob_put_again_after_the_listing_is_not_deleted(wiring: Wiring, store: LocalFileStore,
                                                           tmp_path: Path) -> None:
    now = datetime.now(UTC)
    content = pdf("đặt lại giữa chừng")
    digest = put(store, content, STAGED_LIFETIME, now)  # old and referenced by no row: an orphan when listed

    assert files.collect_orphans(wiring.uow(), _PutDuringCollection(store, digest, content, tmp_path),  # type: ignore[arg-type]
                                 now=now) == (0, 0)
    assert store.exists(digest)
