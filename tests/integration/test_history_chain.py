"""History you can trust, on SQLite and PostgreSQL: dossiers built through the services, then their rows
tampered with straight in SQL; `verify` names exactly the dossier and event touched and passes the others.
Also: hashes survive each database's round trip, appending costs no extra statement where the command
writes the dossier anyway, a rolled-back job leaves the chain whole, the back-fill of migration 0006, and
`flask --app api verify`."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, select, update

from api.wiring import Wiring
from engine.adapters.history_chain import backfill
from engine.adapters.records import DossierRecord, HistoryEventRecord
from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier, EventKind, HistoryEvent
from engine.domain.errors import ConflictError
from engine.domain.history_chain import GENESIS, Fault, digest
from engine.domain.job import Job, JobKind
from engine.domain.rating import SatisfactionLevel
from engine.services import integrity, ratings, worker
from tests.conftest import PHU_XUAN, Clock
from tests.integration._support import Actors, complete_step, drive_to_end, receive, run_together

Found = tuple[str, Fault, int, int | None]
Tampering = tuple[Any, list[tuple[Fault, int, int | None]]]
"""A statement changing rows behind the application's back, and the (fault, number, event id) expected."""


def _dossiers(wiring: Wiring) -> list[Dossier]:
    """A returned dossier, one half-way (the one tampered with) and one just received."""
    actors = Actors(wiring)
    centre = actors(f"reception.{PHU_XUAN}")
    returned = drive_to_end(wiring, actors, receive(wiring, centre))
    halfway = complete_step(wiring, actors, receive(wiring, centre), "review")
    return [returned, halfway, receive(wiring, centre)]


def _events(wiring: Wiring, dossier: Dossier) -> list[Any]:
    h = HistoryEventRecord.__table__.c
    with wiring.engine.connect() as conn:
        return list(conn.execute(select(h).where(h.dossier_id == dossier.id).order_by(h.seq)))


def _sql(wiring: Wiring, *statements: Any) -> None:
    with wiring.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def _found(report: integrity.Report) -> list[Found]:
    return [(b.dossier_code, b.fault, b.seq, b.event_id) for b in report.breaks]


def _rehashed(row: Any, **changes: Any) -> dict[str, Any]:
    """The row's columns with `changes`, and the hash an attacker who knows the algorithm would give them."""
    values = {**row._asdict(), **changes}
    values["hash"] = digest(dossier_id=values["dossier_id"], seq=values["seq"], kind=values["kind"], at=values["at"],
                            actor_id=values["actor_id"], unit_id=values["unit_id"], data=values["data"],
                            prev_hash=values["prev_hash"])
    return values


H = HistoryEventRecord


def _edit_data(rows: list[Any]) -> Tampering:
    return (update(H).where(H.id == rows[1].id).values(data={**rows[1].data, "forged": True}),
            [(Fault.EDITED, 2, rows[1].id)])


def _edit_time(rows: list[Any]) -> Tampering:
    return (update(H).where(H.id == rows[2].id).values(at=rows[2].at + timedelta(microseconds=1)),
            [(Fault.EDITED, 3, rows[2].id)])


def _delete_middle(rows: list[Any]) -> Tampering:
    return delete(H).where(H.id == rows[1].id), [(Fault.DELETED, 3, rows[2].id)]


def _delete_last(rows: list[Any]) -> Tampering:
    return delete(H).where(H.id == rows[-1].id), [(Fault.MISSING_TAIL, len(rows), None)]


def _insert_forged(rows: list[Any]) -> Tampering:
    forged = {**rows[-1]._asdict(), "id": 900_001, "seq": len(rows) + 1, "kind": "status_changed",
              "data": {"status": "returned"}, "prev_hash": GENESIS, "hash": bytes(range(32))}
    return insert(H).values(**forged), [(Fault.INSERTED, len(rows) + 1, 900_001)]


def _insert_forged_rehashed(rows: list[Any]) -> Tampering:
    forged = _rehashed(rows[-1], id=900_002, seq=len(rows) + 1, kind="status_changed", data={"status": "returned"},
                       prev_hash=rows[-1].hash)
    return insert(H).values(**forged), [(Fault.INSERTED, len(rows) + 1, 900_002)]


def _replace_middle_rehashed(rows: list[Any]) -> Tampering:
    forged = _rehashed(rows[1], data={**rows[1].data, "forged": True})
    return (update(H).where(H.id == rows[1].id).values(data=forged["data"], hash=forged["hash"]),
            [(Fault.UNLINKED, 3, rows[2].id)])


