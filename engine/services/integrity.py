"""Checking what is stored can be trusted: `verify` walks one dossier's hash chain, or every dossier's, and
reports each event edited, inserted, deleted or moved (engine/domain/history_chain.py says how);
`scan_json` reads every stored JSON value as text and reports those the JSON codec refuses.

Rows are read in batches, each in its own short transaction, so a database of ten million events
is walked in constant memory and without holding a lock for long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.domain import json_codec
from engine.domain.errors import NotFoundError
from engine.domain.history_chain import Break, Head, Link, check
from engine.domain.ports import UnitOfWork

BATCH = 500
"""Dossiers read per statement (with their events: about 10 each)."""


@dataclass
class Report:
    dossiers: int = 0
    events: int = 0
    broken_dossiers: int = 0
    problems: int = 0
    """Every break found, also those past the listed ones."""
    breaks: list[Break] = field(default_factory=list)
    """The first breaks found, in dossier order (a whole database of broken chains would not fit)."""

    @property
    def intact(self) -> bool:
        return self.problems == 0

    def add(self, head: Head, links: list[Link], listed: int) -> None:
        found = check(head, links)
        self.dossiers, self.events = self.dossiers + 1, self.events + len(links)
        if found:
            self.broken_dossiers, self.problems = self.broken_dossiers + 1, self.problems + len(found)
            self.breaks += found[:max(listed - len(self.breaks), 0)]


def verify(uow: UnitOfWork, *, dossier_code: str | None = None, batch: int = BATCH, listed: int = 1000) -> Report:
    """Check the chain of the dossier with `dossier_code`, or of every dossier; NotFoundError if there is
    no such dossier. At most `listed` breaks are kept in the report; all are counted."""
    report, after = Report(), 0
    while True:
        with uow:
            chains = uow.history.chains(after=after, limit=batch, dossier_code=dossier_code)
        for head, links in chains:
            report.add(head, links, listed)
        if len(chains) < batch:
            break
        after = chains[-1][0].dossier_id
    if dossier_code is not None and report.dossiers == 0:
        raise NotFoundError(f"dossier {dossier_code} does not exist")
    return report


@dataclass(frozen=True)
class Unreadable:
    """A stored JSON value the codec refuses: where it is, and why (never the value itself)."""

    owner: str
    """The dossier's code, or what else the row belongs to."""
    table: str
    column: str
    row_id: int | str
    detail: str


@dataclass
class JsonReport:
    rows: int = 0
    problems: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)
    """The first values found, in table and row order."""

    @property
    def readable(self) -> bool:
        return self.problems == 0

    def add(self, row: Any, listed: int) -> None:
        """Check one row's stored texts (engine/adapters/stored_json.py StoredRow)."""
        self.rows += 1
        for column, text in row.texts.items():
            detail = _refusal(text)
            if detail is not None:
                self.problems += 1
                if len(self.unreadable) < listed:
                    self.unreadable.append(Unreadable(row.owner, row.table, column, row.row_id, detail))


def scan_json(uow: UnitOfWork, *, dossier_code: str | None = None, batch: int = BATCH,
              listed: int = 1000) -> JsonReport:
    """Every JSON value stored (or only those of the dossier with `dossier_code`) that the codec would refuse
    to read or to write again, such as the unpaired surrogates and integers beyond 64 bits that the old
    fallback to the standard library wrote. At most `listed` are kept in the report; all are counted."""
    report = JsonReport()
    with uow:
        tables = uow.stored_json.tables()
    for table in tables:
        after: int | str | None = None
        while True:
            with uow:
                rows = uow.stored_json.rows(table, after=after, limit=batch, dossier_code=dossier_code)
            for row in rows:
                report.add(row, listed)
            if len(rows) < batch:
                break
            after = rows[-1].row_id
    return report


def _refusal(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        json_codec.parse(text)
    except json_codec.RefusedJSONError as error:
        return str(error)
    return None
