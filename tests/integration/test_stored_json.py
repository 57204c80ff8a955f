"""Stored JSON on SQLite and PostgreSQL (issue 17, defect 1): rows poisoned by the old fallback to the standard
library (an escaped lone surrogate, integers beyond 64 bits), written here straight in SQL, are found by
`scan_json` and `flask verify` by dossier code and column, without their content, and one bad row does not
stop the scan; a value the codec cannot write is refused with a domain error and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from api.wiring import Wiring
from engine.domain.dossier import Dossier
from engine.domain.json_codec import UnstorableValueError
from engine.services import integrity, model_drafts
from tests.conftest import PHU_XUAN
from tests.integration._support import Actors, receive

SURROGATE = json.dumps({"applicant": {"full_name": "\ud800"}})  # as json.dumps wrote it: "\ud800"
HUGE = json.dumps({"n": 10**400})  # orjson reads it as infinity: refused
WIDE = json.dumps({"n": 2**64})  # orjson reads it as a float: the value changed silently


def _dossiers(wiring: Wiring, count: int) -> list[Dossier]:
    centre = Actors(wiring)(f"reception.{PHU_XUAN}")
    return [receive(wiring, centre) for _ in range(count)]


def _poison(wiring: Wiring, table: str, column: str, row_id: int | str, written: str) -> None:
    """Put `written` in a JSON column as raw text, as the old writer did."""
    value = "CAST(:t AS json)" if wiring.engine.dialect.name == "postgresql" else ":t"
    with wiring.engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = {value} WHERE id = :id"), {"t": written, "id": row_id})


def _found(report: integrity.JsonReport) -> list[tuple[str, str, str]]:
    return [(u.owner, f"{u.table}.{u.column}", u.detail) for u in report.unreadable]


def test_an_untouched_database_reads_back_whole(wiring: Wiring) -> None:
    _dossiers(wiring, 2)

    report = integrity.scan_json(wiring.uow())

    assert report.readable and report.unreadable == []
    assert report.rows > 2  # dossiers, history events, procedures, accounts


def test_poisoned_rows_are_named_by_dossier_and_column_and_the_scan_goes_on(wiring: Wiring) -> None:
    built = _dossiers(wiring, 4)
    _poison(wiring, "dossiers", "application", built[0].id or 0, SURROGATE)
    _poison(wiring, "dossiers", "workflow_state", built[1].id or 0, HUGE)
    _poison(wiring, "dossiers", "routes", built[3].id or 0, WIDE)
    with wiring.engine.connect() as connection:
        event_id = connection.execute(text("SELECT min(id) FROM history_events WHERE dossier_id = :d"),
                                      {"d": built[2].id}).scalar_one()
    _poison(wiring, "history_events", "data", event_id, HUGE)
    with wiring.uow() as uow, pytest.raises(ValueError):
        uow.dossiers.get(built[0].code)  # the ordinary read fails on such a row: the scan reads text

    report = integrity.scan_json(wiring.uow(), batch=1)

    assert report.problems == 4
    assert _found(report) == [
        (built[0].code, "dossiers.application",
         "a text holds an unpaired UTF-16 surrogate escape (\\ud800 to \\udfff), at line 1, column 30"),
        (built[1].code, "dossiers.workflow_state", "an integer does not fit in 64 bits (from -2^63 to 2^64 - 1)"),
        (built[3].code, "dossiers.routes", "an integer does not fit in 64 bits (from -2^63 to 2^64 - 1)"),
        (built[2].code, "history_events.data", "an integer does not fit in 64 bits (from -2^63 to 2^64 - 1)"),
    ]
    only = integrity.scan_json(wiring.uow(), dossier_code=built[1].code)
    assert _found(only) == [_found(report)[1]]
    assert integrity.scan_json(wiring.uow(), listed=1).unreadable == report.unreadable[:1]


def test_what_a_step_recorded_is_scanned_in_batches_keyed_by_the_steps_text_id(wiring: Wiring) -> None:
    built = _dossiers(wiring, 3)
    with wiring.engine.connect() as connection:
        steps = list(connection.execute(text("SELECT id, dossier_id FROM tasks WHERE data IS NOT NULL ORDER BY id")))
    assert {s.dossier_id for s in steps} == {d.id for d in built}  # each completed step kept what it recorded
    poisoned = steps[-1]
    _poison(wiring, "tasks", "data", poisoned.id, HUGE)

    report = integrity.scan_json(wiring.uow(), batch=1)

    owner = next(d.code for d in built if d.id == poisoned.dossier_id)
    assert _found(report) == [(owner, "tasks.data", "an integer does not fit in 64 bits (from -2^63 to 2^64 - 1)")]


def test_a_poisoned_procedure_version_is_named_by_its_code_and_version(wiring: Wiring) -> None:
    with wiring.engine.connect() as connection:
        row = connection.execute(text("SELECT id, code, version FROM procedure_versions ORDER BY id")).first()
    assert row is not None
    _poison(wiring, "procedure_versions", "decisions", row.id, SURROGATE)

    report = integrity.scan_json(wiring.uow())

    assert [(u.owner, u.column) for u in report.unreadable] == [(f"procedure {row.code} version {row.version}",
                                                                 "decisions")]


def test_poisoned_drafts_are_named_by_their_code_scanned_in_batches_keyed_by_it(wiring: Wiring) -> None:
    admin = Actors(wiring)("admin.46")
    for code in ("2.000884", "1.001193", "2.000815"):
        draft = model_drafts.open_draft(wiring.uow(), actor=admin, code=code)
        model_drafts.save_draft(wiring.uow(), actor=admin, code=code, revision=0, parts={"bpmn": draft.bpmn},
                                clock=wiring.clock)
    value = "CAST(:t AS json)" if wiring.engine.dialect.name == "postgresql" else ":t"
    with wiring.engine.begin() as connection:
        connection.execute(text(f"UPDATE procedure_drafts SET forms = {value} WHERE code = '2.000815'"), {"t": HUGE})

    report = integrity.scan_json(wiring.uow(), batch=1)

    assert _found(report) == [("draft of procedure 2.000815", "procedure_drafts.forms",
                               "an integer does not fit in 64 bits (from -2^63 to 2^64 - 1)")]


def test_the_verify_command_names_the_poisoned_dossiers_without_their_content(app: Any) -> None:
    wiring = app.extensions["onestop"]
    built = _dossiers(wiring, 2)
    _poison(wiring, "dossiers", "application", built[1].id or 0, SURROGATE)

    result = app.test_cli_runner().invoke(args=["verify"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (f"{built[1].code}  dossiers.application (row {built[1].id}): a text holds an unpaired "
                        "UTF-16 surrogate escape (\\ud800 to \\udfff), at line 1, column 30")
    assert lines[1].startswith("Read ") and lines[1].endswith(" of stored JSON: 1 value cannot.")
    assert lines[2].startswith("Checked 2 dossiers, ") and lines[2].endswith("every chain is intact.")
    assert "Nguyễn" not in result.output
    assert app.test_cli_runner().invoke(args=["verify", "--dossier", built[0].code]).exit_code == 0


@pytest.mark.parametrize("value", ["\ud800", 2**64])
def test_a_value_the_codec_cannot_write_is_refused_with_a_domain_error(wiring: Wiring, value: Any) -> None:
    dossier = _dossiers(wiring, 1)[0]

    with pytest.raises(UnstorableValueError), wiring.uow() as uow:
        loaded = uow.dossiers.get(dossier.code, lock=True)
        assert loaded is not None
        loaded.application["child"]["full_name"] = value
        uow.dossiers.update(loaded)
        uow.commit()

    with wiring.uow() as uow:
        stored = uow.dossiers.get(dossier.code)
        assert stored is not None and stored.application == dossier.application
    assert integrity.scan_json(wiring.uow()).readable
