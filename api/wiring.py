"""The composition root: builds the database, catalogue, calendar and clock once per app, and hands
them to services as explicit arguments.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app

from api.observability import current_request_id
from api.settings import Settings
from engine.adapters.database import make_engine, make_lookup_session_factory, make_session_factory, migrate
from engine.adapters.definitions import read_calendar, read_procedures
from engine.adapters.file_store import file_store_from_url
from engine.adapters.uow import SqlUnitOfWork
from engine.domain.calendar import WorkingCalendar
from engine.domain.exchange import Identity, Peer
from engine.domain.outbox import Destination, Transport
from engine.domain.ports import DocumentSigner, FileStore, PackageCodec
from engine.domain.unit import all_units, province_id
from engine.services import accounts, procedures
from engine.services.catalogue import Catalogue


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Wiring:
    settings: Settings
    session_factory: Any
    engine: Any
    catalogue: Catalogue
    calendar: WorkingCalendar
    clock: Callable[[], datetime]
    lookup_session_factory: Any = None
    files: FileStore | None = None
    _signer: DocumentSigner | None = None
    stats_engine: Any = None
    """The streaming replica the statistics read (ONESTOP_STATS_DATABASE_URL); None: `engine` itself."""
    stats_session_factory: Any = None
    _peers: dict[str, Peer] | None = None
    _codec: PackageCodec | None = None

    @property
    def store(self) -> FileStore:
        assert self.files is not None
        return self.files

    @property
    def signer(self) -> DocumentSigner:
        """The units' signing keys, opened on first use (a key file or token is only needed to sign)."""
        if self._signer is None:
            # Imported here: pyHanko (and aiohttp through it) only in a process that signs or verifies a PDF.
            from engine.adapters.signing import signer_from_config

            spec = self.settings.signing or f"demo:{tempfile.mkdtemp(prefix='onestop-signing-')}"
            self._signer = signer_from_config(spec, list(self.settings.signing_trust_roots))
        return self._signer

    @property
    def identity(self) -> Identity | None:
        """This deployment in the exchange between provinces (docs/exchange.md); None when it takes no part."""
        s = self.settings
        if not (s.exchange_province and s.exchange_key and s.exchange_certificate and s.exchange_peers):
            return None
        return Identity(s.exchange_province, str(s.exchange_key), str(s.exchange_certificate))

    @property
    def peers(self) -> dict[str, Peer]:
        """The other provinces' deployments registered here (ONESTOP_EXCHANGE_PEERS), read once."""
        if self._peers is None:
            path = self.settings.exchange_peers
            self._peers = _read_peers(path) if path and self.identity else {}
        return self._peers

    @property
    def codec(self) -> PackageCodec:
        """Seals and opens this deployment's packages; only used when `identity` is set."""
        if self._codec is None:
            assert self.identity is not None, "the exchange is not configured"
            from engine.adapters.dossier_package import JwsPackageCodec

            self._codec = JwsPackageCodec(self.identity, self.peers)
        return self._codec

    def uow(self) -> SqlUnitOfWork:
        # The request's id goes on the history events the command writes (None outside a request).
        return SqlUnitOfWork(self.session_factory, outbound=self.outbound, request_id=current_request_id())

    @property
    def outbound(self) -> frozenset[Destination]:
        """The destinations configured: a change writes outbox messages for these only."""
        s = self.settings
        return frozenset(d for d, url in ((Destination.DVCQG, s.dvcqg_url), (Destination.EMAIL, s.smtp_url),
                                          (Destination.SMS, s.sms_url),
                                          (Destination.PROVINCE, self.identity and self.peers)) if url)

    def transports(self) -> dict[Destination, Transport]:
        """A transport for each configured destination (the worker's)."""
        # Imported here: the HTTP and SMTP clients are the background worker's, never a web worker's.
        from engine.adapters.dvcqg_client import DvcqgClient
        from engine.adapters.exchange_client import ExchangeClient
        from engine.adapters.mail import SmtpTransport
        from engine.adapters.sms import SmsTransport

        s = self.settings
        made: dict[Destination, Transport] = {}
        if s.dvcqg_url:
            made[Destination.DVCQG] = DvcqgClient(s.dvcqg_url, s.dvcqg_username, s.dvcqg_password)
        if s.smtp_url:
            made[Destination.EMAIL] = SmtpTransport.from_url(s.smtp_url, password=s.smtp_password)
        if s.sms_url:
            made[Destination.SMS] = SmsTransport(s.sms_url, s.sms_token)
        if (identity := self.identity) and self.peers:
            made[Destination.PROVINCE] = ExchangeClient(self.codec, identity, self.peers, self.store, clock=self.clock)
        return made

    def lookup(self) -> SqlUnitOfWork:
        """A unit of work for one read outside a transaction (the token check of every request); it cannot
        commit. Several reads that must agree with each other need `uow()`."""
        return SqlUnitOfWork(self.lookup_session_factory or self.session_factory, read_only=True)

    def stats_uow(self) -> SqlUnitOfWork:
        """A read-only unit of work for the figures, on the replica when one is configured. A replica lags by
        a moment: only reads that need not see the reader's own latest write belong here. One transaction,
        so the reads of one report agree with each other."""
        return SqlUnitOfWork(self.stats_session_factory or self.session_factory, read_only=True)

    def migrate(self) -> None:
        migrate(self.engine)

    def setup(self) -> tuple[int, list[str]]:
        """Migrate, load every unit, publish the shipped procedures; creates no account (idempotent)."""
        self.migrate()
        return self.load_units(), self.publish_procedures()

    def setup_demo(self, province: int) -> tuple[int, list[str], list[str]]:
        """`setup`, then a province's demo accounts; idempotent."""
        count, published = self.setup()
        return count, published, self.create_demo_accounts(province)

    def create_demo_accounts(self, province: int) -> list[str]:
        """A province's demo accounts, all with the demo password (ONESTOP_DEMO_PASSWORD); the new ones' names."""
        return accounts.create_demo_accounts(self.uow(), password=self.settings.demo_password,
                                             province_id=province_id(province))

    def load_units(self) -> int:
        """All 34 provinces, 3,321 communes and their agencies from the official map (idempotent)."""
        return accounts.load_units(self.uow(), all_units())

    def publish_procedures(self) -> list[str]:
        definitions = read_procedures(self.settings.processes_dir, self.settings.forms_dir)
        return procedures.publish_changed(self.uow(), definitions=definitions, clock=self.clock)


def _read_peers(path: Path) -> dict[str, Peer]:
    # Imported here: cryptography and jwcrypto are only for a deployment that takes part in the exchange.
    from engine.adapters.dossier_package import read_peers

    return read_peers(path)


def build(settings: Settings, *, clock: Callable[[], datetime] = utc_now,
          calendar: WorkingCalendar | None = None) -> Wiring:
    engine = make_engine(settings.database_url)
    store = file_store_from_url(settings.file_store_url or f"file://{tempfile.mkdtemp(prefix='onestop-files-')}")
    wired = Wiring(settings, make_session_factory(engine), engine, Catalogue(),
                   calendar or read_calendar(settings.calendar_file), clock, make_lookup_session_factory(engine), store)
    if settings.stats_database_url:  # never migrated: a replica follows its primary's schema
        wired.stats_engine = make_engine(settings.stats_database_url)
        wired.stats_session_factory = make_session_factory(wired.stats_engine)
    return wired


def wiring() -> Wiring:
    return current_app.extensions["onestop"]
