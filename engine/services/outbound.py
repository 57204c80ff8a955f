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
from datetime import datetime, timedelta

from engine.domain.errors import NotFoundError
from engine.domain.outbox import DeliveryFailed, Destination, MessageStatus, OutboundMessage, OutboxSummary, Transport
from engine.domain.ports import UnitOfWork

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
    after = uow.outbox.record_failure(message.id, error, now, permanent=permanent)
    # The kind and id only: the error is the receiver's words, which may quote what it was sent.
    log.warning("outbox message %s (%s %s) failed, attempt %s%s", message.id, message.destination.value,
                message.kind, after.attempts, ", parked" if after.status == MessageStatus.PARKED else "")


def retry(uow: UnitOfWork, message_id: int, *, now: datetime) -> OutboundMessage:
    """An admin sends a parked message again (a pending or delivered one is left as it is)."""
    message = uow.outbox.retry(message_id, now)
    if message is None:
        raise NotFoundError(f"outbox message {message_id} does not exist")
    uow.commit()
    return message


def summary(uow: UnitOfWork) -> list[OutboxSummary]:
    return uow.outbox.summary()


def listed(uow: UnitOfWork, *, status: MessageStatus | None, destination: Destination | None, limit: int,
           offset: int) -> tuple[list[OutboundMessage], int]:
    return uow.outbox.listed(status=status, destination=destination, limit=limit, offset=offset)
