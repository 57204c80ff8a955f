"""Legal working-day clock: Vietnamese working days, office hours and due times.

Pure domain code: imports only the stdlib and ``holidays``; never Flask,
SQLAlchemy, SpiffWorkflow or anything from ``engine.adapters`` / ``api``.
"""

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Office sessions of a working day; together they make 8 hours = 1 working day.
SESSIONS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 0), time(17, 0)),
)
CLOSING = SESSIONS[-1][1]
# Step allotments and extensions are counted in office hours: 8 hours = 1 working day.
HOURS_PER_WORKING_DAY = 8
# Same-day procedures received at or after this time roll to the next working day.
SAME_DAY_CUTOFF = time(15, 0)

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)


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


class WorkingCalendar:
    """Vietnamese working days and office hours, with government overrides.

    A day is a working day when it is Monday-Friday and not a public holiday
    per the ``holidays`` package (which also knows some officially swapped
    Saturdays, e.g. 26 April 2025). Explicit overrides win over the package:
    ``extra_days_off`` first, then ``extra_working_days``.

    Args:
        extra_days_off: Dates declared days off on top of public holidays.
        extra_working_days: Dates declared working days (e.g. a Saturday
            worked to bridge a holiday).

    Raises:
        ValueError: If a date appears in both override collections.
    """

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        version: str = "holidays-package",
    ) -> None:
        self.version = version
        """Which override file the due times were computed with; recorded on each received dossier."""
        self._days_off = frozenset(_as_date(d, "extra_days_off") for d in extra_days_off)
        self._working = frozenset(_as_date(d, "extra_working_days") for d in extra_working_days)
        clash = self._days_off & self._working
        if clash:
            raise ValueError(f"dates both off and working: {sorted(clash)}")
        # year -> (public holidays, weekend days the package says are worked);
        # filled lazily because most callers only ever touch two or three years.
        self._years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
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
        public_holidays, worked_weekend = self._year(day.year)
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

    def _closing(self, day: date) -> datetime:
        return _to_aware(datetime.combine(day, CLOSING))

    def same_day_due(self, received_at: datetime) -> datetime:
        """Due time of a same-day procedure.

        Received before 15:00 on a working day: 17:00 that day; otherwise
        17:00 on the next working day.
        """
        local = _to_local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < SAME_DAY_CUTOFF:
            return self._closing(day)
        return self._closing(self.next_working_day(day))

    def add_working_days(self, received_at: datetime, days: int) -> datetime:
        """Due time of a limit of ``days`` working days from receipt.

        The due time is 17:00 on the ``days``-th working day after the receipt
        day (which is not counted). Receipt on a non-working day counts as
        receipt on the next working day. ``days=0`` means :meth:`same_day_due`.

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
            for opening, closing in SESSIONS:
                if local.time() < closing:
                    start = max(local, datetime.combine(day, opening))
                    return start, datetime.combine(day, closing)
        day = self.next_working_day(day)
        opening, closing = SESSIONS[0]
        return datetime.combine(day, opening), datetime.combine(day, closing)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Moves forward ``hours`` office hours from ``start``.

        A start outside office hours first snaps to the next opening. The
        result is the exact moment the last hour is used up, so Monday 07:30
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
                for opening, closing in SESSIONS:
                    low = max(local_start, datetime.combine(day, opening))
                    high = min(local_end, datetime.combine(day, closing))
                    if high > low:
                        total += high - low
            day += _ONE_DAY
        return total / _ONE_HOUR


def default_calendar() -> WorkingCalendar:
    """Returns a fresh calendar with no overrides (public holidays only)."""
    return WorkingCalendar()
