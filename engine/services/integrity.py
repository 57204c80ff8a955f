"""Checking the history you can trust: `verify` walks one dossier's hash chain, or every dossier's, and
reports each event edited, inserted, deleted or moved (engine/domain/history_chain.py says how).

Dossiers are read in batches, each in its own short transaction, so a database of ten million events
is walked in constant memory and without holding a lock for long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.domain.errors import NotFoundError
from engine.domain.history_chain import Break, Head, Link, check

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


def verify(uow: Any, *, dossier_code: str | None = None, batch: int = BATCH, listed: int = 1000) -> Report:
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
