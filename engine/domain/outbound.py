"""Which outbound messages a dossier's change calls for (the outbox's policy, engine/domain/outbox.py).

At commit, the unit of work hands every dossier that recorded history events in the transaction, in its
final state, with those events (`Change`), to `messages_for`; the messages it returns are written in the same
transaction. The national portal's records come from engine/domain/dvcqg.py, the citizen's notices from
engine/domain/citizen_notices.py. What they need beyond the dossier (the procedure's names and codes, the
units' names and electronic identifiers, the officers' names and titles, the files) they ask `OutboundFacts`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine.domain.dossier import Dossier, HistoryEvent
from engine.domain.exchange import ExchangeRole
from engine.domain.files import StoredFile
from engine.domain.outbox import Destination, OutboundMessage
from engine.domain.step_outputs import FinancialNotice
from engine.domain.submission import Submission
from engine.domain.task import Task


@dataclass(frozen=True)
class Recorded:
    """A history event with its position in the dossier's chain (from 1): unique and ordered per dossier."""

    event: HistoryEvent
    seq: int


@dataclass(frozen=True)
class Change:
    """One dossier as a committed command leaves it, with the events the command recorded, in order."""

    dossier: Dossier
    recorded: Sequence[Recorded]

    @property
    def last_seq(self) -> int:
        return self.recorded[-1].seq


@dataclass(frozen=True)
class UnitFacts:
    id: str
    name: str
    agency_code: str | None
    """The unit's electronic identifier (mã định danh điện tử, Decision 20/2020/QĐ-TTg), once loaded."""


@dataclass(frozen=True)
class OfficerFacts:
    id: int
    name: str
    roles: tuple[str, ...]
    deputy: bool


class OutboundFacts(Protocol):
    """What the messages need beyond the dossier, read in the command's transaction."""

    def manifest(self, procedure_version_id: int) -> dict[str, Any]: ...

    def unit(self, unit_id: str) -> UnitFacts: ...

    def officer(self, user_id: int) -> OfficerFacts | None: ...

    def files(self, dossier_id: int) -> list[StoredFile]: ...

    def financial_notice(self, dossier: Dossier) -> FinancialNotice | None:
        """The financial-obligation notice its procedure's step recorded (engine/domain/step_outputs.py), if any."""
        ...

    def latest_manifest(self, procedure_code: str) -> dict[str, Any]:
        """The manifest of the procedure's newest version (a submission is not bound to a version yet)."""
        ...

    def written_before(self, dossier_id: int, kind: str) -> bool:
        """Whether a message of `kind` was written for the dossier by an earlier command (the portal has its
        record, or will: the outbox delivers in order)."""
        ...

    def chain(self, dossier_id: int) -> list[dict[str, Any]]:
        """The dossier's stored history chain as hashes only, `{seq, kind, at, hash}` in order (the command's own
        events included: they are stored before the policy runs); a package carries it (docs/exchange.md)."""
        ...

    def version_number(self, procedure_version_id: int) -> int:
        """The published version's number (1, 2, …) of the procedure version with this id."""
        ...

    def steps(self, dossier_id: int) -> list[Task]:
        """The dossier's steps as the command leaves them, with the data each recorded."""
        ...


def messages_for(change: Change, facts: OutboundFacts, destinations: Collection[Destination],
                 now: datetime) -> list[OutboundMessage]:
    """The messages `change` calls for at the enabled `destinations`, in the order they must arrive."""
    from engine.domain import (  # they import this module's types
        citizen_notices,
        dvcqg,
        exchange_handler,
        exchange_sender,
    )

    messages: list[OutboundMessage] = []
    exchange = change.dossier.exchange
    if exchange is not None and exchange.role == ExchangeRole.HANDLER:
        # Handled here for another province, whose centre received it: the portal's record and the citizen's
        # notices are the sender's, which follows this dossier through the packages.
        if Destination.PROVINCE in destinations:
            messages += exchange_handler.messages(change, facts, now)
        return messages
    if Destination.DVCQG in destinations:
        messages += dvcqg.messages(change, facts, now)
    if Destination.EMAIL in destinations or Destination.SMS in destinations:
        messages += citizen_notices.messages(change, facts, destinations, now)
    if exchange is not None and Destination.PROVINCE in destinations:
        messages += exchange_sender.messages(change, facts, now)
    return messages


def submission_messages_for(submission: Submission, facts: OutboundFacts, destinations: Collection[Destination],
                            now: datetime) -> list[OutboundMessage]:
    """The messages a decided submission calls for (one refused reception, the portal must learn of)."""
    from engine.domain import dvcqg

    return dvcqg.submission_messages(submission, facts, now) if Destination.DVCQG in destinations else []


def stream_of(destination: Destination, dossier: Dossier) -> str:
    """The order of delivery: one stream per dossier and destination."""
    return f"{destination.value}:dossier:{dossier.id}"
