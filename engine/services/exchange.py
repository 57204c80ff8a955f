"""Dossiers across provinces (engine/domain/exchange.py): a package that reached this deployment, verified and
applied once. To be written (issue 26)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from engine.domain.calendar import WorkingCalendar
from engine.domain.exchange import Acknowledgement
from engine.domain.ports import FileStore, PackageCodec, UnitOfWork
from engine.services.catalogue import Catalogue


def receive_package(uow: UnitOfWork, *, codec: PackageCodec, store: FileStore, catalogue: Catalogue,
                    calendar: WorkingCalendar, clock: Callable[[], datetime], province: str, peers: Collection[str],
                    raw: bytes, client_certificate: bytes | None) -> Acknowledgement:
    """Open `raw` (codec.open verifies it), refuse a replay, and apply it once, in one transaction with its
    receipt; a repeat of a package applied before answers its first acknowledgement (`duplicate`).

    Raises the codec's DomainErrors, ConflictError `package_replayed` / `package_conflict` / the dossier's status,
    NotFoundError `dossier_not_found`, ValidationFailedError `procedure_not_exchangeable`."""
    raise NotImplementedError
