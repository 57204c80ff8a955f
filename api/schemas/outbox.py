"""Envelopes of the outbox as admins watch it (GET /outbox/summary, GET /outbox, POST /outbox/{id}/retry).

A message is shown by what it is, where it goes and how its delivery went; its payload (the citizen's data) is
never part of an answer.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas.common import LocalDateTime, PageQuery, page_schema
from engine.domain.outbox import Destination, MessageStatus

DESTINATION = ("dvcqg (the national portal's records), email or sms (notices to citizens), province (dossier "
               "packages to other provinces' deployments)")


class OutboxBacklogReadSchema(Schema):
    destination = fields.Enum(Destination, by_value=True, metadata={"description": DESTINATION})
    pending = fields.Integer(metadata={"description": "messages waiting for delivery (or for their next attempt)"})
    parked = fields.Integer(metadata={"description": "messages given up on, each waiting for an admin to retry it"})
    delivered = fields.Integer()
    failed_attempts = fields.Integer(metadata={"description": "failed attempts of the pending and parked messages"})
    oldest_undelivered_at = LocalDateTime(allow_none=True, metadata={
        "description": "when the oldest undelivered message (waiting or parked) was written; null if none"})
    oldest_undelivered_age_seconds = fields.Function(
        lambda b: None if b.oldest_undelivered_age is None else int(b.oldest_undelivered_age.total_seconds()),
        allow_none=True, metadata={"type": "integer",
                                   "description": "how long the oldest undelivered message has waited"})


class OutboxMessageReadSchema(Schema):
    id = fields.Integer()
    destination = fields.Enum(Destination, by_value=True, metadata={"description": DESTINATION})
    kind = fields.String(metadata={"description": "DongBoHoSoMC, CapNhatTienDoHoSoMC, the notice's kind or the "
                                                  "package's kind"})
    dossier_code = fields.String(allow_none=True)
    status = fields.Enum(MessageStatus, by_value=True, metadata={
        "description": "pending, parked (an admin must retry it) or delivered"})
    attempts = fields.Integer(metadata={"description": "failed attempts since it was written or last retried"})
    last_error = fields.String(allow_none=True, metadata={
        "description": "the receiver's last error, with e-mail addresses, phones and ID numbers masked"})
    created_at = LocalDateTime()
    next_attempt_at = LocalDateTime(allow_none=True)
    delivered_at = LocalDateTime(allow_none=True)


class OutboxQuery(PageQuery):
    status = fields.Enum(MessageStatus, by_value=True)
    destination = fields.Enum(Destination, by_value=True)


OutboxMessagePageSchema = page_schema(OutboxMessageReadSchema)
