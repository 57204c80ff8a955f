"""In-memory fakes of the storage ports (engine/domain/ports.py) for unit tests, as cosmicpython's
FakeRepository and FakeUnitOfWork: the services run against them with no database and no Flask.

They behave as engine/adapters/ does where a service can tell: objects are stored and read back as copies
(JSON columns through the one codec, naive datetimes refused), a stale dossier version is a ConflictError,
events a dossier recorded are stored on add/update and at commit, a job's attempt is a savepoint, and
leaving `with uow:` without commit() restores what the block changed. Printing, statistics, the stored
JSON scan and the history chains are not faked: they raise NotImplementedError.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Self, TypeVar

from engine.domain import json_codec
from engine.domain.actor import Account, Actor
from engine.domain.dossier import Dossier, HistoryEvent
from engine.domain.errors import ConflictError
from engine.domain.history_chain import Head, Link
from engine.domain.job import MAX_ATTEMPTS, Job, JobKind, JobStatus
from engine.domain.lookup_lock import LOCK, MAX_FAILURES, WINDOW, LookupFailures
from engine.domain.notice import Notice
from engine.domain.ports import PrintQueries, StatQueries, StoredJson, UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.rating import Rating
from engine.domain.task import Task, TaskStatus
from engine.domain.unit import Unit

MAX_ERROR_CHARS = 2000  # engine/adapters/jobs.py keeps this much of a failed job's message
T = TypeVar("T")


@dataclass
class User:
    id: int
    username: str
    password_hash: str
    display_name: str
    unit_id: str
    roles: list[str]
    disabled_at: datetime | None = None


@dataclass
class Token:
    user_id: int
    kind: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass
class Tables:
    """What the fake database holds; equal tables hold equal rows (a dossier's `recorded` aside)."""

    units: dict[str, Unit] = field(default_factory=dict)
    procedures: dict[int, tuple[ProcedureVersion, datetime]] = field(default_factory=dict)
    dossiers: dict[int, Dossier] = field(default_factory=dict)
    sequences: dict[tuple[str, date], int] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    history: list[HistoryEvent] = field(default_factory=list)
    jobs: dict[int, Job] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    ratings: dict[int, Rating] = field(default_factory=dict)
    lookup_failures: dict[str, LookupFailures] = field(default_factory=dict)

    def copy(self) -> Tables:
        """A snapshot: units and procedure versions are immutable values and are shared, the rest copied."""
        mutable = {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)
                   if f.name not in ("units", "procedures")}
        return Tables(units=dict(self.units), procedures=dict(self.procedures), **mutable)


