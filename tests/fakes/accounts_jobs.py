"""Fake repositories of jobs, users, tokens, ratings and look-up failures."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from engine.domain.actor import Account, Actor
from engine.domain.errors import ConflictError
from engine.domain.job import MAX_ATTEMPTS, Job, JobKind, JobStatus
from engine.domain.lookup_lock import LOCK, MAX_FAILURES, WINDOW, LookupFailures
from engine.domain.rating import Rating
from tests.fakes.store import MAX_ERROR_CHARS, Database, Token, User, as_stored


class FakeJobRepository:
    def __init__(self, db: Database, forget: Callable[[], None]):
        self._db, self._forget = db, forget

    def add(self, job: Job) -> None:
        job.id = self._db.next_id("jobs")
        self._db.tables.jobs[job.id] = as_stored(job)

    def claim_due(self, now: datetime, limit: int = 1) -> list[Job]:
        due = sorted((j for j in self._db.tables.jobs.values() if j.status == JobStatus.PENDING and j.run_at <= now),
                     key=lambda j: (j.run_at, j.id or 0))
        return [as_stored(j) for j in due[:limit]]

    def pending(self, dossier_id: int, kind: JobKind) -> list[Job]:
        found = [j for j in self._db.tables.jobs.values()
                 if (j.dossier_id, j.kind, j.status) == (dossier_id, kind, JobStatus.PENDING)]
        return [as_stored(j) for j in sorted(found, key=lambda j: j.run_at)]

    def get(self, job_id: int) -> Job | None:
        job = self._db.tables.jobs.get(job_id)
        return as_stored(job) if job else None

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
        return as_stored(job)

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
    def __init__(self, db: Database):
        self._db = db

    def _named(self, username: str) -> User | None:
        return next((u for u in self._db.tables.users.values() if u.username == username), None)

    def credentials(self, username: str) -> tuple[Actor, str] | None:
        user = self._named(username)
        return (actor_of(user), user.password_hash) if user and user.disabled_at is None else None

    def add(self, *, username: str, password_hash: str, display_name: str, unit_id: str,
            roles: Sequence[str], deputy: bool = False) -> None:
        if self._named(username):
            raise ConflictError(f"account {username} exists already")
        user_id = self._db.next_id("users")
        self._db.tables.users[user_id] = User(user_id, username, password_hash, display_name, unit_id, list(roles),
                                              deputy=deputy)

    def exists(self, username: str) -> bool:
        return self._named(username) is not None

    def account(self, username: str) -> Account | None:
        user = self._named(username)
        return account_of(user) if user else None

    def accounts(self, unit_ids: Sequence[str] | None = None) -> list[Account]:
        users = sorted(self._db.tables.users.values(), key=lambda u: u.username)
        return [account_of(u) for u in users if unit_ids is None or u.unit_id in unit_ids]

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
    def __init__(self, db: Database):
        self._db = db

    def add(self, *, digest: str, user_id: int, kind: str, issued_at: datetime, expires_at: datetime) -> None:
        self._db.tables.tokens[digest] = Token(user_id, kind, issued_at, expires_at)

    def actor(self, digest: str, now: datetime) -> Actor | None:
        token = self._db.tables.tokens.get(digest)
        user = self._db.tables.users.get(token.user_id) if token else None
        live = token is not None and token.revoked_at is None and token.expires_at > now
        return actor_of(user) if live and user is not None and user.disabled_at is None else None

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
    def __init__(self, db: Database):
        self._db = db

    def add(self, rating: Rating) -> None:
        if rating.dossier_id in self._db.tables.ratings:
            raise ConflictError("this dossier has been rated already")
        rating.id = self._db.next_id("ratings")
        self._db.tables.ratings[rating.dossier_id or 0] = copy.deepcopy(rating)

    def get_for_dossier(self, dossier_id: int) -> Rating | None:
        return copy.deepcopy(self._db.tables.ratings.get(dossier_id))


class FakeLookupFailureRepository:
    def __init__(self, db: Database):
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


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.unit_id, frozenset(user.roles), user.deputy)


def account_of(user: User) -> Account:
    return Account(user.username, user.display_name, user.unit_id, tuple(user.roles), user.disabled_at is not None,
                   user.deputy, user.id)
