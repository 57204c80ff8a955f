"""Legal working-day clock: Vietnamese working days, office hours and due times.

Pure domain code: imports only the stdlib and ``holidays``; never Flask,
SQLAlchemy, SpiffWorkflow or anything from ``engine.adapters`` / ``api``.

Two sources say which days are worked:

* **Official years** (``processes/calendar.json``, read by ``engine.adapters.definitions.read_calendar``):
  for a year the file covers, the Government's decisions for that year are the whole truth: a day is a
  working day when it is Monday–Friday and not listed off, or a weekend day listed worked. The
  ``holidays`` package is *not* consulted for such a year (it misses some swaps, e.g. 2 January 2026,
  and lists days not yet law, e.g. 24 November 2026).
* **The ``holidays`` package**, for every year the file does not cover (years before the file starts,
  years whose decisions are not published yet). Its Labour Code rules and the swaps it knows stand in
  until someone adds the year to the file.

Office hours (the sessions of a working day) are a setting of each province's deployment, with an
optional seasonal timetable; :data:`DEFAULT_SESSIONS` applies when none is given.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Sessions = tuple[tuple[time, time], ...]
"""The office sessions of one working day, in order: ((opening, closing), ...)."""

# Office sessions when a deployment sets none: together they make 8 hours.
DEFAULT_SESSIONS: Sessions = (
    (time(7, 30), time(11, 30)),
    (time(13, 0), time(17, 0)),
)
# Step allotments and extensions in hours are counted by the national convention: 8 hours = 1 working
# day (DOMAIN.md §7), whatever a province's sessions add up to.
HOURS_PER_WORKING_DAY = 8
# Same-day procedures received at or after this time roll to the next working day (legal, not local).
SAME_DAY_CUTOFF = time(15, 0)

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_WEEKEND = (5, 6)  # Saturday, Sunday


def _as_date(day: date, what: str) -> date:
    # datetime is a subclass of date but never compares equal to one, so a
    # datetime would silently miss every holiday lookup; refuse it instead.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{what} must be a datetime.date, got {type(day).__name__}")
    return day


def _to_local(moment: datetime) -> datetime:
    """Converts an aware datetime to naive Vietnamese wall-clock time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    # Vietnam has no DST, so naive wall-clock arithmetic is exact.
    return moment.astimezone(VN_TZ).replace(tzinfo=None)


def _to_aware(local: datetime) -> datetime:
    return local.replace(tzinfo=VN_TZ)


def check_sessions(sessions: Iterable[tuple[time, time]]) -> Sessions:
    """``sessions`` as a tuple once checked: at least one, each opening before its closing, in ascending
    order without overlap, and the day's closing after the 15:00 same-day cut-off (a dossier received at
    14:59 is due at the closing that same day).

    Raises:
        ValueError: naming what is wrong.
    """
    checked = tuple((opening, closing) for opening, closing in sessions)
    if not checked:
        raise ValueError("a working day needs at least one office session")
    previous_closing: time | None = None
    for opening, closing in checked:
        if not isinstance(opening, time) or not isinstance(closing, time):
            raise ValueError(f"session {opening!r}–{closing!r} is not two times of day")
        if opening.tzinfo is not None or closing.tzinfo is not None:
            raise ValueError("session times are wall-clock times without a time zone")
        if opening >= closing:
            raise ValueError(f"session {opening:%H:%M}–{closing:%H:%M} does not open before it closes")
        if previous_closing is not None and opening < previous_closing:
            raise ValueError(f"session {opening:%H:%M}–{closing:%H:%M} starts before the previous one closes "
                             f"({previous_closing:%H:%M}); sessions must be in ascending order without overlap")
        previous_closing = closing
    if checked[-1][1] <= SAME_DAY_CUTOFF:
        raise ValueError(f"the last session closes at {checked[-1][1]:%H:%M}, not after the "
                         f"{SAME_DAY_CUTOFF:%H:%M} same-day cut-off")
    return checked


