"""The packages a sender's dossier change calls for (engine/domain/exchange.py). To be written (issue 26)."""

from __future__ import annotations

from datetime import datetime

from engine.domain.outbound import Change, OutboundFacts
from engine.domain.outbox import OutboundMessage


def messages(change: Change, facts: OutboundFacts, now: datetime) -> list[OutboundMessage]:
    return []
