"""Importing a province's procedure catalogue (processes/catalogue/README.md): every row whose generated
procedure differs from every stored version of its code is published as the next version, all in one
transaction, or nothing when any row has a problem. No web or database imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from engine.domain.actor import Actor
from engine.domain.ports import UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.procedure_catalogue import (
    CatalogueEntry,
    CatalogueProblem,
    CatalogueRefusedError,
    parse_catalogue,
)
from engine.services.procedure_drafts import require_admin
from engine.services.procedures import manifest_problems, procedure_problems

NEW, NEW_VERSION, UNCHANGED = "new", "new_version", "unchanged"


@dataclass(frozen=True)
class RowOutcome:
    """What the import does (or, in a dry run, would do) with one row: `version` is the version published, or
    the stored one equal to the row."""

    line: int
    code: str
    key: str
    name: dict[str, str]
    outcome: str
    version: int


@dataclass(frozen=True)
class CatalogueImport:
    rows: list[RowOutcome]
    dry_run: bool

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


@dataclass(frozen=True)
class _Stored:
    """What is stored of the procedures: the process id of each code's latest version, every version's checksum
    and the latest version number by code."""

    process_ids: dict[str, str]
    checksums: dict[str, dict[str, int]]
    latest: dict[str, int]


def import_catalogue(uow: UnitOfWork, *, actor: Actor, text: str | bytes, clock: Callable[[], datetime],
                     dry_run: bool = False) -> CatalogueImport:
    """Publish the catalogue's new and changed rows (a dry run only says what it would do). `text` is the file's
    text or its bytes (UTF-8, checked after the actor is).

    Raises:
        ForbiddenError: The actor is not the admin of a province.
        CatalogueRefusedError: Every problem of the file, each by line and column; nothing was stored.
        ConflictError: A version of one of its codes was published meanwhile; nothing was stored.
    """
    with uow:
        require_admin(uow, actor)
    catalogue = parse_catalogue(text)
    if catalogue.problems:
        raise CatalogueRefusedError(catalogue.problems)
    with uow:
        stored = _stored(uow)
    outcomes, problems = _plan(catalogue.entries, stored)
    # Checked outside the write transaction (on SQLite it holds the write lock): only the rows to publish, so a
    # second import of the same file parses no diagram.
    publish = [entry for entry, outcome in zip(catalogue.entries, outcomes, strict=True)
               if outcome.outcome != UNCHANGED]
    problems += _procedure_problems(publish)
    if problems:
        raise CatalogueRefusedError(sorted(problems, key=lambda p: p.line))
    if not dry_run and publish:
        by_line = {outcome.line: outcome.version for outcome in outcomes}
        with uow:
            published_at = clock()
            for entry in publish:
                uow.procedures.add(replace(entry.procedure, version=by_line[entry.line]), published_at=published_at)
            uow.commit()
    return CatalogueImport(outcomes, dry_run)


def _procedure_problems(entries: list[CatalogueEntry]) -> list[CatalogueProblem]:
    """The procedure check of each generated version: the manifest of every row, and the whole check (diagram and
    forms, 30 ms a row, mostly the forms against the JSON Schema meta-schema) of the first row of each shape
    (its lanes and competence rule): the template gives the rows of a shape the same elements, properties and keywords,
    differing only in escaped texts the parser has refused control characters in, where any text is valid."""
    found = []
    shapes: set[str] = set()
    for entry in entries:
        manifest = entry.procedure.manifest
        shape = json.dumps([manifest["lanes"], manifest["competent_unit"]], sort_keys=True)
        problems = procedure_problems(entry.procedure)[1] if shape not in shapes else manifest_problems(manifest)
        shapes.add(shape)
        found += [CatalogueProblem(entry.line, None, f"the generated procedure: {p.message}") for p in problems]
    return found


def _stored(uow: UnitOfWork) -> _Stored:
    latest = [p for p in map(uow.procedures.get, uow.procedures.latest_ids()) if p is not None]
    checksums: dict[str, dict[str, int]] = {}
    for _, code, version, _, checksum in uow.procedures.versions():
        checksums.setdefault(code, {})[checksum] = version
    return _Stored({p.code: p.process_id for p in latest}, checksums, {p.code: p.version for p in latest})


def _plan(entries: list[CatalogueEntry], stored: _Stored) -> tuple[list[RowOutcome], list[CatalogueProblem]]:
    """Each row's outcome, and the rows refused: a code stored with another process id (a hand-drawn procedure,
    or one generated with another key, is not replaced) or a key another code's procedure has."""
    codes_by_key = {key: code for code, key in stored.process_ids.items()}
    outcomes, problems = [], []
    for entry in entries:
        procedure: ProcedureVersion = entry.procedure
        code, key = procedure.code, procedure.process_id
        if stored.process_ids.get(code, key) != key:
            problems.append(CatalogueProblem(entry.line, "code", f"procedure {code} is stored with process id "
                                             f"{stored.process_ids[code]!r}, not {key!r}: a catalogue row does not "
                                             "replace a procedure drawn by hand or generated with another key"))
        if codes_by_key.get(key, code) != code:
            problems.append(CatalogueProblem(entry.line, "key", f"{key!r} is the process id of procedure "
                                             f"{codes_by_key[key]}; choose another key"))
        equal = stored.checksums.get(code, {}).get(procedure.checksum)
        outcome = (UNCHANGED if equal is not None else NEW_VERSION if code in stored.latest else NEW)
        version = equal if equal is not None else stored.latest.get(code, 0) + 1
        outcomes.append(RowOutcome(entry.line, code, key, procedure.manifest["name"], outcome, version))
    return outcomes, problems
