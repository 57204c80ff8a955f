"""SQLAlchemy 2 table definitions (…Record). Schema changes go through Alembic migrations.

Times are stored as UTC; UTCDateTime returns them timezone-aware on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON,
                                                     list[dict[str, Any]]: JSON}


class UnitRecord(Base):
    __tablename__ = "units"
    __table_args__ = (Index("ix_units_agency_code", "agency_code", unique=True),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    province_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("units.id"), index=True)
    division_type: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("units.id"))
    agency_code: Mapped[str | None] = mapped_column(String(32))
    """The electronic identifier (mã định danh, Decision 20/2020/QĐ-TTg) that starts its dossiers' national codes."""


class UserRecord(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    roles: Mapped[list[str]]
    disabled_at: Mapped[datetime | None]
    deputy: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """A leader who is the deputy head of the unit (Actor.deputy)."""


class AccessTokenRecord(Base):
    """A bearer token or browser session, stored only as the SHA-256 of its random value."""

    __tablename__ = "access_tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ProcedureVersionRecord(Base):
    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]]
    bpmn: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]]
    decisions: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]


class ProcedureDraftRecord(Base):
    """An admin's unpublished draft of a procedure (engine/domain/procedure_draft.py), one per code."""

    __tablename__ = "procedure_drafts"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    base_version: Mapped[int | None]
    revision: Mapped[int]
    manifest: Mapped[dict[str, Any]]
    bpmn: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]]
    decisions: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class DossierSequenceRecord(Base):
    """Per-unit daily counter behind dossier codes; incremented with an upsert under a row lock."""

    __tablename__ = "dossier_sequences"
    unit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int]


