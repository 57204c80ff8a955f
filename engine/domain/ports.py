"""The ports the services need from storage: the unit of work and its repositories, as protocols.

engine/adapters/uow.py implements them with SQLAlchemy, tests/fakes.py in memory; services are typed
against these, so mypy checks every repository call. Nothing here may import an adapter or a library.
A unit of work is entered once (`with uow:`), writes nothing unless `commit()` is called, and rolls
back on leaving the block.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol, Self

from engine.domain.actor import Account, Actor
from engine.domain.dossier import Dossier, HistoryEvent
from engine.domain.exchange import Acknowledgement, Package
from engine.domain.figures import Figures, Scope
from engine.domain.files import StoredFile
from engine.domain.history_chain import Head, Link
from engine.domain.inbox import InboxItem, InboxQuery, UrgentSteps
from engine.domain.job import Job, JobKind
from engine.domain.lookup_lock import LookupFailures
from engine.domain.migration_plan import Migration, MigrationItem
from engine.domain.monitoring import Workload
from engine.domain.outbox import Destination, MessageStatus, OutboundMessage, OutboxSummary
from engine.domain.procedure import ProcedureVersion
from engine.domain.procedure_draft import ProcedureDraft
from engine.domain.rating import Rating
from engine.domain.saved_filter import SavedFilter
from engine.domain.search import OpenDeadline, SearchAudit, SearchCriteria
from engine.domain.submission import IntakeStage, Submission
from engine.domain.task import Task
from engine.domain.unit import Unit


class UnitRepository(Protocol):
    def get(self, unit_id: str) -> Unit | None: ...

    def list(self, *, province_id: str | None = None, kind: str | None = None,
             agency: str | None = None) -> list[Unit]: ...

    def upsert(self, units: Iterable[Unit], *, batch: int = 1000) -> int: ...

    def agency_codes(self) -> dict[str, str | None]: ...

    def set_agency_codes(self, codes: Mapping[str, str]) -> None: ...


class ProcedureRepository(Protocol):
    def get(self, version_id: int) -> ProcedureVersion | None: ...

    def latest_id(self, code: str) -> int | None: ...

    def latest_ids(self) -> list[int]: ...

    def versions(self, code: str | None = None) -> list[tuple[int, str, int, datetime, str]]: ...

    def add(self, procedure: ProcedureVersion, *, published_at: datetime) -> int: ...


class ProcedureDraftRepository(Protocol):
    def get(self, code: str) -> ProcedureDraft | None: ...

    def save(self, draft: ProcedureDraft) -> None:
        """Store the draft over its previous revision; ConflictError when that is not the stored one."""

    def delete(self, code: str, *, revision: int) -> bool: ...

    def codes(self) -> list[str]:
        """The codes that have a draft (a new procedure's code and key must not clash with one)."""


class DossierRepository(Protocol):
    """Loads and stores dossiers. `add` and `update` also store the history events the dossier recorded
    (Dossier.recorded), extending its hash chain; the unit of work stores those of any other dossier it
    loaded at commit."""

    def next_sequence(self, unit_id: str, day: date) -> int: ...

    def add(self, dossier: Dossier) -> None: ...

    def get(self, code: str, *, lock: bool = False) -> Dossier | None: ...

    def get_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None: ...

    def with_task(self, task_id: str, *, lock: bool = False) -> tuple[Dossier, Task] | None: ...

    def by_idempotency_key(self, unit_id: str, key: str) -> Dossier | None: ...

    def update(self, dossier: Dossier) -> None: ...

    def by_ids(self, ids: Sequence[int]) -> list[Dossier]: ...

    def by_codes(self, codes: Iterable[str]) -> list[Dossier]: ...

    def open_deadlines(self, *, unit_id: str, received_at_any: Sequence[str] | None, now: datetime,
                       before: datetime) -> list[OpenDeadline]: ...

    def list(self, *, unit_id: str, limit: int, offset: int, status: str | None = None,
             received_at_any: Sequence[str] | None = None, criteria: SearchCriteria | None = None,
             count_up_to: int | None = None) -> tuple[list[Dossier], int]:
        """The page and the count of the whole result, or of `count_up_to` + 1 of it at most."""


class SubmissionRepository(Protocol):
    def add(self, submission: Submission) -> None: ...

    def get(self, submission_id: int, *, lock: bool = False) -> Submission | None: ...

    def by_reference(self, reference: str) -> Submission | None: ...

    def update(self, submission: Submission) -> None: ...

    def queue(self, *, centre_ids: Sequence[str], stages: Sequence[IntakeStage], limit: int,
              offset: int) -> tuple[list[Submission], int]: ...

    def intake_counts(self, centre_ids: Sequence[str], start: datetime, end: datetime,
                      procedure_code: str | None = None) -> dict[str, dict[str, int]]:
        """Per centre: submitted_online, guided, accepted, refused in [start, end); waiting at `end`."""
        ...


class TaskRepository(Protocol):
    def add(self, task: Task) -> None: ...

    def get(self, task_id: str) -> Task | None: ...

    def update(self, task: Task) -> None: ...

    def cancel(self, task_ids: Collection[str], at: datetime) -> None: ...

    def inbox(self, *, unit_id: str, roles: Iterable[str], query: InboxQuery, urgent: UrgentSteps | None,
              limit: int, offset: int) -> tuple[list[InboxItem], int]: ...

    def ready_due_between(self, *, unit_id: str, roles: Iterable[str], start: datetime,
                          end: datetime) -> list[Task]: ...

    def of_dossier(self, dossier_id: int) -> list[Task]: ...


class HistoryRepository(Protocol):
    def of_dossier(self, dossier_id: int) -> list[HistoryEvent]: ...

    def chains(self, *, after: int, limit: int,
               dossier_code: str | None = None) -> list[tuple[Head, list[Link]]]: ...


class JobRepository(Protocol):
    def add(self, job: Job) -> None: ...

    def claim_due(self, now: datetime, limit: int = 1) -> list[Job]: ...

    def pending(self, dossier_id: int, kind: JobKind) -> list[Job]: ...

    def get(self, job_id: int) -> Job | None: ...

    def mark_done(self, job_id: int, at: datetime) -> None: ...

    def reschedule(self, job_id: int, run_at: datetime) -> None: ...

    def record_failure(self, job_id: int, error: str, retry_at: datetime) -> Job | None: ...

    def attempt(self) -> AbstractContextManager[None]: ...


class UserRepository(Protocol):
    def credentials(self, username: str) -> tuple[Actor, str] | None: ...

    def add(self, *, username: str, password_hash: str, display_name: str, unit_id: str,
            roles: Sequence[str], deputy: bool = False) -> None: ...

    def exists(self, username: str) -> bool: ...

    def account(self, username: str) -> Account | None: ...

    def accounts(self, unit_ids: Sequence[str] | None = None) -> list[Account]: ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_disabled(self, username: str, at: datetime | None) -> int | None: ...


class TokenRepository(Protocol):
    def add(self, *, digest: str, user_id: int, kind: str, issued_at: datetime, expires_at: datetime) -> None: ...

    def actor(self, digest: str, now: datetime) -> Actor | None: ...

    def revoke(self, digest: str, now: datetime) -> bool: ...

    def revoke_all(self, user_id: int, now: datetime) -> int: ...

    def prune(self, user_id: int, now: datetime) -> None: ...


class PrintQueries(Protocol):
    def display_names(self, user_ids: Iterable[int | None]) -> dict[int, str]: ...

    def received_between(self, unit_id: str, start: datetime, end: datetime) -> list[Dossier]: ...

    def first_hand_overs(self, unit_id: str, start: datetime, end: datetime) -> dict[int, datetime]: ...

    def count_received(self, unit_id: str, start: datetime, end: datetime) -> int: ...

    def ordinal(self, dossier: Dossier, book_opened: datetime) -> int: ...


class RatingRepository(Protocol):
    def add(self, rating: Rating) -> None: ...

    def get_for_dossier(self, dossier_id: int) -> Rating | None: ...


class StatQueries(Protocol):
    def figures(self, scope: Scope) -> dict[str, list[tuple[str, Figures]]]: ...

    def dossiers_behind(self, scope: Scope, figure: str, group: tuple[str, str] | None, *, limit: int,
                        offset: int) -> tuple[list[int], int]: ...

    def from_other_provinces(self, scope: Scope) -> list[tuple[str, Figures]]:
        """By competent unit among `scope.units`, the dossiers they handle that a centre outside them received
        (another province's, through the exchange)."""
        ...


class MonitoringQueries(Protocol):
    def workload(self, now: datetime) -> Workload: ...


@dataclass(frozen=True)
class StoredRow:
    """One row's JSON columns as stored text, and what the row belongs to (no personal data)."""

    table: str
    row_id: int | str
    """Its primary key: an integer, or a step's id (tasks)."""
    owner: str
    """The dossier's code, `procedure <code> version <n>`, or `<table> row <id>`."""
    texts: dict[str, str | None]


class StoredJson(Protocol):
    @staticmethod
    def tables() -> list[str]: ...

    def rows(self, table_name: str, *, after: int | str | None, limit: int,
             dossier_code: str | None = None) -> list[StoredRow]:
        """The next `limit` rows by primary key after `after` (None: from the first)."""
        ...


class LookupFailureRepository(Protocol):
    def get(self, code: str) -> LookupFailures | None: ...

    def count_failure(self, code: str, now: datetime) -> None: ...


class FileStore(Protocol):
    """Content-addressed bytes: a blob's name is the SHA-256 (hex) of its content. Implementations:
    engine/adapters/file_store.py (local filesystem, S3-compatible object storage)."""

    def put(self, digest: str, source: Path) -> None:
        """Store the file at `source` as `digest` (the caller has checked the digest). Idempotent; storing a
        blob that exists refreshes its write time, so the orphan collection leaves it alone a while."""
        ...

    def open(self, digest: str) -> BinaryIO:
        """The blob's bytes as a stream (the caller closes it); FileNotFoundError if absent."""
        ...

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str, *, written_before: datetime | None = None) -> bool:
        """Remove the blob (only if it was last written before `written_before`, when given); whether it was
        removed. Nothing happens if it is absent."""
        ...

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """Every blob's digest and when it was last written (aware UTC)."""
        ...


