"""Officer search: what was typed (a dossier code, the text of the receipt's QR code, an ID number, a phone or
a name), the filters and sort of the dossier list, the searchable forms of an applicant, and the audit entry a
search of personal data leaves.

Pure Python: no database. The SQL that applies these criteria is engine/adapters/dossier_search.py; the fake
repository applies them with `timeliness_matches` and `name_matches` below, which the SQL mirrors.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Channel, Dossier
from engine.domain.dossier_code import DOSSIER_CODE
from engine.domain.slip import applicant
from engine.domain.status import DossierStatus
from engine.domain.timeliness import NEAR_DUE_HOURS, Timeliness, classify_finished, classify_open

MAX_QUERY = 200
"""Longest text a search takes (a look-up address read from a QR code included)."""
MAX_NAME = 100
"""The width of the applicant name and of its folded form."""
COUNT_CAP = 500
"""How many dossiers past the page's end a list counts: beyond that it says "more than", since counting a broad
result exactly (a family name, a province's whole list) reads every matching row of a million (docs/BENCHMARKS.md)."""

_SEPARATORS = re.compile(r"[\s.\-()]+")
_WORD_BREAKS = re.compile(r"[\W_]+")


class QueryKind(StrEnum):
    CODE = "code"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"

    @property
    def personal(self) -> bool:
        """A search by a citizen's name, ID number or phone is audited; one by dossier code is not."""
        return self is not QueryKind.CODE


@dataclass(frozen=True)
class Query:
    """What an officer typed, classified; `value` is normalized as the stored column is."""

    kind: QueryKind
    value: str


def fold(text: str) -> str:
    """A name as searched and stored: lower case, without diacritics (đ → d), words of letters and digits
    separated by one space, so "  Nguyễn  Văn-An " and "nguyen van an" fold alike. Never holds `%` or `_`."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in bare if not unicodedata.combining(c)).lower()
    return " ".join(w for w in _WORD_BREAKS.split(bare) if w)


def normalize_phone(text: str) -> str | None:
    """A Vietnamese phone as stored: `0` then 9 (mobile) or 10 (landline, 02x) digits; +84 and 84 become 0,
    spaces, dots, dashes and brackets are ignored. None if it is not one."""
    digits = _SEPARATORS.sub("", text).removeprefix("+")
    if not digits.isdigit():
        return None
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if (len(digits) == 10 and digits[1] != "0") or (len(digits) == 11 and digits.startswith("02")):
        return digits if digits.startswith("0") else None
    return None


def normalize_id_number(text: str) -> str | None:
    """A personal ID number as stored: CCCD (12 digits, starting with the province code 0xx) or CMND (9),
    without spaces or dots. None if it is not one."""
    digits = _SEPARATORS.sub("", text)
    if digits.isdigit() and (len(digits) == 9 or (len(digits) == 12 and digits.startswith("0"))):
        return digits
    return None


def code_in(text: str) -> str | None:
    """The dossier code typed, or read from the receipt's QR code: a handheld scanner types the look-up
    address it holds (`https://…/?code=19768-250714-0001&secret=…`) then Enter. The secret is dropped. Both
    forms of a code are taken: `000.00.00.H57-250714-0001` as well as the older `19768-250714-0001`."""
    text = text.strip()
    if "code=" in text:
        codes = parse_qs(urlsplit(text).query or text.partition("?")[2]).get("code", [])
        text = codes[0].strip() if codes else ""
    text = text.upper()
    return text if DOSSIER_CODE.fullmatch(text) else None


def classify(text: str) -> Query | None:
    """What was typed: a code (or QR text), an ID number, a phone, else a name. None when nothing is left."""
    if (code := code_in(text)) is not None:
        return Query(QueryKind.CODE, code)
    if (id_number := normalize_id_number(text)) is not None:
        return Query(QueryKind.ID_NUMBER, id_number)
    if (phone := normalize_phone(text)) is not None:
        return Query(QueryKind.PHONE, phone)
    folded = fold(text)
    return Query(QueryKind.NAME, folded) if folded else None


@dataclass(frozen=True)
class Searchable:
    """The applicant's searchable forms, stored on the dossier row."""

    name: str
    """The folded name with a space before each word (" nguyen van an"), so that a LIKE on word starts is one
    condition a trigram index answers, and its short words ("an", "le") count too."""
    id_number: str | None
    phone: str | None


def searchable(applicant_name: str, application: Mapping[str, Any]) -> Searchable:
    """From the applicant's details as the slips find them (engine/domain/slip.py `applicant`)."""
    person = applicant(applicant_name, application, lambda _unit: None)
    id_number = person.id_number and (normalize_id_number(person.id_number) or
                                      _SEPARATORS.sub("", person.id_number).upper()[:20])
    return Searchable(" " + fold(applicant_name)[:MAX_NAME - 1], id_number or None,
                      normalize_phone(person.phone) if person.phone else None)


def name_pattern(folded: str) -> str:
    """The LIKE pattern of a folded name query on the stored name (`Searchable.name`): its words in order, each
    the start of a word of the name ("nguyen an" finds "nguyen van an", "van an" too, "guyen" does not)."""
    return "% " + "% ".join(folded.split()) + "%"


def name_matches(query: str, name: str) -> bool:
    """`name_pattern` in Python (the fake repository's search), on the stored name."""
    at = 0
    for word in query.split():
        at = name.find(" " + word, at)
        if at < 0:
            return False
        at += len(word) + 1
    return True


class SearchSort(StrEnum):
    NEWEST = "newest"   # received, newest first (the default)
    OLDEST = "oldest"   # received, oldest first
    DUE = "due"         # appointment (due time), soonest first


@dataclass(frozen=True)
class SearchCriteria:
    """The filters of the dossier list; every one given must hold. Days are local (Asia/Ho_Chi_Minh)."""

    query: Query | None = None
    procedure_code: str | None = None
    status: DossierStatus | None = None
    received_from: date | None = None
    received_to: date | None = None
    timeliness: Timeliness | None = None
    channel: Channel | None = None
    sort: SearchSort = SearchSort.NEWEST
    now: datetime | None = None
    """Set by the service, with `near_due`, when filtering by timeliness."""
    near_due: frozenset[int] = frozenset()
    """The ids of the open dossiers in scope that are near due at `now` (`near_due_ids`)."""

    @property
    def received_after(self) -> datetime | None:
        """The first moment of `received_from` (inclusive), in UTC terms."""
        return _local_midnight(self.received_from) if self.received_from else None

    @property
    def received_before(self) -> datetime | None:
        """The midnight ending `received_to` (exclusive)."""
        return _local_midnight(self.received_to + timedelta(days=1)) if self.received_to else None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=VN_TZ)