class DossierRecord(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("receiving_unit_id", "idempotency_key"),
        UniqueConstraint("submission_reference", name="uq_dossiers_submission_reference"),
        Index("ix_dossiers_unit_received", "receiving_unit_id", "received_at"),
        Index("ix_dossiers_competent_received", "competent_unit_id", "received_at"),
        # Officer search (engine/domain/search.py): a trigram index answers a name part anywhere in the name.
        Index("ix_dossiers_applicant_folded", "applicant_folded", postgresql_using="gin",
              postgresql_ops={"applicant_folded": "gin_trgm_ops"}),
        Index("ix_dossiers_applicant_id_number", "applicant_id_number"),
        Index("ix_dossiers_applicant_phone", "applicant_phone"),
        Index("ix_dossiers_received", "received_at", "id"),  # a list's page, newest first
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    secret: Mapped[str] = mapped_column(String(16))
    procedure_code: Mapped[str] = mapped_column(String(32))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    receiving_unit_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    competent_unit_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    return_unit_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_folded: Mapped[str] = mapped_column(String(100), server_default="")
    """The applicant's name, its applicant ID number and phone as searched (engine/domain/search.py)."""
    applicant_id_number: Mapped[str | None] = mapped_column(String(20))
    applicant_phone: Mapped[str | None] = mapped_column(String(16))
    application: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    received_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    result_ready_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the request that came with the Idempotency-Key: a retry must send the same request."""
    workflow_state: Mapped[dict[str, Any]]
    routes: Mapped[dict[str, Any]]
    paused_at: Mapped[datetime | None]
    fee_vnd: Mapped[int]
    deadline_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    notices: Mapped[list[dict[str, Any]]]
    return_method: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[datetime]
    """When it was handed in (NgayNopHoSo); `received_at` is when it was accepted (NgayTiepNhan)."""
    submission_reference: Mapped[str | None] = mapped_column(String(64))
    """The submission it was accepted from, if it came through the intake queue."""
    version: Mapped[int]
    history_count: Mapped[int]
    """The head of the history hash chain (engine/domain/history_chain.py): how many events and the hash of
    the last, written with the events, so that deleting the newest events is seen too."""
    history_head: Mapped[bytes] = mapped_column(LargeBinary(32))
    components: Mapped[list[dict[str, Any]]]
    result_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", use_alter=True,
                                                                  name="fk_dossiers_result_file"))
    """What was actually brought, per component (engine/domain/submission.py Component)."""
    contact: Mapped[dict[str, Any] | None]
    """Where and whether the citizen wants notices (engine/domain/contact.py). Personal data."""
    exchange: Mapped[dict[str, Any] | None]
    """Its part in an exchange with another province's deployment (engine/domain/exchange.py), if any."""


class ExchangeReceiptRecord(Base):
    """A package applied from a peer deployment, with the acknowledgement a repeat of it gets."""

    __tablename__ = "exchange_receipts"
    __table_args__ = (UniqueConstraint("sender", "package_id", name="uq_exchange_receipts_package"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(16))
    package_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    acknowledgement: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class ExchangeNonceRecord(Base):
    """A nonce a peer's package carried: seen once (a replay is refused) and forgotten after the replay window."""

    __tablename__ = "exchange_nonces"

    sender: Mapped[str] = mapped_column(String(16), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class SubmissionRecord(Base):
    """A dossier handed in and not yet received, or decided (engine/domain/submission.py)."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_queue", "centre_id", "stage", "submitted_at"),
                      Index("ix_submissions_decided", "centre_id", "decided_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    procedure_code: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    application: Mapped[dict[str, Any]]
    applicant_name: Mapped[str] = mapped_column(String(100))
    components: Mapped[list[dict[str, Any]]]
    submitted_at: Mapped[datetime]
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    request_digest: Mapped[str] = mapped_column(String(64))
    return_method: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    notices: Mapped[list[dict[str, Any]]]
    guided_at: Mapped[datetime | None]
    resubmitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dossier_code: Mapped[str | None] = mapped_column(String(48))
    version: Mapped[int]
    contact: Mapped[dict[str, Any] | None]


class FileRecord(Base):
    """A file staged or attached to a dossier or a submission (engine/domain/files.py); its bytes are the
    blob `digest` in the file store."""

    __tablename__ = "files"
    __table_args__ = (Index("ix_files_staged", "uploaded_at", postgresql_where=text("dossier_id IS NULL AND "
                                                                                       "submission_id IS NULL")),
                      Index("ix_files_subject", "subject_id", postgresql_where=text("subject_id IS NOT NULL")))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]
    unit_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    source: Mapped[str] = mapped_column(String(16))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    document: Mapped[int | None]
    task_id: Mapped[str | None] = mapped_column(String(36))
    reused_from: Mapped[int | None] = mapped_column(ForeignKey("files.id"))
    subject_id: Mapped[str | None] = mapped_column(String(32))
    attached_at: Mapped[datetime | None]


class TaskRecord(Base):
    __tablename__ = "tasks"
    # The inbox reads a unit's steps of one status and role in due order: the index gives that order. Whether a
    # unit had a step of a dossier (the scope of a unit's dossier search) is read from an index alone.
    __table_args__ = (Index("ix_tasks_inbox", "unit_id", "status", "role", "due_at", "created_at"),
                      Index("ix_tasks_dossier_unit", "dossier_id", "unit_id"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    dossier_code: Mapped[str] = mapped_column(String(48))
    step: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[str] = mapped_column(String(32), ForeignKey("units.id"))
    form_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What the officer recorded when completing the step (its form), shown to the later steps."""
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", name="fk_tasks_claimed_by"))
    """The officer holding a ready step (claimed by them or assigned by a leader); others may not complete it."""
    claimed_at: Mapped[datetime | None]
    sent_back_reason: Mapped[str | None] = mapped_column(String(1000))
    """On a step re-opened by a send-back: why the later step returned it."""


class SavedFilterRecord(Base):
    """A named filter of one of an officer's lists (`page`: inbox or dossiers), kept as its query string."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "page", "name", name="uq_saved_filters_user_page_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    page: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class SearchAuditRecord(Base):
    """A search of personal data by an officer (engine/domain/search.py SearchAudit): the only place its text
    is kept."""

    __tablename__ = "search_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(200))
    found: Mapped[int]


class HistoryEventRecord(Base):
    """One event of a dossier's hash chain: `seq` numbers it from 1 in the dossier, `hash` covers its
    content, `seq` and `prev_hash` (the hash of event seq - 1)."""

    __tablename__ = "history_events"
    # Unique: two commands appending to one dossier from the same head cannot both commit (no forked chain).
    __table_args__ = (Index("ix_history_events_dossier_seq", "dossier_id", "seq", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    seq: Mapped[int]
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    request_id: Mapped[str | None] = mapped_column(String(64))
    """The X-Request-Id of the command that wrote it (its log lines carry it); how it was delivered, not what
    happened, so outside the hash."""


class JobRecord(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    run_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]


class OutboxRecord(Base):
    """A message to the outside world written with the change that called for it (engine/domain/outbox.py)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_undelivered", "next_attempt_at", "id", postgresql_where=text("status <> 'delivered'"),
              sqlite_where=text("status <> 'delivered'")),
        Index("ix_outbox_stream_undelivered", "stream", "id", postgresql_where=text("status <> 'delivered'"),
              sqlite_where=text("status <> 'delivered'")),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    destination: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    stream: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class RatingRecord(Base):
    """The citizen's rating; the unique dossier_id is what makes a second, concurrent rating fail."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[dict[str, Any]]
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime]


class LookupFailureRecord(Base):
    """Wrong secrets tried on one dossier code in the current window; past the limit the code is locked."""

    __tablename__ = "lookup_failures"
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    failures: Mapped[int]
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class StatSpanRecord(Base):
    """One snapshot of a dossier as the statistics see it, and the time it held (engine/domain/stat_spans.py).

    Written in the same transaction as the history event that starts it; the receipt's facts are copied
    onto every row so the figures for a period are one indexed read without a join.
    """

    __tablename__ = "stat_spans"
    # A period's figures read the span of each dossier that held at its end, among those not finished before
    # it began: the open spans not finished or finished since the start, and the spans closed after the end
    # that began before it (engine/adapters/stat_queries.py; the start is in the index so that spans begun
    # later are passed over inside it). Each is one range of these indexes, on the receiving centre and on
    # the competent unit; together they make a BitmapOr on PostgreSQL.
    __table_args__ = (
        Index("ix_stat_spans_open", "receiving_unit_id", "finished_at",
              postgresql_where=text("until IS NULL"), sqlite_where=text("until IS NULL")),
        Index("ix_stat_spans_closed", "receiving_unit_id", "until", "since",
              postgresql_where=text("until IS NOT NULL"), sqlite_where=text("until IS NOT NULL")),
        Index("ix_stat_spans_competent_open", "competent_unit_id", "finished_at",
              postgresql_where=text("until IS NULL"), sqlite_where=text("until IS NULL")),
        Index("ix_stat_spans_competent_closed", "competent_unit_id", "until", "since",
              postgresql_where=text("until IS NOT NULL"), sqlite_where=text("until IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    since: Mapped[datetime]
    until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(32))
    deadline_at: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    supplement_rounds: Mapped[int]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    electronic_result: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[str | None] = mapped_column(String(16))
    receiving_unit_id: Mapped[str] = mapped_column(String(32))
    competent_unit_id: Mapped[str] = mapped_column(String(32))
    procedure_code: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]
    received_day: Mapped[date] = mapped_column(Date)
    """The local (Asia/Ho_Chi_Minh) day of receipt, for the trend by day."""
    digitisation: Mapped[str] = mapped_column(String(8))
    outside_area: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """Received outside the commune it belongs to (phi địa giới); false for spans stored before issue 21."""


class ProcedureMigrationRecord(Base):
    """Running dossiers moved in bulk from one version of a procedure to another (engine/domain/migration_plan.py)."""

    __tablename__ = "procedure_migrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(32), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    plan: Mapped[dict[str, Any]]
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]


class ProcedureMigrationItemRecord(Base):
    """One dossier of a migration: pending until its job runs, then moved or failed; blocked ones get no job.
    Progress is counted from these rows, so workers never contend for a counter."""

    __tablename__ = "procedure_migration_items"
    __table_args__ = (UniqueConstraint("migration_id", "dossier_id", name="uq_procedure_migration_items_dossier"),
                      Index("ix_procedure_migration_items_status", "migration_id", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    migration_id: Mapped[int] = mapped_column(ForeignKey("procedure_migrations.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    dossier_code: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(16))
    obstacles: Mapped[list[dict[str, Any]]]
    done_at: Mapped[datetime | None]