@dataclass(frozen=True)
class SignatureCheck:
    """What verifying a signed PDF found."""

    signed: bool
    intact: bool
    """The signed bytes are unchanged and the signature covers the whole file."""
    trusted: bool
    """The signer's certificate chains to a trusted root."""
    signer: str | None = None
    """The signing certificate's subject (the issuing unit), never a person's data."""
    signed_at: datetime | None = None
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted


class DocumentSigner(Protocol):
    """Signs PDFs (PAdES) with a unit's key and verifies signed PDFs; engine/adapters/signing.py."""

    def sign(self, pdf: bytes, *, unit_id: str, unit_name: str, reason: str) -> bytes: ...

    def verify(self, pdf: bytes) -> SignatureCheck: ...


class PackageCodec(Protocol):
    """Seals and opens dossier packages between deployments (docs/exchange.md); engine/adapters/dossier_package.py.

    Built with this deployment's identity (its province, key and certificate) and the registered peers."""

    def seal(self, manifest: dict[str, Any], files: Mapping[str, bytes], *, now: datetime) -> bytes:
        """The package to send: `manifest` as the caller made it (`package_id`, `kind`, `receiver`, …) with
        `format`, `version`, `sender`, a fresh `nonce` and `sent_at` set here, the `files` (by their path in the
        package, `files/<sha256>`), signed with this deployment's key."""
        ...

    def open(self, raw: bytes, *, client_certificate: bytes | None, now: datetime) -> Package:
        """Verify and open a package that reached this deployment: the sender is a registered peer whose
        certificate signed it (and, when given, is the TLS client certificate, PEM), the receiver is this
        deployment, `sent_at` is within REPLAY_WINDOW of `now`, the manifest is valid against its schema, and
        every file is present with its hash. Raises a DomainError naming what is wrong: AuthenticationError
        (`unknown_sender`, `bad_signature`), ForbiddenError (`wrong_receiver`, `certificate_mismatch`),
        ConflictError (`package_expired`), ValidationFailedError (`package_malformed`, `file_tampered`,
        `file_missing`), FileTooLargeError."""
        ...


