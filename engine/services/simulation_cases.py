"""The random model behind the demo-data simulation: how many dossiers arrive at which centre and
when, which procedure and application each carries, what happens to it, and how long officers take.

Pure functions of a seeded `random.Random`, so one seed always plans the same days (and the settable
clock the services read during the run).
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.contact import Contact
from engine.domain.dossier import Channel, ReturnMethod
from engine.domain.rating import SatisfactionLevel

# When citizens stand at the counters (local time); mornings are busier.
ARRIVAL_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
MORNING_SHARE = 0.6

# Relative demand per procedure code: same-day certification and civil status dominate a commune centre.
PROCEDURE_WEIGHTS = {
    "2.000815": 25,  # certified copy
    "1.001193": 18,  # birth registration
    "2.000884": 12,  # signature certification
    "1.004873": 8,   # marital status confirmation
    "1.000656": 6,   # death registration
    "3.000722": 6,   # birth group (Decree 63)
    "1.000894": 5,   # marriage registration
    "2.000635": 5,   # civil status extract
    "1.013831": 4,   # land change registration
    "2.000908": 3,   # register copy
    "1.004859": 3,   # civil status change
    "2.002913": 3,   # death group (Decree 63)
}
OTHER_WEIGHT = 2  # a procedure published later, not in the table

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
             "Dương", "Tôn Nữ", "Hồ Đắc")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Bảo", "Gia", "Xuân")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Huy", "Khoa", "Lan",
          "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy")


class SimulatedClock:
    """The clock the services read: set to each event's time before it runs."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Rates:
    """Shares of dossiers (or steps) that take each turn."""

    cross_boundary: float = 0.2   # the applicant lives in (the parcel lies in) another commune of the province
    supplement: float = 0.05      # the handling officer asks for missing papers once
    withdraw: float = 0.01        # the applicant withdraws it while in process
    contact: float = 0.7          # the applicant agrees to notices by SMS (a phone given)
    email: float = 0.4            # and gives an e-mail address too
    refuse: float = 0.01          # reception refused (Mẫu 03): never received
    guide: float = 0.06           # guided once to complete (Mẫu 02) before it is accepted
    late_step: float = 0.10       # a step takes longer than its allotment
    late_collection: float = 0.3  # the result is collected a day or two after it is ready
    online: float = 0.5           # submitted online (KenhThucHien 2), received at the centre
    scanned: float = 0.8          # an in-person dossier whose every component is scanned at the counter
    online_result: float = 0.4    # an online dossier whose result is returned online (an electronic result)
    rating: float = 0.3           # the citizen rates the service after the return


class Fate(StrEnum):
    NORMAL = "normal"
    SUPPLEMENT = "supplement"
    WITHDRAW = "withdraw"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Procedure:
    """What the plan needs to know of a published procedure."""

    code: str
    cross_boundary: bool
    scenarios: Sequence[Mapping[str, Any]]
    documents: int = 1
    """How many components the procedure lists (the counter scans some or all of them)."""


@dataclass(frozen=True)
class Case:
    """One planned dossier: where and when it arrives, what it carries, and what becomes of it."""

    at: datetime
    centre: str
    home: str
    """The commune the application names (residence, parcel, register): the centre unless cross-boundary."""
    procedure_code: str
    application: dict[str, Any]
    reception: dict[str, Any]
    step_data: dict[str, dict[str, Any]]
    """Form data of each BPMN user task, from the scenario; its choices decide the path taken."""
    return_step: str
    fate: Fate
    channel: Channel = Channel.IN_PERSON
    digitised: list[int] = field(default_factory=list)
    return_method: ReturnMethod = ReturnMethod.COUNTER
    contact: Contact | None = None
    """Where the applicant agreed to be told of the dossier (engine/domain/citizen_notices.py), if they did."""


def working_days(calendar: WorkingCalendar, end: datetime, count: int) -> list[date]:
    """The last `count` working days up to `end`'s local day (included when it is a working day)."""
    day = end.astimezone(VN_TZ).date()
    days = [day] if calendar.is_working_day(day) else []
    while len(days) < count:
        day = calendar.previous_working_day(day)
        days.append(day)
    return sorted(days[:count])


def plan_cases(rng: random.Random, *, days: Sequence[date], centres: Sequence[str], per_centre: float,
               procedures: Sequence[Procedure], communes: Sequence[str], rates: Rates) -> list[Case]:
    """Every dossier of the days, centre by centre, in the order drawn (not by time)."""
    if not procedures or not centres:
        return []
    weights, cases = centre_weights(rng, centres), []
    for day in days:
        busy = rng.uniform(0.85, 1.15)  # some days are busier everywhere
        for centre in centres:
            for at in arrival_times(rng, day, poisson(rng, per_centre * weights[centre] * busy)):
                cases.append(draw_case(rng, at=at, centre=centre, procedures=procedures, communes=communes,
                                       rates=rates))
    return cases


def centre_weights(rng: random.Random, centres: Sequence[str]) -> dict[str, float]:
    """A stable busyness factor per centre (log-normal, mean 1): city wards see more people."""
    raw = {centre: rng.lognormvariate(0, 0.6) for centre in centres}
    mean = sum(raw.values()) / len(raw) if raw else 1.0
    return {centre: weight / mean for centre, weight in raw.items()}


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def arrival_times(rng: random.Random, day: date, count: int) -> list[datetime]:
    """`count` moments in the day's counter hours, in order, as aware UTC datetimes."""
    moments = []
    for _ in range(count):
        opening, closing = ARRIVAL_SESSIONS[0 if rng.random() < MORNING_SHARE else 1]
        start = datetime.combine(day, opening, VN_TZ)
        span = (datetime.combine(day, closing, VN_TZ) - start).total_seconds()
        moments.append((start + timedelta(seconds=int(rng.uniform(0, span)))).astimezone(UTC))
    return sorted(moments)


