"""The outbox table (engine/domain/outbox.py): written at commit with the change, read by the worker.

A worker leases a message in a short transaction (the row lock, with SKIP LOCKED on PostgreSQL, only while it
moves the message's due time past the lease), delivers it with no transaction open, and records the outcome
in another: a slow receiver never holds a database lock (on SQLite that would stop every officer's command).
Only a stream's oldest undelivered message may be leased: message 2 of a dossier waits while message 1 is
leased or failing, so a stream is delivered in order by any number of workers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from engine.adapters.records import OutboxRecord
from engine.domain.outbox import (
    MAX_ATTEMPTS,
    MAX_ERROR_CHARS,
    Destination,
    MessageStatus,
    OutboundMessage,
    OutboxSummary,
    retry_delay,
)


class OutboxRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, messages: Sequence[OutboundMessage]) -> None:
        """Write the messages in this transaction, in one statement; their ids follow the list's order (the rows
        of one INSERT take their ids in turn), and the ids order each stream."""
        if not messages:
            return
        rows = [{"destination": m.destination.value, "kind": m.kind, "stream": m.stream, "key": m.key,
                 "dossier_id": m.dossier_id, "payload": m.payload, "status": m.status.value, "attempts": m.attempts,
                 "next_attempt_at": m.next_attempt_at or m.created_at, "last_error": m.last_error,
                 "created_at": m.created_at, "delivered_at": m.delivered_at} for m in messages]
        ids = self._s.scalars(insert(OutboxRecord).returning(OutboxRecord.id, sort_by_parameter_order=True), rows).all()
        for message, message_id in zip(messages, ids, strict=True):
            message.id = message_id

    def lease_next(self, now: datetime, destinations: Collection[Destination],
                   lease: timedelta) -> OutboundMessage | None:
        """Take the oldest due message at one of `destinations` that heads its stream (no earlier message of the
        stream is undelivered) for `lease`: it stays pending, due again only when the lease ends, so nobody
        else delivers it meanwhile and the stream's next message waits behind it."""
        if not destinations:
            return None
        earlier = aliased(OutboxRecord)
        blocked = (select(earlier.id).where(earlier.stream == OutboxRecord.stream, earlier.id < OutboxRecord.id,
                                            earlier.status != MessageStatus.DELIVERED.value).exists())
        query = (select(OutboxRecord)
                 .where(OutboxRecord.status == MessageStatus.PENDING.value, OutboxRecord.next_attempt_at <= now,
                        OutboxRecord.destination.in_([d.value for d in destinations]), ~blocked)
                 .order_by(OutboxRecord.next_attempt_at, OutboxRecord.id).limit(1)
                 .with_for_update(skip_locked=True, of=OutboxRecord)
                 .execution_options(populate_existing=True))
        record = self._s.scalar(query)
        if record is None:
            return None
        record.next_attempt_at = now + lease
        self._s.flush()
        return _message(record)

    def mark_delivered(self, message_id: int, at: datetime) -> None:
        """Delivered (a second worker that delivered it again after a lease ran out changes nothing more)."""
        self._s.execute(update(OutboxRecord)
                        .where(OutboxRecord.id == message_id, OutboxRecord.status != MessageStatus.DELIVERED.value)
                        .values(status=MessageStatus.DELIVERED.value, delivered_at=at, last_error=None))

    def record_failure(self, message_id: int, error: str, now: datetime, *, permanent: bool) -> OutboundMessage:
        """Count a failed attempt: due again after the back-off, or parked (after MAX_ATTEMPTS, or at once when
        the receiver refused the message as it is)."""
        record = self._s.get(OutboxRecord, message_id, with_for_update=True, populate_existing=True)
        assert record is not None
        if record.status != MessageStatus.PENDING.value:  # delivered meanwhile by a worker whose lease came later
            return _message(record)
        record.attempts += 1
        record.last_error = error[:MAX_ERROR_CHARS]
        if permanent or record.attempts >= MAX_ATTEMPTS:
            record.status = MessageStatus.PARKED.value
        else:
            record.next_attempt_at = now + retry_delay(record.attempts)
        self._s.flush()
        return _message(record)

    def retry(self, message_id: int, now: datetime) -> OutboundMessage | None:
        """An admin sends a parked message again: pending now, its attempts counted afresh."""
        record = self._s.get(OutboxRecord, message_id, with_for_update=True, populate_existing=True)
        if record is None:
            return None
        if record.status == MessageStatus.PARKED.value:
            record.status, record.attempts, record.next_attempt_at = MessageStatus.PENDING.value, 0, now
            self._s.flush()
        return _message(record)

    def get(self, message_id: int) -> OutboundMessage | None:
        record = self._s.get(OutboxRecord, message_id, populate_existing=True)
        return _message(record) if record else None

    def listed(self, *, status: MessageStatus | None, destination: Destination | None, limit: int,
               offset: int) -> tuple[list[OutboundMessage], int]:
        """Messages newest first (undelivered ones first of all), with the count of all that match."""
        query = select(OutboxRecord)
        if status is not None:
            query = query.where(OutboxRecord.status == status.value)
        if destination is not None:
            query = query.where(OutboxRecord.destination == destination.value)
        total = self._s.scalar(select(func.count()).select_from(query.subquery())) or 0
        undelivered_first = case((OutboxRecord.status == MessageStatus.DELIVERED.value, 1), else_=0)
        rows = self._s.scalars(query.order_by(undelivered_first, OutboxRecord.id.desc()).limit(limit).offset(offset))
        return [_message(r) for r in rows], total

    def of_dossier(self, dossier_id: int) -> list[OutboundMessage]:
        query = select(OutboxRecord).where(OutboxRecord.dossier_id == dossier_id).order_by(OutboxRecord.id)
        return [_message(r) for r in self._s.scalars(query)]

    def summary(self) -> list[OutboxSummary]:
        """Per destination: pending, parked and delivered counts, the oldest undelivered message's time (a parked
        one included: it holds its dossier's later messages), and the failed attempts of the undelivered."""
        undelivered = OutboxRecord.status != MessageStatus.DELIVERED.value
        rows = self._s.execute(
            select(OutboxRecord.destination,
                   func.count().filter(OutboxRecord.status == MessageStatus.PENDING.value),
                   func.count().filter(OutboxRecord.status == MessageStatus.PARKED.value),
                   func.count().filter(OutboxRecord.status == MessageStatus.DELIVERED.value),
                   func.min(case((undelivered, OutboxRecord.created_at))),
                   func.coalesce(func.sum(case((undelivered, OutboxRecord.attempts), else_=0)), 0))
            .group_by(OutboxRecord.destination)).all()
        found = {Destination(r[0]): r for r in rows}
        return [OutboxSummary(d, int(found[d][1]), int(found[d][2]), int(found[d][3]), _aware(found[d][4]),
                              int(found[d][5])) if d in found else OutboxSummary(d, 0, 0, 0, None)
                for d in Destination]


def _aware(value: Any) -> datetime | None:
    """min() over the column bypasses its type on SQLite (text there): read it back as an aware UTC time."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _message(r: OutboxRecord) -> OutboundMessage:
    return OutboundMessage(Destination(r.destination), r.kind, r.stream, r.key, r.payload, r.created_at,
                           MessageStatus(r.status), r.attempts, r.next_attempt_at, r.last_error, r.delivered_at,
                           r.dossier_id, r.id)



