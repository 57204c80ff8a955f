"""The transactional outbox: what the engine must tell the outside world (DESIGN.md "Channels").

A command that changes what the national portal (DVCQG) or a citizen must learn writes the message in its
own transaction (engine/domain/outbound.py decides which; the unit of work writes them at commit), so a
crash never loses one and a rolled-back command never invents one. The worker delivers each message later
(engine/services/outbound.py), in order within its stream (one dossier at one destination), retrying
with back-off; a message that keeps failing, or that the receiver refuses outright, is parked with its
error and holds its stream until an admin sends it again. Every message carries a `key` unique to it, sent
with it, so a receiver that sees it twice (the worker died after delivering and before recording it) can
tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from engine.domain import job


class Destination(StrEnum):
    DVCQG = "dvcqg"  # the National Public Service Portal: DongBoHoSoMC and CapNhatTienDoHoSoMC
    EMAIL = "email"  # a notice to the citizen's e-mail address
    SMS = "sms"      # a notice to the citizen's phone, through the SMS provider
    PROVINCE = "province"  # a dossier package to another province's deployment (engine/domain/exchange.py)


class MessageStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"  # gave up (MAX_ATTEMPTS, or refused by the receiver): an admin reads it and retries


MAX_ATTEMPTS = 10
LONGEST_WAIT = timedelta(hours=1)
MAX_ERROR_CHARS = 500


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: a job's back-off (30 s, 1, 2, 4 … minutes), at most an hour
    (a portal down for a morning is caught up within the hour it returns, without hammering it meanwhile)."""
    return job.retry_delay(attempts, longest=LONGEST_WAIT)


@dataclass
class OutboundMessage:
    destination: Destination
    kind: str
    """What it is: `DongBoHoSoMC`, `CapNhatTienDoHoSoMC`, or the notice (`received`, `supplement_request` …)."""
    stream: str
    """Messages of one stream are delivered in the order they were written: `dossier:<id>` (the destination
    is part of the stream, so a failing SMS provider never holds the portal's records back)."""
    key: str
    """Unique to the message and sent with it: the receiver's way to see a repeat."""
    payload: dict[str, Any]
    created_at: datetime
    status: MessageStatus = MessageStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    dossier_id: int | None = None
    id: int | None = None


class DeliveryFailed(Exception):
    """The receiver did not take the message. `permanent`: it refused this message as it is (a missing field,
    a bad value), so retrying the same bytes cannot help: the message is parked at once."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class Transport(Protocol):
    """Delivers one message to its destination, or raises DeliveryFailed (any other exception counts as a
    passing failure). It must send `message.key` so that the receiver can ignore a repeat."""

    def deliver(self, message: OutboundMessage) -> None: ...


@dataclass(frozen=True)
class OutboxSummary:
    """What an admin watches: per destination, how many wait, the oldest waiting, how many are parked."""

    destination: Destination
    pending: int
    parked: int
    delivered: int
    oldest_undelivered_at: datetime | None
    attempts_failed: int = 0
    """Failed attempts of the messages still pending or parked."""


# What a receiver's error may quote of the message it refused: an e-mail address; a phone (0, 84 or +84, then nine
# digits for a mobile or ten for a landline, spaced as people write them); a citizen ID (CCCD, 12 digits) or an old
# ID card (CMND, 9 digits). Dates (yyyyMMddHHmmss: 14 digits), dossier codes and HTTP statuses have other runs of
# digits and stay readable.
_PERSONAL_DATA = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"(?<!\d)(?:\+?84|0)(?:[ .-]?\d){9,10}(?!\d)"), "[phone]"),
    (re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)"), "[id-number]"),
)


def without_personal_data(text: str) -> str:
    """`text` with e-mail addresses, phone numbers and ID numbers replaced by placeholders: a receiver's error
    is kept for admins to read (and api/log_privacy.py masks logs the same way), never what it quoted."""
    for pattern, placeholder in _PERSONAL_DATA:
        text = pattern.sub(placeholder, text)
    return text
