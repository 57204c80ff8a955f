"""In-memory fakes of the storage ports (engine/domain/ports.py) for unit tests, as cosmicpython's
FakeRepository and FakeUnitOfWork: the services run against them with no database and no Flask.

They behave as engine/adapters/ does where a service can tell: objects are stored and read back as copies
(JSON columns through the one codec, naive datetimes refused), a stale dossier version is a ConflictError,
events a dossier recorded are stored on add/update and at commit, a job's attempt is a savepoint, and
leaving `with uow:` without commit() restores what the block changed. Printing, statistics, the stored
JSON scan and the history chains are not faked: they raise NotImplementedError.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

from engine.domain.dossier import Dossier
from engine.domain.ports import MonitoringQueries, PrintQueries, StatQueries, StoredJson, UnitOfWork
from engine.domain.procedure import ProcedureVersion
from engine.domain.task import Task
from engine.domain.unit import Unit
from tests.fakes.accounts_jobs import (
    FakeJobRepository,
    FakeLookupFailureRepository,
    FakeRatingRepository,
    FakeTokenRepository,
    FakeUserRepository,
)
from tests.fakes.catalogue_dossiers import (
    FakeDossierRepository,
    FakeHistoryRepository,
    FakeProcedureRepository,
    FakeTaskRepository,
    FakeUnitRepository,
)
from tests.fakes.dossier_search import FakeSearchAuditRepository
from tests.fakes.files import FakeFileRepository
from tests.fakes.saved_filters import FakeSavedFilterRepository
from tests.fakes.store import Database, Tables, as_stored
from tests.fakes.submissions import FakeSubmissionRepository

T = TypeVar("T")


class FakeUnitOfWork:
    """One fake transaction at a time over an in-memory database that outlives it.

    `committed` says whether the current (or last) `with` block committed; `commits` counts every commit.
    Tests read what was stored in `tables`, and take `snapshot()` to check a failed command wrote nothing.
    """

    def __init__(self) -> None:
        self._db = Database()
        self._open: Tables | None = None  # the state to go back to on leaving the block
        self.committed, self.commits = False, 0
        self._dossiers, self._submissions = FakeDossierRepository(self._db), FakeSubmissionRepository(self._db)
        self._units, self._procedures = FakeUnitRepository(self._db), FakeProcedureRepository(self._db)
        self._tasks, self._history = FakeTaskRepository(self._db), FakeHistoryRepository(self._db)
        self._jobs = FakeJobRepository(self._db, self._forget_seen)
        self._users, self._tokens = FakeUserRepository(self._db), FakeTokenRepository(self._db)
        self._ratings, self._lookup_failures = FakeRatingRepository(self._db), FakeLookupFailureRepository(self._db)
        self._files, self._saved_filters = FakeFileRepository(self._db), FakeSavedFilterRepository(self._db)
        self._search_audit = FakeSearchAuditRepository(self._db)

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
        self._db.tables.dossiers[dossier.id] = as_stored(dossier)
        for step in steps:
            step.dossier_id, step.dossier_code = dossier.id, dossier.code
            self._db.tables.tasks[step.id] = as_stored(step)
        return dossier

    def stored(self, code: str) -> Dossier:
        return next(as_stored(d) for d in self._db.tables.dossiers.values() if d.code == code)

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
    def submissions(self) -> FakeSubmissionRepository:
        return self._repository(self._submissions)

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
    def files(self) -> FakeFileRepository:
        return self._repository(self._files)

    @property
    def saved_filters(self) -> FakeSavedFilterRepository:
        return self._repository(self._saved_filters)

    @property
    def search_audit(self) -> FakeSearchAuditRepository:
        return self._repository(self._search_audit)

    @property
    def printing(self) -> PrintQueries:
        raise NotImplementedError("the fake has no print queries: test slips and registers against SQLite")

    @property
    def stats(self) -> StatQueries:
        raise NotImplementedError("the fake has no statistics queries: test them against SQLite")

    @property
    def monitoring(self) -> MonitoringQueries:
        raise NotImplementedError("the fake has no monitoring queries: test /metrics against SQLite")

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


def _conforms(uow: FakeUnitOfWork) -> UnitOfWork:
    """mypy proves here that the fake satisfies the port (and so every service accepts it)."""
    return uow
