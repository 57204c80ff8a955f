"""The unit of work: one database transaction per command. Nothing is written unless commit() is
called; leaving the `with` block without it rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from engine.adapters.accounts import TokenRepository, UserRepository
from engine.adapters.dossier_search import SearchAuditRepository
from engine.adapters.dossiers import DossierRepository
from engine.adapters.exchange_receipts import ExchangeReceiptRepository
from engine.adapters.files import FileRepository
from engine.adapters.history import HistoryRepository
from engine.adapters.jobs import JobRepository
from engine.adapters.lookup_failures import LookupFailureRepository
from engine.adapters.metrics_queries import MonitoringQueries
from engine.adapters.migration_records import MigrationRepository
from engine.adapters.outbound_facts import SqlOutboundFacts
from engine.adapters.outbox import OutboxRepository
from engine.adapters.pending_rows import PendingRows
from engine.adapters.print_queries import PrintQueries
from engine.adapters.procedure_drafts import ProcedureDraftRepository
from engine.adapters.procedures import ProcedureRepository
from engine.adapters.ratings import RatingRepository
from engine.adapters.saved_filters import SavedFilterRepository
from engine.adapters.stat_queries import StatQueries
from engine.adapters.stored_json import StoredJson
from engine.adapters.submissions import SubmissionRepository
from engine.adapters.tasks import TaskRepository
from engine.adapters.units import UnitRepository
from engine.domain.errors import ConflictError, DomainError, UnavailableError
from engine.domain.outbound import messages_for, submission_messages_for
from engine.domain.outbox import Destination


class SqlUnitOfWork:
    units: UnitRepository
    users: UserRepository
    tokens: TokenRepository
    procedures: ProcedureRepository
    drafts: ProcedureDraftRepository
    migrations: MigrationRepository
    dossiers: DossierRepository
    submissions: SubmissionRepository
    tasks: TaskRepository
    history: HistoryRepository
    jobs: JobRepository
    printing: PrintQueries
    ratings: RatingRepository
    stats: StatQueries
    stored_json: StoredJson
    lookup_failures: LookupFailureRepository
    files: FileRepository
    search_audit: SearchAuditRepository
    saved_filters: SavedFilterRepository
    outbox: OutboxRepository
    monitoring: MonitoringQueries
    exchange_receipts: ExchangeReceiptRepository

    def __init__(self, session_factory: sessionmaker[Session], *, read_only: bool = False,
                 outbound: frozenset[Destination] = frozenset(), request_id: str | None = None):
        """`outbound`: the destinations configured (engine/domain/outbox.py); a change calls for messages to
        those only. `request_id`: the request the command serves, written on its history events."""
        self._session_factory = session_factory
        self._session: Session | None = None
        self._read_only = read_only
        self._outbound = outbound
        self._request_id = request_id

    def __enter__(self) -> SqlUnitOfWork:
        self._session = self._session_factory()
        return self

    def __getattr__(self, name: str) -> Any:
        """A repository, made on first use in this transaction: a request uses three or four of the twenty-odd,
        and making them all cost more than its token check."""
        factory, session = _REPOSITORIES.get(name), self.__dict__.get("_session")
        if factory is None or session is None:
            raise AttributeError(name)
        repository = factory(self, session)
        setattr(self, name, repository)
        return repository

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
            self._session.close()
        finally:
            self._session = None
            for name in _REPOSITORIES.keys() & self.__dict__.keys():  # the next transaction makes its own
                del self.__dict__[name]
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # Pooled connections are not pinged before use (a round trip per command): one found dead fails
            # its command, which wrote nothing, and the pool drops the connections opened before it.
            raise UnavailableError("the connection to the database was lost; send the request again") from exc
        if isinstance(exc, OperationalError) and exc.statement is None:
            # No statement: the database could not be reached at all (refused, down, a replica restarting).
            raise UnavailableError("the database does not answer; send the request again") from exc
        if isinstance(exc, StatementError) and isinstance(exc.orig, DomainError):
            # Raised while a value was bound (the JSON codec refusing what it cannot write): the command's
            # own error, which SQLAlchemy wrapped.
            raise exc.orig from exc

    def commit(self) -> None:
        assert self._session is not None
        if self._read_only:
            raise RuntimeError("a look-up unit of work runs outside a transaction and must not write")
        self.dossiers.store_recorded()
        self._write_outbound(self._session)
        try:
            self._session.commit()
        except IntegrityError as error:
            raise ConflictError("another request changed the same data at the same time; try again",
                                code="changed_meanwhile") from error

    def _write_outbound(self, session: Session) -> None:
        """The transactional outbox: the messages each changed dossier calls for, in the command's transaction."""
        changes, decided = self.dossiers.take_changes(), self.submissions.take_decided()
        if not self._outbound or not (changes or decided):
            return
        facts = SqlOutboundFacts(session)
        for change in changes:
            self.outbox.add(messages_for(change, facts, self._outbound, change.recorded[-1].event.at))
        for submission in decided:
            assert submission.decided_at is not None
            self.outbox.add(submission_messages_for(submission, facts, self._outbound, submission.decided_at))

    def flush(self) -> None:
        """Write pending rows now, turning a clash with a concurrent command into a ConflictError."""
        assert self._session is not None
        try:
            PendingRows.of(self._session).send()
            self._session.flush()
        except (IntegrityError, OperationalError) as error:
            raise ConflictError("another request changed the same data at the same time; try again",
                                code="changed_meanwhile") from error


_REPOSITORIES: dict[str, Callable[[SqlUnitOfWork, Session], Any]] = {
    "units": lambda _u, s: UnitRepository(s),
    "users": lambda _u, s: UserRepository(s),
    "tokens": lambda _u, s: TokenRepository(s),
    "procedures": lambda _u, s: ProcedureRepository(s),
    "drafts": lambda _u, s: ProcedureDraftRepository(s),
    "migrations": lambda _u, s: MigrationRepository(s),
    "history": lambda u, s: HistoryRepository(s, request_id=u._request_id),
    "dossiers": lambda u, s: DossierRepository(s, u.history),
    "submissions": lambda _u, s: SubmissionRepository(s),
    "tasks": lambda _u, s: TaskRepository(s),
    "jobs": lambda _u, s: JobRepository(s),
    "printing": lambda _u, s: PrintQueries(s),
    "ratings": lambda _u, s: RatingRepository(s),
    "stats": lambda _u, s: StatQueries(s),
    "stored_json": lambda _u, s: StoredJson(s),
    "lookup_failures": lambda _u, s: LookupFailureRepository(s),
    "files": lambda _u, s: FileRepository(s),
    "search_audit": lambda _u, s: SearchAuditRepository(s),
    "saved_filters": lambda _u, s: SavedFilterRepository(s),
    "outbox": lambda _u, s: OutboxRepository(s),
    "monitoring": lambda _u, s: MonitoringQueries(s),
    "exchange_receipts": lambda _u, s: ExchangeReceiptRepository(s),
}
