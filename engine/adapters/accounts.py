"""Officers' accounts and their access tokens (bearer tokens and browser sessions).

A token is stored only as the SHA-256 of its random value, so a copy of the database signs no one in.
A token works while it is unexpired, unrevoked and its account is enabled: one indexed join per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from engine.adapters.records import AccessTokenRecord, UserRecord, UTCDateTime
from engine.domain.actor import Account, Actor


class UserRepository:
    def __init__(self, session: Session):
        self._s = session

    def credentials(self, username: str) -> tuple[Actor, str] | None:
        """The enabled account of that name and its password hash."""
        record = self._s.scalar(select(UserRecord).where(UserRecord.username == username,
                                                         UserRecord.disabled_at.is_(None)))
        return (_actor(record), record.password_hash) if record else None

    def add(self, *, username: str, password_hash: str, display_name: str, unit_id: str,
            roles: Sequence[str], deputy: bool = False) -> None:
        self._s.add(UserRecord(username=username, password_hash=password_hash, display_name=display_name,
                               unit_id=unit_id, roles=list(roles), deputy=deputy))

    def exists(self, username: str) -> bool:
        return (self._s.scalar(select(func.count()).where(UserRecord.username == username)) or 0) > 0

    def account(self, username: str) -> Account | None:
        record = self._s.scalar(select(UserRecord).where(UserRecord.username == username))
        return _account(record) if record else None

    def accounts(self, unit_ids: Sequence[str] | None = None) -> list[Account]:
        query = select(UserRecord).order_by(UserRecord.username)
        if unit_ids is not None:
            query = query.where(UserRecord.unit_id.in_(unit_ids))
        return [_account(r) for r in self._s.scalars(query)]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._s.execute(update(UserRecord).where(UserRecord.id == user_id).values(password_hash=password_hash))

    def set_disabled(self, username: str, at: datetime | None) -> int | None:
        """Disable (a time) or enable (None) the account; its id, or None when there is no such account."""
        user_id: int | None = self._s.scalar(update(UserRecord).where(UserRecord.username == username)
                                             .values(disabled_at=at).returning(UserRecord.id))
        return user_id


class TokenRepository:
    def __init__(self, session: Session):
        self._s = session

    def add(self, *, digest: str, user_id: int, kind: str, issued_at: datetime, expires_at: datetime) -> None:
        self._s.add(AccessTokenRecord(digest=digest, user_id=user_id, kind=kind, issued_at=issued_at,
                                      expires_at=expires_at))

    def actor(self, digest: str, now: datetime) -> Actor | None:
        """The officer behind a live token of an enabled account."""
        # On the session's connection: a statement of columns needs none of the ORM's execution.
        row = self._s.connection().execute(_LIVE_TOKEN, {"digest": digest, "now": now}).first()
        return _actor(row) if row else None

    def revoke(self, digest: str, now: datetime) -> bool:
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            update(AccessTokenRecord).where(AccessTokenRecord.digest == digest,
                                            AccessTokenRecord.revoked_at.is_(None)).values(revoked_at=now))
        return result.rowcount == 1

    def revoke_all(self, user_id: int, now: datetime) -> int:
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            update(AccessTokenRecord).where(AccessTokenRecord.user_id == user_id,
                                            AccessTokenRecord.revoked_at.is_(None)).values(revoked_at=now))
        return result.rowcount

    def prune(self, user_id: int, now: datetime) -> None:
        """Forget the officer's expired and revoked tokens; they can never be used again."""
        self._s.execute(delete(AccessTokenRecord).where(
            AccessTokenRecord.user_id == user_id,
            or_(AccessTokenRecord.expires_at <= now, AccessTokenRecord.revoked_at.is_not(None))))


# Every request asks it: built once, a statement of columns (no ORM objects to make).
_LIVE_TOKEN = (select(UserRecord.id, UserRecord.username, UserRecord.unit_id, UserRecord.roles, UserRecord.deputy)
               .join(AccessTokenRecord, AccessTokenRecord.user_id == UserRecord.id)
               .where(AccessTokenRecord.digest == bindparam("digest"), AccessTokenRecord.revoked_at.is_(None),
                      AccessTokenRecord.expires_at > bindparam("now", type_=UTCDateTime()),
                      UserRecord.disabled_at.is_(None)))


def _actor(r: Any) -> Actor:
    return Actor(r.id, r.username, r.unit_id, frozenset(r.roles), r.deputy)


def _account(r: UserRecord) -> Account:
    return Account(r.username, r.display_name, r.unit_id, tuple(r.roles), r.disabled_at is not None, r.deputy, r.id)