class _Database:
    def __init__(self) -> None:
        self.tables = Tables()
        self._ids: dict[str, int] = {}  # like database sequences, never rolled back

    def next_id(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return self._ids[table]


def _stored(value: T) -> T:
    """A copy of a dataclass as its row would give it back: JSON fields through the codec, aware times only."""
    out = copy.deepcopy(value)
    for f in dataclasses.fields(out):  # type: ignore[arg-type]
        item = getattr(out, f.name)
        if isinstance(item, datetime) and item.tzinfo is None:
            raise ValueError(f"naive datetimes are not stored ({type(value).__name__}.{f.name})")
        if isinstance(item, dict) and f.name in ("application", "workflow_state", "routes", "data", "payload"):
            setattr(out, f.name, json_codec.copy(item))
        if f.name == "notices":
            setattr(out, f.name, [Notice.from_json(json_codec.copy(n.to_json())) for n in item])
    return out


class FakeUnitRepository:
    def __init__(self, db: _Database):
        self._db = db

    def get(self, unit_id: str) -> Unit | None:
        return self._db.tables.units.get(unit_id)

    def upsert(self, units: Iterable[Unit], *, batch: int = 1000) -> int:
        rows = list(units)
        self._db.tables.units.update((u.id, u) for u in rows)
        return len(rows)

    def list(self, *, province_id: str | None = None, kind: str | None = None,
             agency: str | None = None) -> list[Unit]:
        return [u for _, u in sorted(self._db.tables.units.items())
                if (agency is None or u.agency == agency) and (kind is None or u.kind == kind)
                and (province_id is None or province_id in (u.province_id, u.id))]


class FakeProcedureRepository:
    def __init__(self, db: _Database):
        self._db = db

    def get(self, version_id: int) -> ProcedureVersion | None:
        found = self._db.tables.procedures.get(version_id)
        return found[0] if found else None

    def latest_id(self, code: str) -> int | None:
        mine = [(p.version, i) for i, (p, _) in self._db.tables.procedures.items() if p.code == code]
        return max(mine)[1] if mine else None

    def latest_ids(self) -> list[int]:
        codes = sorted({p.code for p, _ in self._db.tables.procedures.values()})
        return [i for i in map(self.latest_id, codes) if i is not None]

    def versions(self, code: str | None = None) -> list[tuple[int, str, int, datetime, str]]:
        rows = [(i, p.code, p.version, at, p.checksum) for i, (p, at) in self._db.tables.procedures.items()
                if code in (None, p.code)]
        return sorted(rows, key=lambda r: (r[1], r[2]))

    def add(self, procedure: ProcedureVersion, *, published_at: datetime) -> int:
        if any((p.code, p.version) == (procedure.code, procedure.version)
               for p, _ in self._db.tables.procedures.values()):
            raise ConflictError(f"version {procedure.version} of procedure {procedure.code} was published by "
                                "someone else meanwhile; reload it and try again")
        version_id = self._db.next_id("procedures")
        self._db.tables.procedures[version_id] = (dataclasses.replace(procedure, id=version_id), published_at)
        return version_id


class FakeDossierRepository:
    def __init__(self, db: _Database):
        self._db = db
        self.seen: list[Dossier] = []
        """Dossiers handed out in this unit of work: their recorded events are stored at commit."""

    def next_sequence(self, unit_id: str, day: date) -> int:
        sequences = self._db.tables.sequences
        sequences[unit_id, day] = sequences.get((unit_id, day), 0) + 1
        return sequences[unit_id, day]

    def add(self, dossier: Dossier) -> None:
        clash = [d for d in self._db.tables.dossiers.values() if d.code == dossier.code or (
            dossier.idempotency_key is not None and (d.receiving_unit_id, d.idempotency_key)
            == (dossier.receiving_unit_id, dossier.idempotency_key))]
        if clash:
            raise ConflictError(f"dossier {dossier.code} or its Idempotency-Key exists already")
        dossier.id, dossier.version = self._db.next_id("dossiers"), 1
        self._write(dossier)
        self.seen.append(dossier)

    def get(self, code: str, *, lock: bool = False) -> Dossier | None:
        return self._loaded(next((d for d in self._db.tables.dossiers.values() if d.code == code), None))

    def get_by_id(self, dossier_id: int, *, lock: bool = False) -> Dossier | None:
        return self._loaded(self._db.tables.dossiers.get(dossier_id))

    def with_task(self, task_id: str, *, lock: bool = False) -> tuple[Dossier, Task] | None:
        task = self._db.tables.tasks.get(task_id)
        if task is None or task.dossier_id is None:
            return None
        dossier = self.get_by_id(task.dossier_id)
        assert dossier is not None, "a task belongs to a stored dossier"
        return dossier, _stored(task)

    def by_idempotency_key(self, unit_id: str, key: str) -> Dossier | None:
        return self._loaded(next((d for d in self._db.tables.dossiers.values()
                                  if (d.receiving_unit_id, d.idempotency_key) == (unit_id, key)), None))

    def update(self, dossier: Dossier) -> None:
        assert dossier.id is not None, "a dossier is added before it is updated"
        stored = self._db.tables.dossiers.get(dossier.id)
        if stored is None or stored.version != dossier.version:
            raise ConflictError(f"dossier {dossier.code} was changed by someone else; reload it")
        dossier.version += 1
        self._write(dossier)

    def store_recorded(self) -> None:
        for dossier in self.seen:
            self._store_recorded(dossier)

    def _loaded(self, stored: Dossier | None) -> Dossier | None:
        if stored is None:
            return None
        dossier = _stored(stored)
        self.seen.append(dossier)
        return dossier

    def _write(self, dossier: Dossier) -> None:
        self._store_recorded(dossier)
        self._db.tables.dossiers[dossier.id or 0] = _stored(dossier)

    def _store_recorded(self, dossier: Dossier) -> None:
        assert dossier.id is not None or not dossier.recorded, "a dossier is added before its events are stored"
        for event in dossier.recorded:
            event.dossier_id = dossier.id
            self._db.tables.history.append(dataclasses.replace(_stored(event), id=self._db.next_id("history")))
        dossier.recorded.clear()

    def list(self, *, unit_id: str, status: str | None, limit: int, offset: int,
             received_at_any: Sequence[str] | None = None) -> tuple[list[Dossier], int]:
        stepped = {t.dossier_id for t in self._db.tables.tasks.values() if t.unit_id == unit_id}
        found = [d for d in self._db.tables.dossiers.values()
                 if (d.receiving_unit_id in received_at_any if received_at_any is not None
                     else unit_id in (d.receiving_unit_id, d.competent_unit_id, d.return_unit_id) or d.id in stepped)
                 and (status is None or d.status.value == status)]
        found.sort(key=lambda d: (d.received_at, d.id or 0), reverse=True)
        return [_stored(d) for d in found[offset:offset + limit]], len(found)


class FakeTaskRepository:
    def __init__(self, db: _Database):
        self._db = db

    def add(self, task: Task) -> None:
        if task.id in self._db.tables.tasks:
            raise ConflictError(f"task {task.id} exists already")
        self._db.tables.tasks[task.id] = _stored(task)

    def get(self, task_id: str) -> Task | None:
        task = self._db.tables.tasks.get(task_id)
        return _stored(task) if task else None

    def update(self, task: Task) -> None:
        """Writes what the SQL update writes: the status, completion and due time."""
        stored = self._db.tables.tasks.get(task.id)
        if stored is not None:
            self._db.tables.tasks[task.id] = _stored(dataclasses.replace(
                stored, status=task.status, completed_at=task.completed_at, completed_by=task.completed_by,
                due_at=task.due_at))

    def cancel(self, task_ids: Collection[str], at: datetime) -> None:
        for task_id in task_ids:
            task = self._db.tables.tasks.get(task_id)
            if task is not None and task.status == TaskStatus.READY:
                task.status, task.completed_at = TaskStatus.CANCELLED, at

    def inbox(self, *, unit_id: str, roles: Iterable[str], status: str, limit: int,
              offset: int) -> tuple[list[Task], int]:
        roles = set(roles)
        found = sorted((t for t in self._db.tables.tasks.values()
                        if t.unit_id == unit_id and t.status.value == status and t.role in roles),
                       key=lambda t: (t.due_at, t.created_at))
        return [_stored(t) for t in found[offset:offset + limit]], len(found)

    def of_dossier(self, dossier_id: int) -> list[Task]:
        found = [t for t in self._db.tables.tasks.values() if t.dossier_id == dossier_id]
        return [_stored(t) for t in sorted(found, key=lambda t: t.created_at)]


class FakeHistoryRepository:
    def __init__(self, db: _Database):
        self._db = db

    def of_dossier(self, dossier_id: int) -> list[HistoryEvent]:
        return [_stored(e) for e in self._db.tables.history if e.dossier_id == dossier_id]

    def chains(self, *, after: int, limit: int, dossier_code: str | None = None) -> list[tuple[Head, list[Link]]]:
        raise NotImplementedError("the fake keeps no hash chain: verify chains against SQLite "
                                  "(tests/integration/test_history_chain.py)")


class FakeJobRepository:
    def __init__(self, db: _Database, forget: Callable[[], None]):
        self._db, self._forget = db, forget

    def add(self, job: Job) -> None:
        job.id = self._db.next_id("jobs")
        self._db.tables.jobs[job.id] = _stored(job)

    def claim_due(self, now: datetime, limit: int = 1) -> list[Job]:
        due = sorted((j for j in self._db.tables.jobs.values() if j.status == JobStatus.PENDING and j.run_at <= now),
                     key=lambda j: (j.run_at, j.id or 0))
        return [_stored(j) for j in due[:limit]]

    def pending(self, dossier_id: int, kind: JobKind) -> list[Job]:
        found = [j for j in self._db.tables.jobs.values()
                 if (j.dossier_id, j.kind, j.status) == (dossier_id, kind, JobStatus.PENDING)]
        return [_stored(j) for j in sorted(found, key=lambda j: j.run_at)]

    def get(self, job_id: int) -> Job | None:
        job = self._db.tables.jobs.get(job_id)
        return _stored(job) if job else None

    def mark_done(self, job_id: int, at: datetime) -> None:
        job = self._locked(job_id)
        job.status, job.done_at = JobStatus.DONE, at

    def reschedule(self, job_id: int, run_at: datetime) -> None:
        self._locked(job_id).run_at = run_at

    def record_failure(self, job_id: int, error: str, retry_at: datetime) -> Job | None:
        job = self._locked(job_id)
        if job.status != JobStatus.PENDING:
            return None
        job.attempts += 1
        job.last_error = error[:MAX_ERROR_CHARS]
        if job.attempts >= MAX_ATTEMPTS:
            job.status = JobStatus.FAILED
        else:
            job.run_at = retry_at
        return _stored(job)

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """A savepoint: whatever the block wrote is undone if it raises."""
        saved = self._db.tables.copy()
        try:
            yield
        except BaseException:
            self._db.tables = saved
            self._forget()
            raise

    def _locked(self, job_id: int) -> Job:
        job = self._db.tables.jobs.get(job_id)
        if job is None:
            raise LookupError(f"job {job_id} does not exist")
        return job


class FakeUserRepository:
    def __init__(self, db: _Database):
        self._db = db

    def _named(self, username: str) -> User | None:
        return next((u for u in self._db.tables.users.values() if u.username == username), None)

    def credentials(self, username: str) -> tuple[Actor, str] | None:
        user = self._named(username)
        return (_actor(user), user.password_hash) if user and user.disabled_at is None else None

    def add(self, *, username: str, password_hash: str, display_name: str, unit_id: str,
            roles: Sequence[str]) -> None:
        if self._named(username):
            raise ConflictError(f"account {username} exists already")
        user_id = self._db.next_id("users")
        self._db.tables.users[user_id] = User(user_id, username, password_hash, display_name, unit_id, list(roles))

    def exists(self, username: str) -> bool:
        return self._named(username) is not None

    def account(self, username: str) -> Account | None:
        user = self._named(username)
        return _account(user) if user else None

    def accounts(self, unit_ids: Sequence[str] | None = None) -> list[Account]:
        users = sorted(self._db.tables.users.values(), key=lambda u: u.username)
        return [_account(u) for u in users if unit_ids is None or u.unit_id in unit_ids]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        if user_id in self._db.tables.users:
            self._db.tables.users[user_id].password_hash = password_hash

    def set_disabled(self, username: str, at: datetime | None) -> int | None:
        user = self._named(username)
        if user is None:
            return None
        user.disabled_at = at
        return user.id


class FakeTokenRepository:
    def __init__(self, db: _Database):
        self._db = db

    def add(self, *, digest: str, user_id: int, kind: str, issued_at: datetime, expires_at: datetime) -> None:
        self._db.tables.tokens[digest] = Token(user_id, kind, issued_at, expires_at)

    def actor(self, digest: str, now: datetime) -> Actor | None:
        token = self._db.tables.tokens.get(digest)
        user = self._db.tables.users.get(token.user_id) if token else None
        live = token is not None and token.revoked_at is None and token.expires_at > now
        return _actor(user) if live and user is not None and user.disabled_at is None else None

    def revoke(self, digest: str, now: datetime) -> bool:
        token = self._db.tables.tokens.get(digest)
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = now
        return True

    def revoke_all(self, user_id: int, now: datetime) -> int:
        live = [t for t in self._db.tables.tokens.values() if t.user_id == user_id and t.revoked_at is None]
        for token in live:
            token.revoked_at = now
        return len(live)

    def prune(self, user_id: int, now: datetime) -> None:
        self._db.tables.tokens = {d: t for d, t in self._db.tables.tokens.items() if t.user_id != user_id
                                  or (t.expires_at > now and t.revoked_at is None)}


class FakeRatingRepository:
    def __init__(self, db: _Database):
        self._db = db

    def add(self, rating: Rating) -> None:
        if rating.dossier_id in self._db.tables.ratings:
            raise ConflictError("this dossier has been rated already")
        rating.id = self._db.next_id("ratings")
        self._db.tables.ratings[rating.dossier_id or 0] = copy.deepcopy(rating)

    def get_for_dossier(self, dossier_id: int) -> Rating | None:
        return copy.deepcopy(self._db.tables.ratings.get(dossier_id))


class FakeLookupFailureRepository:
    def __init__(self, db: _Database):
        self._db = db

    def get(self, code: str) -> LookupFailures | None:
        return self._db.tables.lookup_failures.get(code)

    def count_failure(self, code: str, now: datetime) -> None:
        """As the SQL upsert: a new window once the last is over, locked for LOCK at MAX_FAILURES."""
        known = self._db.tables.lookup_failures.get(code)
        if known is None or known.window_started_at <= now - WINDOW:
            failures, started, locked = 1, now, known.locked_until if known else None
        else:
            failures, started, locked = known.failures + 1, known.window_started_at, known.locked_until
        self._db.tables.lookup_failures[code] = LookupFailures(
            failures, started, now + LOCK if failures >= MAX_FAILURES else locked)


class FakeUnitOfWork:
    """One fake transaction at a time over an in-memory database that outlives it.

    `committed` says whether the current (or last) `with` block committed; `commits` counts every commit.
    Tests read what was stored in `tables`, and take `snapshot()` to check a failed command wrote nothing.
    """

    def __init__(self) -> None:
        self._db = _Database()
        self._open: Tables | None = None  # the state to go back to on leaving the block
        self.committed, self.commits = False, 0
        self._dossiers = FakeDossierRepository(self._db)
        self._units, self._procedures = FakeUnitRepository(self._db), FakeProcedureRepository(self._db)
        self._tasks, self._history = FakeTaskRepository(self._db), FakeHistoryRepository(self._db)
        self._jobs = FakeJobRepository(self._db, self._forget_seen)
        self._users, self._tokens = FakeUserRepository(self._db), FakeTokenRepository(self._db)
        self._ratings, self._lookup_failures = FakeRatingRepository(self._db), FakeLookupFailureRepository(self._db)

    # -- what tests use to set up and inspect (outside `with`) ---------------------------------------

    @property
    def tables(self) -> Tables:
        return self._db.tables

    def snapshot(self) -> Tables:
        return self._db.tables.copy()

    def seed(self, *, units: Iterable[Unit] = (), procedures: Iterable[ProcedureVersion] = (),
             published_at: datetime | None = None) -> None:
        """Units, and published procedure versions under their own ids (so a shared Catalogue stays right)."""
        self._db.tables.units.update((u.id, u) for u in units)
        for procedure in procedures:
            assert procedure.id is not None and published_at is not None, "a published version has an id and a time"
            self._db.tables.procedures[procedure.id] = (procedure, published_at)

    def seed_dossier(self, dossier: Dossier, steps: Iterable[Task] = ()) -> Dossier:
        """Store a dossier (its recorded events dropped) and its steps as if committed earlier; sets its id."""
        dossier.id, dossier.version = dossier.id or self._db.next_id("dossiers"), 1
        dossier.recorded.clear()
        self._db.tables.dossiers[dossier.id] = _stored(dossier)
        for step in steps:
            step.dossier_id, step.dossier_code = dossier.id, dossier.code
            self._db.tables.tasks[step.id] = _stored(step)
        return dossier

    def stored(self, code: str) -> Dossier:
        return next(_stored(d) for d in self._db.tables.dossiers.values() if d.code == code)

    # -- the UnitOfWork port ------------------------------------------------------------------------

    def _repository(self, repository: T) -> T:
        if self._open is None:
            raise RuntimeError("a repository is used outside `with uow:`")
        return repository

    @property
    def units(self) -> FakeUnitRepository:
        return self._repository(self._units)

    @property
    def users(self) -> FakeUserRepository:
        return self._repository(self._users)

    @property
    def tokens(self) -> FakeTokenRepository:
        return self._repository(self._tokens)

    @property
    def procedures(self) -> FakeProcedureRepository:
        return self._repository(self._procedures)

    @property
    def dossiers(self) -> FakeDossierRepository:
        return self._repository(self._dossiers)

    @property
    def tasks(self) -> FakeTaskRepository:
        return self._repository(self._tasks)

    @property
    def history(self) -> FakeHistoryRepository:
        return self._repository(self._history)

    @property
    def jobs(self) -> FakeJobRepository:
        return self._repository(self._jobs)

    @property
    def ratings(self) -> FakeRatingRepository:
        return self._repository(self._ratings)

    @property
    def lookup_failures(self) -> FakeLookupFailureRepository:
        return self._repository(self._lookup_failures)

    @property
    def printing(self) -> PrintQueries:
        raise NotImplementedError("the fake has no print queries: test slips and registers against SQLite")

    @property
    def stats(self) -> StatQueries:
        raise NotImplementedError("the fake has no statistics queries: test them against SQLite")

    @property
    def stored_json(self) -> StoredJson:
        raise NotImplementedError("the fake stores no JSON text to scan: test the integrity check against SQLite")

    def __enter__(self) -> Self:
        assert self._open is None, "a unit of work is entered once at a time"
        self._open, self.committed = self._db.tables.copy(), False
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._open is not None
        self._db.tables, self._open = self._open, None  # a rollback: back to the last commit
        self._forget_seen()

    def commit(self) -> None:
        assert self._open is not None, "commit() inside `with uow:`"
        self._dossiers.store_recorded()
        self._open = self._db.tables.copy()
        self.committed, self.commits = True, self.commits + 1

    def flush(self) -> None:
        """Everything is written at once here: nothing to flush."""

    def _forget_seen(self) -> None:
        for dossier in self._dossiers.seen:
            dossier.recorded.clear()
        self._dossiers.seen.clear()


def _actor(user: User) -> Actor:
    return Actor(user.id, user.username, user.unit_id, frozenset(user.roles))


def _account(user: User) -> Account:
    return Account(user.username, user.display_name, user.unit_id, tuple(user.roles), user.disabled_at is not None)


def _conforms(uow: FakeUnitOfWork) -> UnitOfWork:
    """mypy proves here that the fake satisfies the port (and so every service accepts it)."""
    return uow