@dataclass(frozen=True)
class OpenDeadline:
    """An open dossier whose clock may be close to its deadline: what `near_due_ids` needs of it."""

    id: int
    received_at: datetime
    deadline_at: datetime
    paused_at: datetime | None


def near_due_horizon(now: datetime, calendar: WorkingCalendar) -> datetime:
    """A running clock can be near due only with its deadline before this: NEAR_DUE_HOURS office hours from
    `now`, and one more, so a deadline on a session's edge is never missed (candidates are checked exactly)."""
    return calendar.add_working_hours(now, NEAR_DUE_HOURS + 1)


def near_due_ids(candidates: Iterable[OpenDeadline], now: datetime, calendar: WorkingCalendar) -> frozenset[int]:
    """Which candidates are near due at `now`, exactly as `timeliness.of_dossier` judges an open dossier (its
    last quarter, at most one working day; a stopped clock judged when it stopped)."""
    return frozenset(c.id for c in candidates if classify_open(
        min(now, c.paused_at or now), c.deadline_at, calendar, c.received_at) is Timeliness.NEAR_DUE)


def timeliness_matches(wanted: Timeliness, dossier: Dossier, now: datetime, near_due: frozenset[int]) -> bool:
    """The timeliness filter, as the SQL applies it (engine/adapters/dossier_search.py), which is
    `timeliness.of_dossier` exactly. Finished: its Decision 766 class (the statistics span keeps it as
    `outcome`). Open: overdue after a second supplementation round, past the deadline, or past it when the clock
    stopped; near due when not overdue and among `near_due` (worked out with the calendar by `near_due_ids`
    from the few open dossiers due within a working day, or whose clock is stopped); in time otherwise."""
    deadline = dossier.deadline_at or dossier.due_at
    if dossier.finished_at is not None:
        final = (Timeliness.LATE if dossier.supplement_rounds > 1
                 else classify_finished(dossier.finished_at, deadline))
        return final == wanted
    overdue = dossier.supplement_rounds > 1 or min(now, dossier.paused_at or now) > deadline
    found = (Timeliness.OVERDUE if overdue else Timeliness.NEAR_DUE if dossier.id in near_due
             else Timeliness.IN_TIME)
    return found == wanted


@dataclass(frozen=True)
class SearchAudit:
    """Who searched personal data, when, for what, and how many dossiers they found: the only place the
    text of such a search is kept (never the ordinary logs)."""

    user_id: int
    unit_id: str
    at: datetime
    kind: QueryKind
    text: str
    found: int
    id: int | None = None