def _replace_last_rehashed(rows: list[Any]) -> Tampering:
    forged = _rehashed(rows[-1], data={**rows[-1].data, "forged": True})
    return (update(H).where(H.id == rows[-1].id).values(data=forged["data"], hash=forged["hash"]),
            [(Fault.UNLINKED, len(rows), rows[-1].id)])


TAMPERING: dict[str, Callable[[list[Any]], Tampering]] = {
    "edit an event's data": _edit_data,
    "edit an event's time by a microsecond": _edit_time,
    "delete an event in the middle": _delete_middle,
    "delete the last event": _delete_last,
    "insert a forged event": _insert_forged,
    "insert a forged event with its own hash recomputed": _insert_forged_rehashed,
    "replace an event, its own hash recomputed": _replace_middle_rehashed,
    "replace the last event, its own hash recomputed": _replace_last_rehashed,
}


def test_untouched_dossiers_pass(wiring: Wiring) -> None:
    built = _dossiers(wiring)
    report = integrity.verify(wiring.uow())
    assert report.intact and _found(report) == []
    assert (report.dossiers, report.events) == (3, sum(len(_events(wiring, d)) for d in built))
    rows = _events(wiring, built[0])
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))


@pytest.mark.parametrize("tamper", list(TAMPERING))
def test_tampering_is_reported_at_the_dossier_and_event_touched(wiring: Wiring, tamper: str) -> None:
    built = _dossiers(wiring)
    target = built[1]
    statement, expected = TAMPERING[tamper](_events(wiring, target))
    _sql(wiring, statement)

    report = integrity.verify(wiring.uow())
    assert _found(report) == [(target.code, *e) for e in expected]
    assert (report.dossiers, report.broken_dossiers, report.intact) == (3, 1, False)
    assert _found(integrity.verify(wiring.uow(), dossier_code=target.code)) == _found(report)
    for untouched in (built[0], built[2]):
        assert integrity.verify(wiring.uow(), dossier_code=untouched.code).intact


def test_two_swapped_events_are_both_reported_and_nothing_else(wiring: Wiring) -> None:
    target = _dossiers(wiring)[1]
    rows = _events(wiring, target)
    # The unique number per dossier forbids a swap in one step: park one event on a free number first.
    _sql(wiring, update(H).where(H.id == rows[1].id).values(seq=-1),
         update(H).where(H.id == rows[2].id).values(seq=2),
         update(H).where(H.id == rows[1].id).values(seq=3))
    assert _found(integrity.verify(wiring.uow())) == [(target.code, Fault.REORDERED, 2, rows[2].id),
                                                      (target.code, Fault.REORDERED, 3, rows[1].id)]


def test_an_event_moved_to_another_dossier_is_missed_in_one_and_foreign_in_the_other(wiring: Wiring) -> None:
    built = _dossiers(wiring)
    source, target = _events(wiring, built[1]), _events(wiring, built[2])
    _sql(wiring, update(H).where(H.id == source[-1].id).values(dossier_id=built[2].id, seq=len(target) + 1))
    assert _found(integrity.verify(wiring.uow())) == [
        (built[1].code, Fault.MISSING_TAIL, len(source), None),
        (built[2].code, Fault.INSERTED, len(target) + 1, source[-1].id)]


def test_hashes_survive_the_round_trip_through_the_database(wiring: Wiring) -> None:
    """Floats, big integers, non-ASCII text in both Unicode forms, integer keys, tuples, a local time to
    the microsecond: read back, the event hashes to what was stored when it was written."""
    dossier = _dossiers(wiring)[2]
    data = {"z": [0.1, 1e-7, 1e300, -0.0, 2.5], "big": 2**62, "text": "Nguyễn Văn An — ½ ✓",
            "nfd": unicodedata.normalize("NFD", "Huế"), "nested": {"b": None, "a": True}, "pair": (1, "2"), 3: "x"}
    at = datetime(2025, 7, 14, 9, 30, 15, 123457, tzinfo=VN_TZ)
    with wiring.uow() as uow:
        loaded = uow.dossiers.get(dossier.code, lock=True)
        uow.history.append(HistoryEvent(EventKind.TIMER_FIRED, at, None, PHU_XUAN, data, dossier_id=loaded.id))
        uow.dossiers.update(loaded)
        uow.commit()
    with wiring.uow() as uow:
        head, links = uow.history.chains(after=0, limit=1, dossier_code=dossier.code)[0]
    last = links[-1]
    assert last.at == at and last.data["nfd"] == data["nfd"] and last.data["3"] == "x"
    assert last.hash == head.hash == digest(dossier_id=head.dossier_id, seq=last.seq, kind=last.kind, at=last.at,
                                            actor_id=last.actor_id, unit_id=last.unit_id, data=last.data,
                                            prev_hash=last.prev_hash)
    assert integrity.verify(wiring.uow()).intact


