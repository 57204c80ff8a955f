"""Delivering the outbox (engine/domain/outbox.py) and what admins do with it.

The worker leases a stream's oldest due message (a short transaction), hands it to its destination's
transport with no transaction open, and records the outcome (another): a worker killed during delivery leaves
the message pending, due again when its lease ends (the receiver may have it already and tells the repeat by
its key), and no worker delivers that stream's next message before this one is recorded.

A passing failure (the receiver down, a timeout) is retried with back-off (outbox.retry_delay); a refusal
(DeliveryFailed(permanent=True): the receiver rejected this message as it is) or MAX_ATTEMPTS failures park
the message, which holds its stream until an admin sends it again. A failure never touches the command
that wrote the message: that committed long before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.domain.actor import Actor, Role
from engine.domain.errors import ConflictError, ForbiddenError, NotFoundError
from engine.domain.outbox import (
    DeliveryFailed,
    Destination,
    MessageStatus,
    OutboundMessage,
    OutboxSummary,
    Transport,
    without_personal_data,
)
from engine.domain.ports import UnitOfWork
from engine.domain.unit import UnitKind

log = logging.getLogger(__name__)

BATCH = 100  # messages delivered before the worker's loop looks at its stop event and jobs again


LEASE = timedelta(minutes=2)
"""How long a leased message is left to its worker: longer than a transport may take (its timeouts are 20 s at
most). A worker that dies holding one delays its stream by this much."""


def deliver_due(uow_factory: Callable[[], UnitOfWork], *, transports: Mapping[Destination, Transport],
                clock: Callable[[], datetime], limit: int = BATCH, lease: timedelta = LEASE) -> int:
    """Deliver due messages one at a time until none is due or `limit` were tried; return how many were tried
    (delivered or failed)."""
    tried = 0
    while tried < limit and _deliver_one(uow_factory, transports, clock, lease):
        tried += 1
    return tried


def _deliver_one(uow_factory: Callable[[], UnitOfWork], transports: Mapping[Destination, Transport],
                 clock: Callable[[], datetime], lease: timedelta) -> bool:
    with uow_factory() as uow:
        message = uow.outbox.lease_next(clock(), transports.keys(), lease)
        if message is None:
            return False
        uow.commit()
    assert message.id is not None
    failure: tuple[str, bool] | None = None
    try:
        transports[message.destination].deliver(message)
    except DeliveryFailed as error:
        failure = str(error), error.permanent
    except Exception as error:  # a transport's bug or the network: a passing failure
        failure = f"{type(error).__name__}: {error}", False
    with uow_factory() as uow:
        if failure is None:
            uow.outbox.mark_delivered(message.id, clock())
        else:
            _failed(uow, message, failure[0], clock(), permanent=failure[1])
        uow.commit()
    return True


def _failed(uow: UnitOfWork, message: OutboundMessage, error: str, now: datetime, *, permanent: bool) -> None:
    assert message.id is not None
    # Stored for admins to read: whatever of the message the receiver quoted is masked first.
    after = uow.outbox.record_failure(message.id, without_personal_data(error), now, permanent=permanent)
    # The kind and id only: the error is the receiver's words, which may quote what it was sent.
    log.warning("outbox message %s (%s %s) failed, attempt %s%s", message.id, message.destination.value,
                message.kind, after.attempts, ", parked" if after.status == MessageStatus.PARKED else "")


@dataclass(frozen=True)
class Backlog:
    """One destination as admins and /metrics watch it: counts and times only, nothing of any message."""

    destination: Destination
    pending: int
    parked: int
    delivered: int
    failed_attempts: int
    """Failed attempts of the messages still pending or parked."""
    oldest_undelivered_at: datetime | None
    oldest_undelivered_age: timedelta | None
    """How long the oldest undelivered message (waiting or parked) has waited; None when none waits."""


@dataclass(frozen=True)
class MessageLine:
    """A message as the admin's list shows it: what, where to, for which dossier and how delivery went; never its
    payload, which carries the citizen's data."""

    id: int
    destination: Destination
    kind: str
    dossier_code: str | None
    status: MessageStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None


def backlog(uow: UnitOfWork, *, now: datetime) -> list[Backlog]:
    """Per destination, counts only (what /metrics shows whoever can reach it)."""
    with uow:
        return [_backlog(s, now) for s in uow.outbox.summary()]


def admin_backlog(uow: UnitOfWork, *, actor: Actor, now: datetime) -> list[Backlog]:
    """Raises: ForbiddenError: the actor is not an admin."""
    with uow:
        _require_admin(uow, actor)
        return [_backlog(s, now) for s in uow.outbox.summary()]


def admin_messages(uow: UnitOfWork, *, actor: Actor, status: MessageStatus | None, destination: Destination | None,
                   limit: int, offset: int) -> tuple[list[MessageLine], int]:
    """Messages newest first (undelivered ones first of all) with their dossiers' codes, and how many match.

    Raises:
        ForbiddenError: the actor is not an admin.
    """
    with uow:
        _require_admin(uow, actor)
        messages, total = uow.outbox.listed(status=status, destination=destination, limit=limit, offset=offset)
        return _lines(uow, messages), total


def admin_retry(uow: UnitOfWork, *, actor: Actor, message_id: int, now: datetime) -> MessageLine:
    """An admin sends a parked message again: pending at once, its attempts counted afresh.

    Raises:
        ForbiddenError: the actor is not an admin.
        NotFoundError: there is no such message.
        ConflictError: the message is not parked (its status says what it is).
    """
    with uow:
        _require_admin(uow, actor)
        message = uow.outbox.get(message_id)
        if message is None:
            raise NotFoundError(f"outbox message {message_id} does not exist", code="outbox_message_not_found",
                                message_id=message_id)
        if message.status is not MessageStatus.PARKED:
            raise ConflictError(f"outbox message {message_id} is {message.status.value}: only a parked message is "
                                "sent again", status=message.status.value, code="outbox_message_not_parked")
        retried = uow.outbox.retry(message_id, now)
        assert retried is not None
        uow.commit()
        return _lines(uow, [retried])[0]


def _require_admin(uow: UnitOfWork, actor: Actor) -> None:
    """The outbox is the deployment's, which serves one province: any admin (admins sit at a province) watches it."""
    unit = uow.units.get(actor.unit_id)
    if Role.ADMIN.value not in actor.roles or unit is None or unit.kind is not UnitKind.PROVINCE:
        raise ForbiddenError("the outbox is watched by a province's admins", code="role_required",
                             role=Role.ADMIN.value)


def _backlog(s: OutboxSummary, now: datetime) -> Backlog:
    age = max(now - s.oldest_undelivered_at, timedelta(0)) if s.oldest_undelivered_at else None
    return Backlog(s.destination, s.pending, s.parked, s.delivered, s.attempts_failed, s.oldest_undelivered_at, age)


def _lines(uow: UnitOfWork, messages: list[OutboundMessage]) -> list[MessageLine]:
    ids = sorted({m.dossier_id for m in messages if m.dossier_id is not None})
    codes = {d.id: d.code for d in uow.dossiers.by_ids(ids)} if ids else {}
    # Masked again on reading: an error stored before masking at record time must not reach an admin either.
    return [MessageLine(m.id or 0, m.destination, m.kind, codes.get(m.dossier_id) if m.dossier_id else None,
                        m.status, m.attempts, m.last_error and without_personal_data(m.last_error), m.created_at,
                        m.next_attempt_at, m.delivered_at) for m in messages]
