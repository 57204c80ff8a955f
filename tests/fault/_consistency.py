"""What must hold in the database after any crash, read straight from the tables (no server involved):
no dossier half-applied (its row, its task rows, its workflow state and its history agree), codes
unique and gapless per centre and day, the statistics spans equal to their recomputation from the
history.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from api.wiring import Wiring
from engine.adapters.records import DossierRecord
from engine.adapters.stat_spans import recomputed_rows, stored_rows
from engine.domain.dossier import Dossier, EventKind
from engine.domain.task import TaskStatus
from engine.services import integrity
from engine.workflow import WorkflowInstance
from tests.integration._support import history_of, load, tasks_of


@dataclass(frozen=True)
class Stored:
    """What one dossier's rows say, for the test's own checks."""

    dossier: Dossier
    completed_task_ids: frozenset[str]
    ready_task_ids: frozenset[str]


def all_dossiers(wiring: Wiring) -> dict[str, str | None]:
    """Every dossier's code and its Idempotency-Key."""
    with wiring.engine.connect() as connection:
        rows = connection.execute(select(DossierRecord.code, DossierRecord.idempotency_key))
        return {code: key for code, key in rows}


def check_dossier(wiring: Wiring, code: str) -> Stored:
    """One dossier's row, task rows, workflow state and history tell the same story."""
    dossier = load(wiring, code)
    tasks, history = tasks_of(wiring, dossier), history_of(wiring, dossier)
    assert len({t.id for t in tasks}) == len(tasks), f"{code}: a task row twice"
    ready = {t.id for t in tasks if t.status == TaskStatus.READY}
    completed = [t for t in tasks if t.status == TaskStatus.COMPLETED]

    with wiring.uow() as uow:
        procedure = wiring.catalogue.version(uow.procedures, dossier.procedure_version_id)
    instance = WorkflowInstance.restore(wiring.catalogue.spec(procedure), dossier.workflow_state)
    waiting = {h.id for h in instance.ready_human_tasks()}
    assert ready == waiting, f"{code}: task rows ready {ready}, the workflow waits at {waiting}"

    done_steps = Counter(e.data.get("step") for e in history if e.kind == EventKind.TASK_COMPLETED)
    assert done_steps == Counter(t.step for t in completed), (
        f"{code}: completed rows {sorted(t.step for t in completed)}, history {sorted(done_steps.elements())}")
    assert [e.kind for e in history[:1]] == [EventKind.RECEIVED], f"{code}: history does not start with receipt"
    changes = [e.data["status"] for e in history if e.kind == EventKind.STATUS_CHANGED]
    if changes:
        assert dossier.status.value == changes[-1], f"{code}: status {dossier.status}, history says {changes[-1]}"
    return Stored(dossier, frozenset(t.id for t in completed), frozenset(ready))


def check_codes(codes: list[str]) -> None:
    """Unique, and per centre and day numbered 1..N without a gap (a rolled-back number is given back)."""
    assert len(codes) == len(set(codes)), "a dossier code twice"
    numbers: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for code in codes:
        match = re.fullmatch(r"(.+)-(\d{6})-(\d{4})", code)
        assert match, code
        numbers[(match.group(1), match.group(2))].append(int(match.group(3)))
    for (unit, day), taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), f"gaps in {unit}-{day}: {sorted(taken)}"


def check_database(wiring: Wiring) -> dict[str, Stored]:
    """Every dossier checked, the codes, the statistics spans and the history's hash chains; returns the
    dossiers."""
    codes = list(all_dossiers(wiring))
    check_codes(codes)
    stored = {code: check_dossier(wiring, code) for code in codes}
    with wiring.engine.connect() as connection:
        recomputed = sorted(recomputed_rows(connection), key=lambda r: (r["dossier_id"], r["since"]))
        assert stored_rows(connection) == recomputed, "statistics spans differ from the history they fold"
    chains = integrity.verify(wiring.uow())
    assert chains.intact and chains.dossiers == len(codes), chains.breaks
    return stored
