"""The national portal's records of a dossier (DOMAIN.md §4.2): DongBoHoSoMC and CapNhatTienDoHoSoMC."""

from __future__ import annotations

from datetime import datetime

from engine.domain.outbound import Change, OutboundFacts
from engine.domain.outbox import OutboundMessage


def messages(change: Change, facts: OutboundFacts, now: datetime) -> list[OutboundMessage]:
    return []  # written by the DVCQG part of issue 23
