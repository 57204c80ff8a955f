"""The centre's tracking register (Sổ theo dõi hồ sơ, Mẫu 07) for a period: one row per dossier the
centre received, numbered in the centre's yearly register book, with the dates of each stage.

Only the centre's own officers and the supervisors of its province may read it: it names applicants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.adapters.printing import status_words, timeliness_words
from engine.domain.actor import Actor, Role
from engine.domain.calendar import VN_TZ, WorkingCalendar
from engine.domain.dossier import Dossier
from engine.domain.errors import FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.ports import UnitOfWork
from engine.domain.slip import FORMS, Applicant, Issuer, SlipForm, SlipKind, applicant, issuer
from engine.domain.status import DossierStatus
from engine.domain.timeliness import of_dossier
from engine.services.catalogue import Catalogue

MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class RegisterRow:
    ordinal: int
    """Số thứ tự in the register book of the year the dossier was received."""
    code: str
    procedure_name: str
    applicant: Applicant
    competent_unit: str
    received_at: datetime
    due_at: datetime
    sent_at: datetime | None
    """First handed over to another unit (None when the centre handles it itself)."""
    result_at: datetime | None
    """The result came back to the return centre."""
    returned_at: datetime | None
    note: str
    copies: int = 1


@dataclass(frozen=True)
class Register:
    form: SlipForm
    issuer: Issuer
    unit_name: str
    start: date
    end: date
    printed_at: datetime
    rows: list[RegisterRow]


def read(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, calendar: WorkingCalendar,
         clock: Callable[[], datetime], unit_id: str, start: date, end: date) -> Register:
    """The register of centre `unit_id` for the local days `start` to `end`, both included.

    Raises:
        NotFoundError: no such unit, or the unit has no one-stop centre.
        ForbiddenError: the actor is neither an officer of the centre nor a supervisor of its province.
        ValidationFailedError: the period is reversed or longer than MAX_PERIOD_DAYS.
    """
    _check_period(start, end)
    with uow:
        unit = uow.units.get(unit_id)
        if unit is None or not unit.has_centre:
            raise NotFoundError(f"unit {unit_id} has no one-stop centre, so it keeps no register")
        _check_reader(actor, unit.id, unit.province_id)
        opened, closed = _local_midnight(start), _local_midnight(end + timedelta(days=1))
        dossiers = uow.printing.received_between(unit.id, opened, closed)
        sent = uow.printing.first_hand_overs(unit.id, opened, closed)
        book_opened = _local_midnight(date(start.year, 1, 1))
        before = uow.printing.count_received(unit.id, book_opened, opened)
        province = uow.units.get(unit.province_id) if unit.province_id else None
        names = _Names(uow, catalogue)
        now = clock()
        rows = [_row(d, n, sent.get(d.id or 0), names, now, calendar) for d, n in _ordinals(dossiers, start, before)]
        return Register(FORMS[SlipKind.REGISTER], issuer(unit, as_centre=True, province=province), unit.name,
                        start, end, now, rows)


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailedError("the period ends before it starts", [FieldError("/query/to", "is before from")])
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailedError("the period is too long", [FieldError(
            "/query/to", f"a register covers at most {MAX_PERIOD_DAYS} days; print it in parts")])


def _check_reader(actor: Actor, unit_id: str, province_id: str | None) -> None:
    if actor.unit_id == unit_id:
        return
    if Role.SUPERVISOR.value in actor.roles and province_id is not None and actor.unit_id == province_id:
        return
    raise ForbiddenError(f"the register of centre {unit_id} is kept for its own officers and the province's "
                         "supervisors")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ)


def _ordinals(dossiers: list[Dossier], start: date, before: int) -> list[tuple[Dossier, int]]:
    """Number the rows in the register book of each year: the book of the first year continues from the
    dossiers received earlier that year; a later year's book starts at 1."""
    numbered, year, count = [], start.year, before
    for dossier in dossiers:
        received_year = dossier.received_at.astimezone(VN_TZ).year
        if received_year != year:
            year, count = received_year, 0
        count += 1
        numbered.append((dossier, count))
    return numbered


def _row(dossier: Dossier, ordinal: int, sent_at: datetime | None, names: _Names, now: datetime,
         calendar: WorkingCalendar) -> RegisterRow:
    return RegisterRow(
        ordinal=ordinal, code=dossier.code, procedure_name=names.procedure(dossier.procedure_version_id),
        applicant=applicant(dossier.applicant_name, dossier.application, names.unit_or_none),
        competent_unit=names.unit(dossier.competent_unit_id), received_at=dossier.received_at,
        due_at=dossier.due_at, sent_at=sent_at, result_at=dossier.result_ready_at, returned_at=dossier.returned_at,
        note=_note(dossier, now, calendar))


def _note(dossier: Dossier, now: datetime, calendar: WorkingCalendar) -> str:
    """The status where processing ended early or is still running; otherwise how timely it was."""
    if dossier.status in (DossierStatus.RESULT_READY, DossierStatus.RETURNED):
        return timeliness_words(of_dossier(dossier, now, calendar))
    if dossier.status.is_final:
        return status_words(dossier.status)
    return f"{status_words(dossier.status)} ({timeliness_words(of_dossier(dossier, now, calendar)).lower()})"


class _Names:
    """Procedure and unit names, each read once per register."""

    def __init__(self, uow: UnitOfWork, catalogue: Catalogue):
        self._uow, self._catalogue = uow, catalogue
        self._units: dict[str, str | None] = {}

    def procedure(self, version_id: int) -> str:
        return self._catalogue.version(self._uow.procedures, version_id).name_vi

    def unit_or_none(self, unit_id: str) -> str | None:
        if unit_id not in self._units:
            unit = self._uow.units.get(unit_id)
            self._units[unit_id] = unit.name if unit else None
        return self._units[unit_id]

    def unit(self, unit_id: str) -> str:
        return self.unit_or_none(unit_id) or unit_id