@contextmanager
def _statements(wiring: Wiring) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(wiring.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(wiring.engine, "before_cursor_execute", record)


def _on_dossiers(seen: list[str]) -> list[str]:
    """What each statement reading or writing a dossier's head does with the dossiers table (on PostgreSQL a
    command's writes are one statement, engine/adapters/pending_rows.py: its UPDATE of the dossier is a part)."""
    return ["UPDATE dossiers" if "UPDATE dossiers" in s else " ".join(s.split(" ")[:2])
            for s in seen if "history_head" in s]


def test_appending_costs_no_statement_when_the_dossier_is_written_and_one_when_not(wiring: Wiring) -> None:
    actors = Actors(wiring)
    dossier = receive(wiring, actors(f"reception.{PHU_XUAN}"))
    with _statements(wiring) as seen:
        complete_step(wiring, actors, dossier, "review")  # appends several events
    # The locked load reads the head with the rest of the row; the one UPDATE writes it with the rest.
    assert _on_dossiers(seen) == ["SELECT dossiers.id,", "UPDATE dossiers"]

    returned = drive_to_end(wiring, actors, dossier)
    with _statements(wiring) as seen:
        ratings.rate(wiring.uow(), code=returned.code, secret=returned.secret, level=SatisfactionLevel.SATISFIED,
                     clock=wiring.clock)
    # A rating does not write the dossier: its head costs one UPDATE at commit.
    assert _on_dossiers(seen) == ["SELECT dossiers.id,", "UPDATE dossiers"]
    assert next(s for s in seen if s.startswith("UPDATE dossiers")).startswith("UPDATE dossiers SET history_count")
    assert integrity.verify(wiring.uow()).intact


def _job_that(wiring: Wiring, clock: Clock, dossier: Dossier, work: Callable[..., None]) -> None:
    with wiring.uow() as uow:
        uow.jobs.add(Job(JobKind.WORKFLOW_TIMER, clock.now, dossier_id=dossier.id))
        uow.commit()
    worker.run_due(wiring.uow, handlers={JobKind.WORKFLOW_TIMER: work}, clock=clock)


def test_a_failed_job_leaves_the_chain_whole_and_a_passing_one_extends_it(wiring: Wiring, clock: Clock) -> None:
    dossier = _dossiers(wiring)[2]
    count = len(_events(wiring, dossier))

    def append_then_fail(uow: Any, job: Job, *, now: datetime, **_: Any) -> None:
        loaded = uow.dossiers.get_by_id(job.dossier_id, lock=True)
        loaded.record(EventKind.TIMER_FIRED, now, None, PHU_XUAN, steps=["a"])
        uow.dossiers.update(loaded)  # the head goes into the row inside the job's savepoint...
        loaded.record(EventKind.TIMER_FIRED, now, None, PHU_XUAN, steps=["b"])
        raise RuntimeError("the job fails")  # ...and both go when it rolls back

    def append(uow: Any, job: Job, *, now: datetime, **_: Any) -> None:
        uow.dossiers.get_by_id(job.dossier_id, lock=True).record(EventKind.TIMER_FIRED, now, None,
                  PHU_XUAN, steps=["c"])

    _job_that(wiring, clock, dossier, append_then_fail)  # retried only in 30 s: the clock stays
    assert len(_events(wiring, dossier)) == count and integrity.verify(wiring.uow()).intact
    _job_that(wiring, clock, dossier, append)
    assert [row.data for row in _events(wiring, dossier)][count:] == [{"steps": ["c"]}]
    assert integrity.verify(wiring.uow()).intact


def test_a_head_written_in_a_savepoint_that_rolls_back_is_written_again(wiring: Wiring) -> None:
    dossier = _dossiers(wiring)[2]
    with wiring.uow() as uow:
        loaded = uow.dossiers.get(dossier.code, lock=True)
        loaded.record(EventKind.TIMER_FIRED, wiring.clock(), None, PHU_XUAN, steps=["a"])
        with suppress(RuntimeError), uow.jobs.attempt():  # a savepoint
            uow.dossiers.update(loaded)  # the new head goes into the row, then is undone
            raise RuntimeError
        uow.commit()
    assert integrity.verify(wiring.uow()).intact


def test_two_commands_appending_without_the_lock_cannot_fork_the_chain(wiring: Wiring) -> None:
    """Like two ratings: both read the same head. SQLite runs them one after the other; on PostgreSQL the
    unique number refuses the second (ConflictError). Either way the chain stays whole."""
    dossier = _dossiers(wiring)[2]
    count = len(_events(wiring, dossier))
    postgres = wiring.engine.dialect.name == "postgresql"
    both_read = threading.Barrier(2)

    def append_unlocked(step: str) -> None:
        with wiring.uow() as uow:
            loaded = uow.dossiers.get(dossier.code)
            loaded.record(EventKind.TIMER_FIRED, wiring.clock(), None, PHU_XUAN, steps=[step])
            if postgres:  # (SQLite's second transaction cannot even begin before the first ends)
                both_read.wait(timeout=30)
            uow.commit()

    outcomes = run_together([partial(append_unlocked, "a"), partial(append_unlocked, "b")])
    failed = [value for kind, value in outcomes if kind == "error"]
    assert len(failed) == (1 if postgres else 0), outcomes
    assert all(isinstance(error, ConflictError) for error in failed), failed
    assert len(_events(wiring, dossier)) == count + 2 - len(failed)
    assert integrity.verify(wiring.uow()).intact


def test_the_backfill_chains_older_events_in_id_order(wiring: Wiring) -> None:
    """What migration 0006 does to events written before it, here a dossier at a time."""
    built = _dossiers(wiring)
    d = DossierRecord.__table__.c
    h = HistoryEventRecord.__table__.c
    with wiring.engine.connect() as conn:
        chained = conn.execute(select(h.id, h.seq, h.prev_hash, h.hash).order_by(h.id)).all()
        heads = conn.execute(select(d.id, d.history_count, d.history_head).order_by(d.id)).all()
    with wiring.engine.begin() as conn:
        conn.execute(update(HistoryEventRecord).values(seq=-HistoryEventRecord.id, prev_hash=b"", hash=b""))
        conn.execute(update(DossierRecord).values(history_count=0, history_head=GENESIS))
        assert backfill(conn, batch=1) == len(chained)
    with wiring.engine.connect() as conn:
        assert conn.execute(select(h.id, h.seq, h.prev_hash, h.hash).order_by(h.id)).all() == chained
        assert conn.execute(select(d.id, d.history_count, d.history_head).order_by(d.id)).all() == heads
    assert integrity.verify(wiring.uow(), batch=2).dossiers == len(built)


def test_verify_reads_in_batches(wiring: Wiring) -> None:
    built = _dossiers(wiring)
    target = _events(wiring, built[2])
    _sql(wiring, update(H).where(H.id == target[0].id).values(unit_id="00000"))
    report = integrity.verify(wiring.uow(), batch=1, listed=0)
    assert (report.dossiers, report.problems, report.breaks) == (3, 1, [])


def test_the_verify_command(app: Any) -> None:
    built = _dossiers(app.extensions["onestop"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    stored_json, chains = result.output.splitlines()
    assert stored_json.startswith("Read ") and stored_json.endswith(" of stored JSON: every value can be read back.")
    assert chains.startswith("Checked 3 dossiers, ") and chains.endswith("every chain is intact.")

    rows = _events(app.extensions["onestop"], built[1])
    _sql(app.extensions["onestop"], delete(H).where(H.id == rows[-1].id))
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"{built[1].code}  #{len(rows)} (no event)  missing_tail: the dossier recorded {len(rows)} events; "
        f"from number {len(rows)} on they are missing",
        f"Checked 3 dossiers, {sum(len(_events(app.extensions['onestop'], d)) for d in built)} history events: "
        "1 problem in 1 dossier."]
    assert runner.invoke(args=["verify", "--dossier", built[0].code]).exit_code == 0
    unknown = runner.invoke(args=["verify", "--dossier", "19768-250714-9999"])
    assert unknown.exit_code == 2 and "dossier 19768-250714-9999 does not exist" in unknown.output


def test_a_new_dossier_starts_its_chain_at_genesis_and_its_row_keeps_the_head(wiring: Wiring) -> None:
    dossier = receive(wiring, Actors(wiring)(f"reception.{PHU_XUAN}"))
    rows = _events(wiring, dossier)
    assert (rows[0].seq, rows[0].prev_hash, rows[0].kind) == (1, GENESIS, "received")
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(rows))
    d = DossierRecord.__table__.c
    with wiring.engine.connect() as conn:
        head = conn.execute(select(d.history_count, d.history_head).where(d.id == dossier.id)).one()
    assert tuple(head) == (len(rows), rows[-1].hash)
