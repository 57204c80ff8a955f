"""What this deployment received from its peers (the ExchangeReceipts port, engine/domain/ports.py): each
package applied once (`exchange_receipts`, unique per sender and package_id) and each nonce seen once
(`exchange_nonces`, forgotten after twice the replay window).

A nonce is recorded with one insert that does nothing on a clash, so two deliveries of one nonce at the same
time see it once: the second waits for the first's transaction (PostgreSQL) or the write lock (SQLite), then
finds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.adapters.records import ExchangeNonceRecord, ExchangeReceiptRecord
from engine.domain.exchange import Acknowledgement, Package


class ExchangeReceiptRepository:
    def __init__(self, session: Session):
        self._s = session

    def seen_nonce(self, sender: str, nonce: str, now: datetime) -> bool:
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        table = ExchangeNonceRecord.__table__
        statement = dialect.insert(table).values(sender=sender, nonce=nonce, seen_at=now)
        # A row comes back only when it was inserted (rowcount is not reliable for DO NOTHING on every driver).
        inserted = self._s.execute(statement.on_conflict_do_nothing().returning(table.c.nonce)).first()
        return inserted is None

    def applied(self, sender: str, package_id: str) -> tuple[str, Acknowledgement] | None:
        record = self._s.scalar(select(ExchangeReceiptRecord).where(ExchangeReceiptRecord.sender == sender,
                                                                    ExchangeReceiptRecord.package_id == package_id))
        if record is None:
            return None
        ack = record.acknowledgement
        return record.digest, Acknowledgement(str(ack["package_id"]), str(ack["dossier_code"]), str(ack["state"]))

    def record(self, sender: str, package: Package, acknowledgement: Acknowledgement, dossier_id: int | None,
               now: datetime) -> None:
        self._s.add(ExchangeReceiptRecord(sender=sender, package_id=package.package_id, kind=package.kind.value,
                                          digest=package.digest, dossier_id=dossier_id,
                                          acknowledgement=acknowledgement.to_json(), received_at=now))

    def forget_nonces(self, before: datetime) -> int:
        result = cast(CursorResult[Any], self._s.execute(
            delete(ExchangeNonceRecord).where(ExchangeNonceRecord.seen_at < before)))
        return int(result.rowcount)
