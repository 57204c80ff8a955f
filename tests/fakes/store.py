"""The fake database: its tables, its id sequences, and how a value is stored (a copy, as its row gives it back)."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from engine.domain import json_codec
from engine.domain.dossier import Dossier, HistoryEvent
from engine.domain.files import StoredFile
from engine.domain.job import Job
from engine.domain.lookup_lock import LookupFailures
from engine.domain.notice import Notice
from engine.domain.procedure import ProcedureVersion
from engine.domain.rating import Rating
from engine.domain.saved_filter import SavedFilter
from engine.domain.search import SearchAudit
from engine.domain.submission import Submission
from engine.domain.task import Task
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
    deputy: bool = False


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
    submissions: dict[int, Submission] = field(default_factory=dict)
    sequences: dict[tuple[str, date], int] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    history: list[HistoryEvent] = field(default_factory=list)
    jobs: dict[int, Job] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    ratings: dict[int, Rating] = field(default_factory=dict)
    lookup_failures: dict[str, LookupFailures] = field(default_factory=dict)
    files: dict[int, StoredFile] = field(default_factory=dict)
    saved_filters: dict[int, SavedFilter] = field(default_factory=dict)
    search_audit: list[SearchAudit] = field(default_factory=list)

    def copy(self) -> Tables:
        """A snapshot: units and procedure versions are immutable values and are shared, the rest copied."""
        mutable = {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)
                   if f.name not in ("units", "procedures")}
        return Tables(units=dict(self.units), procedures=dict(self.procedures), **mutable)


class Database:
    def __init__(self) -> None:
        self.tables = Tables()
        self._ids: dict[str, int] = {}  # like database sequences, never rolled back

    def next_id(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return self._ids[table]


def as_stored(value: T) -> T:
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