def draw_case(rng: random.Random, *, at: datetime, centre: str, procedures: Sequence[Procedure],
              communes: Sequence[str], rates: Rates) -> Case:
    procedure = rng.choices(procedures, [PROCEDURE_WEIGHTS.get(p.code, OTHER_WEIGHT) for p in procedures])[0]
    scenario = rng.choices(procedure.scenarios, [_scenario_weight(s) for s in procedure.scenarios])[0]
    others = [c for c in communes if c != centre]
    home = centre
    if procedure.cross_boundary and others and rng.random() < rates.cross_boundary:
        home = rng.choice(others)
    application, named = _with_commune(scenario["application"], set(communes), home)
    home = home if named else centre  # certification: the application names no commune
    if isinstance(application.get("applicant"), dict):
        application["applicant"]["full_name"] = _name(rng)
    steps = copy.deepcopy(scenario["steps"])  # each dossier its own: the scenarios are shared
    online = rng.random() < rates.online
    scanned = rng.random()
    digitised = (list(range(procedure.documents)) if online or scanned < rates.scanned  # online: all attached
                 else [0] if scanned < (1 + rates.scanned) / 2 else [])
    electronic = online and rng.random() < rates.online_result
    return Case(at=at, centre=centre, home=home, procedure_code=procedure.code, application=application,
                reception=steps[0]["data"], step_data={s["task"]: s["data"] for s in steps[1:] if "data" in s},
                return_step=steps[-1]["task"], fate=_fate(rng, rates),
                channel=Channel.ONLINE if online else Channel.IN_PERSON, digitised=digitised,
                return_method=ReturnMethod.ONLINE if electronic else ReturnMethod.COUNTER,
                contact=_contact(at, centre, rates))


def _contact(at: datetime, centre: str, rates: Rates) -> Contact | None:
    """Most applicants leave a phone for notices, some an e-mail too. Drawn from a generator of its own (seeded by
    the arrival), so the rest of the plan is the same with or without contacts."""
    rng = random.Random(f"contact {at.isoformat()} {centre}")
    if rng.random() >= rates.contact:
        return None
    phone = f"+8491{rng.randrange(10**7):07d}"
    email = f"nguoidan{rng.randrange(10**6):06d}@example.vn" if rng.random() < rates.email else None
    return Contact(email=email, phone=phone, consent=True)


def _scenario_weight(scenario: Mapping[str, Any]) -> int:
    """Most dossiers go straight; one needing verification (a longer limit) is rarer."""
    # A step sent back (`send_back`, no data) is simply completed by the simulation, as in a straight scenario.
    return 1 if any(step.get("data", {}).get("needs_verification") is True for step in scenario["steps"]) else 4


def _fate(rng: random.Random, rates: Rates) -> Fate:
    roll = rng.random()
    for fate, share in ((Fate.REFUSE, rates.refuse), (Fate.WITHDRAW, rates.withdraw),
                        (Fate.SUPPLEMENT, rates.supplement)):
        if roll < share:
            return fate
        roll -= share
    return Fate.NORMAL


def _with_commune(application: Mapping[str, Any], communes: set[str], home: str) -> tuple[dict[str, Any], bool]:
    """A copy of the scenario's application with every commune id it names replaced by `home`, and
    whether it named any."""
    named = False

    def swap(value: Any) -> Any:
        nonlocal named
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list):
            return [swap(item) for item in value]
        if isinstance(value, str) and value in communes:
            named = True
            return home
        return value

    return swap(dict(application)), named


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def step_hours(rng: random.Random, left: float, rates: Rates) -> float:
    """Office hours an officer takes on a step with `left` hours of its allotment: mostly within
    them, sometimes beyond, so some steps and dossiers end late."""
    left = max(left, 0.25)
    if rng.random() < rates.late_step:
        return left * rng.uniform(1.1, 2.0) + 0.5
    return max(left * rng.triangular(0.05, 0.95, 0.35), 0.1)


def payment_hours(rng: random.Random) -> float:
    """Office hours a step allotted no time waits for the applicant (paying the tax)."""
    return rng.uniform(4, 24)


def collection_hours(rng: random.Random, rates: Rates) -> float:
    """Office hours from the result being ready to the applicant collecting it."""
    if rng.random() < rates.late_collection:
        return rng.uniform(8, 16)  # a day or two later
    return rng.uniform(0.1, 2.5)


def supplement_hours(rng: random.Random) -> float:
    """Office hours the applicant takes to bring the missing papers: one to four working days."""
    return rng.uniform(8, 32)


def rating_level(rng: random.Random, *, late: bool) -> SatisfactionLevel:
    """Mostly satisfied; a late result makes "Không hài lòng" far likelier."""
    weights = (2, 3, 5) if late else (6, 3, 1)
    return rng.choices(list(SatisfactionLevel), weights)[0]


def decision_hours(rng: random.Random) -> float:
    """Office hours an online submission waits in the intake queue before the counter decides."""
    return rng.uniform(0.2, 6)


def withdraw_hours(rng: random.Random) -> float:
    """Office hours after receipt the applicant comes back to withdraw the dossier."""
    return rng.uniform(0.5, 4)