@dataclass(frozen=True)
class Season:
    """Sessions in force from ``start`` to ``end`` (month, day), both included, every year.

    ``start`` after ``end`` wraps around the new year (e.g. (10, 15) to (4, 14) for a winter timetable).
    """

    start: tuple[int, int]
    end: tuple[int, int]
    sessions: Sessions

    def __post_init__(self) -> None:
        for month, day in (self.start, self.end):
            date(2000, month, day)  # a leap year, so 29 February is allowed; raises ValueError otherwise
        object.__setattr__(self, "sessions", check_sessions(self.sessions))

    def covers(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end

    def _days(self) -> set[tuple[int, int]]:
        days, current = set(), date(2000, *self.start)
        while True:
            days.add((current.month, current.day))
            if (current.month, current.day) == self.end:
                return days
            current = current + _ONE_DAY if current != date(2000, 12, 31) else date(2000, 1, 1)


@dataclass(frozen=True)
class OfficeHours:
    """A province's office timetable: ``default`` sessions, replaced by a season's on the days it covers."""

    default: Sessions = DEFAULT_SESSIONS
    seasons: tuple[Season, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "default", check_sessions(self.default))
        object.__setattr__(self, "seasons", tuple(self.seasons))
        taken: dict[tuple[int, int], Season] = {}
        for season in self.seasons:
            for key in sorted(season._days()):
                if key in taken:
                    raise ValueError(f"seasons {_season_label(taken[key])} and {_season_label(season)} "
                                     f"overlap on {key[1]:02d}/{key[0]:02d}")
                taken[key] = season

    def sessions_on(self, day: date) -> Sessions:
        for season in self.seasons:
            if season.covers(day):
                return season.sessions
        return self.default


def _season_label(season: Season) -> str:
    return f"{season.start[1]:02d}/{season.start[0]:02d}–{season.end[1]:02d}/{season.end[0]:02d}"


@dataclass(frozen=True)
class OfficialYear:
    """The Government's decisions for one year: every weekday off and every weekend day worked.

    ``days_off`` may also hold weekend days (a holiday falling on a Sunday, kept for the record); they
    change nothing. ``working_days`` holds only Saturdays and Sundays worked in exchange for a weekday off.
    """

    year: int
    days_off: frozenset[date]
    working_days: frozenset[date]

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_off", frozenset(_as_date(d, "days_off") for d in self.days_off))
        object.__setattr__(self, "working_days", frozenset(_as_date(d, "working_days") for d in self.working_days))
        outside = sorted(d for d in self.days_off | self.working_days if d.year != self.year)
        if outside:
            raise ValueError(f"dates outside {self.year}: {', '.join(map(str, outside))}")
        clash = sorted(self.days_off & self.working_days)
        if clash:
            raise ValueError(f"dates both off and worked in {self.year}: {', '.join(map(str, clash))}")
        weekdays = sorted(d for d in self.working_days if d.weekday() not in _WEEKEND)
        if weekdays:
            raise ValueError(f"worked days that are not a Saturday or Sunday: {', '.join(map(str, weekdays))}")

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        return day.weekday() not in _WEEKEND or day in self.working_days


class WorkingCalendar:
    """Vietnamese working days and a province's office hours.

    A day is a working day per the official year when ``official_years`` covers its year (see the module
    docstring), otherwise when it is Monday–Friday and not a public holiday per the ``holidays`` package
    (which also knows some officially swapped Saturdays, e.g. 26 April 2025). Explicit overrides win over
    both: ``extra_days_off`` first, then ``extra_working_days``; they serve to add or remove single days
    relative to the package for a year no official list covers.

    Args:
        extra_days_off: Dates declared days off on top of the rest.
        extra_working_days: Dates declared working days (e.g. a Saturday worked to bridge a holiday).
        version: Which calendar file the due times were computed with; recorded on each received dossier.
        official_years: The complete decisions of each year they cover; the package is ignored for those.
        office_hours: The province's sessions (default 07:30–11:30 and 13:00–17:00 every day).

    Raises:
        ValueError: If a date appears in both override collections.
    """

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        version: str = "holidays-package",
        official_years: Iterable[OfficialYear] | Mapping[int, OfficialYear] = (),
        office_hours: OfficeHours | None = None,
    ) -> None:
        self.version = version
        """Which override file the due times were computed with; recorded on each received dossier."""
        self._days_off = frozenset(_as_date(d, "extra_days_off") for d in extra_days_off)
        self._working = frozenset(_as_date(d, "extra_working_days") for d in extra_working_days)
        clash = self._days_off & self._working
        if clash:
            raise ValueError(f"dates both off and working: {sorted(clash)}")
        years = official_years.values() if isinstance(official_years, Mapping) else official_years
        self._official: dict[int, OfficialYear] = {}
        for official in years:
            if official.year in self._official:
                raise ValueError(f"year {official.year} given twice")
            self._official[official.year] = official
        self.office_hours = office_hours or OfficeHours()
        # year -> (public holidays, weekend days the package says are worked); filled lazily for the
        # years no official list covers, because most callers only ever touch two or three years.
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}

    @property
    def official_years(self) -> frozenset[int]:
        """The years decided by the official list rather than the ``holidays`` package."""
        return frozenset(self._official)

    def _package_year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        cached = self._years.get(year)
        if cached is None:
            table = holidays.country_holidays("VN", years=year)
            swapped = getattr(table, "weekend_workdays", ())  # absent in old releases
            cached = (frozenset(table), frozenset(d for d in swapped if d.year == year))
            self._years[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        """Tells whether ``day`` is a legal working day."""
        day = _as_date(day, "day")
        if day in self._days_off:
            return False
        if day in self._working:
            return True
        official = self._official.get(day.year)
        if official is not None:
            return official.is_working_day(day)
        public_holidays, worked_weekend = self._package_year(day.year)
        if day in public_holidays:
            return False
        return day.weekday() < 5 or day in worked_weekend

    def next_working_day(self, day: date) -> date:
        """Returns the first working day strictly after ``day``."""
        day = _as_date(day, "day") + _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """Returns the last working day strictly before ``day``."""
        day = _as_date(day, "day") - _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    # --- Office hours -------------------------------------------------------------------------------

    def sessions_on(self, day: date) -> Sessions:
        """The office sessions in force on ``day`` (whether or not it is a working day)."""
        return self.office_hours.sessions_on(_as_date(day, "day"))

    def closing_time(self, day: date) -> time:
        """When the office closes on ``day``: the hour of an appointment (due time) that day."""
        return self.sessions_on(day)[-1][1]

    def opening_time(self, day: date) -> time:
        return self.sessions_on(day)[0][0]

    def office_hours_on(self, day: date) -> float:
        """Office hours of ``day`` if it is a working day, else 0."""
        if not self.is_working_day(day):
            return 0.0
        return sum((_span(opening, closing) for opening, closing in self.sessions_on(day)), timedelta()) / _ONE_HOUR

    def _closing(self, day: date) -> datetime:
        return _to_aware(datetime.combine(day, self.closing_time(day)))

    # --- Due times ----------------------------------------------------------------------------------

    def same_day_due(self, received_at: datetime) -> datetime:
        """Due time of a same-day procedure.

        Received before 15:00 on a working day: the office's closing that day; otherwise its closing on
        the next working day.
        """
        local = _to_local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < SAME_DAY_CUTOFF:
            return self._closing(day)
        return self._closing(self.next_working_day(day))

    def add_working_days(self, received_at: datetime, days: int) -> datetime:
        """Due time of a limit of ``days`` working days from receipt.

        The due time is the closing (17:00 by default) of the ``days``-th working day after the receipt
        day (which is not counted). Receipt on a non-working day counts as receipt on the next working
        day. ``days=0`` means :meth:`same_day_due`.

        Raises:
            ValueError: If ``days`` is negative.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        if days == 0:
            return self.same_day_due(received_at)
        day = _to_local(received_at).date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        return self._closing(day)

    def _snap(self, local: datetime) -> tuple[datetime, datetime]:
        """Moves ``local`` forward into office hours; returns it and its session end."""
        day = local.date()
        if self.is_working_day(day):
            for opening, closing in self.sessions_on(day):
                if local.time() < closing:
                    start = max(local, datetime.combine(day, opening))
                    return start, datetime.combine(day, closing)
        day = self.next_working_day(day)
        opening, closing = self.sessions_on(day)[0]
        return datetime.combine(day, opening), datetime.combine(day, closing)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Moves forward ``hours`` office hours from ``start``, through the sessions in force each day.

        A start outside office hours first snaps to the next opening. The
        result is the exact moment the last hour is used up, so (default sessions) Monday 07:30
        + 8h is Monday 17:00 and Monday 16:00 + 2h is Tuesday 08:30.

        Raises:
            ValueError: If ``hours`` is negative or not finite.
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError("hours must be a finite number >= 0")
        current, session_end = self._snap(_to_local(start))
        remaining = timedelta(hours=hours)
        while remaining > session_end - current:
            remaining -= session_end - current
            current, session_end = self._snap(session_end)
        return _to_aware(current + remaining)

    def resume(self, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """The due time after the clock stopped from ``paused_at`` to ``resumed_at``: pushed back by the
        office hours that passed meanwhile, so a pause never costs the agency (or the applicant) time."""
        return self.extend(due, self.working_hours_between(paused_at, resumed_at))

    def extend(self, due: datetime, hours: float) -> datetime:
        """``due`` pushed back by ``hours`` office hours; unchanged for 0 (17:00 stays 17:00)."""
        if hours <= 0:
            return due
        return self.add_working_hours(due, hours)

    def extend_working_days(self, due: datetime, days: int) -> datetime:
        """``due`` pushed back by ``days`` whole working days: by the office hours of the ``days`` working
        days after its own, so a due time at the closing stays at the closing whatever the sessions."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day, hours = _to_local(due).date(), 0.0
        for _ in range(days):
            day = self.next_working_day(day)
            hours += self.office_hours_on(day)
        return self.extend(due, hours)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Office hours elapsed from ``start`` to ``end``; negative if reversed.

        Inverse of :meth:`add_working_hours`.
        """
        local_start, local_end = _to_local(start), _to_local(end)
        if local_end < local_start:
            return -self.working_hours_between(end, start)
        total = timedelta()
        day = local_start.date()
        while day <= local_end.date():
            if self.is_working_day(day):
                for opening, closing in self.sessions_on(day):
                    low = max(local_start, datetime.combine(day, opening))
                    high = min(local_end, datetime.combine(day, closing))
                    if high > low:
                        total += high - low
            day += _ONE_DAY
        return total / _ONE_HOUR


def _span(opening: time, closing: time) -> timedelta:
    return datetime.combine(date.min, closing) - datetime.combine(date.min, opening)


def default_calendar() -> WorkingCalendar:
    """Returns a fresh calendar with no official years and no overrides (the ``holidays`` package only)."""
    return WorkingCalendar()