class ExchangeReceipts(Protocol):
    """What this deployment received from its peers: each package applied once, each nonce seen once."""

    def seen_nonce(self, sender: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; True when it was recorded before (a replay). Written in the caller's transaction."""
        ...

    def applied(self, sender: str, package_id: str) -> tuple[str, Acknowledgement] | None:
        """The digest and acknowledgement of the package applied before with this id, if any."""
        ...

    def record(self, sender: str, package: Package, acknowledgement: Acknowledgement, dossier_id: int | None,
               now: datetime) -> None: ...

    def forget_nonces(self, before: datetime) -> int:
        """Drop nonces recorded before `before` (older than the replay window: a replay of them is expired)."""
        ...


class FileRepository(Protocol):
    def add(self, stored: StoredFile) -> None:
        """Insert the row and set its id."""
        ...

    def get(self, file_id: int, *, lock: bool = False) -> StoredFile | None: ...

    def update(self, stored: StoredFile) -> None: ...

    def of_dossier(self, dossier_id: int) -> list[StoredFile]: ...

    def of_submission(self, submission_id: int) -> list[StoredFile]: ...

    def results_of_subject(self, subject_id: str) -> list[StoredFile]:
        """Issued results held by one person (their personal ID), newest first."""
        ...

    def referenced(self, digests: Collection[str]) -> set[str]:
        """Which of `digests` some row still references."""
        ...

    def delete_staged(self, before: datetime, limit: int) -> int:
        """Remove staged rows uploaded before `before`; how many."""
        ...

    def bytes_of_dossier(self, dossier_id: int) -> int: ...


class SavedFilterRepository(Protocol):
    def of_user(self, user_id: int, page: str | None = None) -> list[SavedFilter]:
        """An officer's saved filters (of one list, or all), by list and name."""
        ...

    def get(self, filter_id: int) -> SavedFilter | None: ...

    def add(self, saved: SavedFilter) -> None:
        """Insert the row and set its id."""
        ...

    def update(self, saved: SavedFilter) -> None: ...

    def delete(self, filter_id: int) -> None: ...


class SearchAuditRepository(Protocol):
    def add(self, entry: SearchAudit) -> None: ...

    def page(self, *, unit_ids: Collection[str], limit: int, offset: int) -> tuple[list[SearchAudit], int]:
        """The searches made by officers of `unit_ids`, newest first, with their count."""
        ...


class OutboxRepository(Protocol):
    """The outbox (engine/domain/outbox.py): messages written with their change, delivered by the worker."""

    def add(self, messages: Sequence[OutboundMessage]) -> None: ...

    def lease_next(self, now: datetime, destinations: Collection[Destination],
                   lease: timedelta) -> OutboundMessage | None:
        """Take the oldest due message heading its stream at one of `destinations`, for `lease`."""
        ...

    def mark_delivered(self, message_id: int, at: datetime) -> None: ...

    def record_failure(self, message_id: int, error: str, now: datetime, *, permanent: bool) -> OutboundMessage: ...

    def retry(self, message_id: int, now: datetime) -> OutboundMessage | None: ...

    def get(self, message_id: int) -> OutboundMessage | None: ...

    def listed(self, *, status: MessageStatus | None, destination: Destination | None, limit: int,
               offset: int) -> tuple[list[OutboundMessage], int]: ...

    def of_dossier(self, dossier_id: int) -> list[OutboundMessage]: ...

    def summary(self) -> list[OutboxSummary]: ...


class MigrationRepository(Protocol):
    """Procedure migrations (engine/domain/migration_plan.py) and their items, one per dossier."""

    def add(self, migration: Migration, items: Sequence[MigrationItem]) -> None: ...

    def get(self, migration_id: int) -> Migration | None: ...

    def item(self, migration_id: int, dossier_id: int) -> MigrationItem | None:
        """A dossier's item, locked until the transaction ends."""
        ...

    def finish(self, item: MigrationItem, at: datetime) -> None: ...

    def not_moved(self, migration_id: int, *, limit: int, offset: int) -> list[MigrationItem]: ...

    def running_on(self, version_id: int) -> list[int]: ...

    def repoint_step(self, task: Task) -> None:
        """Write a waiting step's row as it is on the new version (step, lane, role, unit, form, due, holder)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: repositories are read through properties (read-only, so any implementation's
    own repository types satisfy them)."""

    @property
    def units(self) -> UnitRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def procedures(self) -> ProcedureRepository: ...

    @property
    def drafts(self) -> ProcedureDraftRepository: ...

    @property
    def migrations(self) -> MigrationRepository: ...

    @property
    def exchange_receipts(self) -> ExchangeReceipts: ...

    @property
    def dossiers(self) -> DossierRepository: ...

    @property
    def submissions(self) -> SubmissionRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def history(self) -> HistoryRepository: ...

    @property
    def jobs(self) -> JobRepository: ...

    @property
    def printing(self) -> PrintQueries: ...

    @property
    def ratings(self) -> RatingRepository: ...

    @property
    def stats(self) -> StatQueries: ...

    @property
    def stored_json(self) -> StoredJson: ...

    @property
    def lookup_failures(self) -> LookupFailureRepository: ...

    @property
    def files(self) -> FileRepository: ...

    @property
    def saved_filters(self) -> SavedFilterRepository: ...

    @property
    def search_audit(self) -> SearchAuditRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def monitoring(self) -> MonitoringQueries: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def flush(self) -> None: ...
