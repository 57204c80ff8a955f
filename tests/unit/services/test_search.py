"""Officer search (engine/services/search.py) against the fake: found by code, name, ID number and phone within
the officer's scope only, filtered and sorted, counted whole; personal searches audited, code searches not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from engine.domain.actor import Actor, Role
from engine.domain.dossier import Channel, Dossier
from engine.domain.errors import ForbiddenError
from engine.domain.search import QueryKind, SearchCriteria, SearchSort
from engine.domain.status import DossierStatus as S
from engine.domain.timeliness import Timeliness
from engine.services import search
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import BIRTH, CALENDAR, T0, dossier, fake_uow, officer

COUNTER = officer(Role.RECEPTION, PHU_XUAN)


def _applicant(d: Dossier, name: str, id_number: str, phone: str) -> Dossier:
    d.applicant_name = name
    d.application = {"applicant": {"full_name": name, "id_number": id_number, "phone": phone}}
    return d


def _seeded() -> tuple[FakeUnitOfWork, list[Dossier]]:
    uow = fake_uow()
    rows = [
        _applicant(dossier(code=f"{PHU_XUAN}-250714-0001", competent=PHU_XUAN, at=T0), "Nguyễn Văn An",
                   "046190000123", "0912345678"),
        _applicant(dossier(S.RETURNED, procedure=BIRTH, code=f"{PHU_XUAN}-250715-0001", competent=PHU_XUAN,
                           at=T0 + timedelta(days=1)), "Nguyen Van Anh", "046190000999", "0987654321"),
        _applicant(dossier(code=f"{PHU_XUAN}-250716-0001", competent=VY_DA, at=T0 + timedelta(days=2)),
                   "Trần Thị Lan", "046192000456", "+84 905 111 222"),
        # Received and handled elsewhere: never found from Phú Xuân.
        _applicant(dossier(code=f"{THUAN_HOA}-250714-0001", receiving=THUAN_HOA, competent=THUAN_HOA, at=T0),
                   "Nguyễn Văn An", "046190000123", "0912345678"),
    ]
    rows[2].channel = Channel.ONLINE
    return uow, [uow.seed_dossier(d) for d in rows]


def _find(uow: FakeUnitOfWork, text: str | None = None, *, actor: Actor = COUNTER, limit: int = 20,
          offset: int = 0, **criteria: Any) -> search.SearchPage:
    """Searched on Friday 18 July 09:00: the Monday dossier (3 working days) is overdue, Wednesday's in time."""
    return search.find(uow, actor=actor, calendar=CALENDAR, clock=Clock(T0 + timedelta(days=4)), text=text,
                       criteria=SearchCriteria(**criteria), limit=limit, offset=offset)


def _codes(page: search.SearchPage) -> list[str]:
    return [d.code for d in page.items]


@pytest.mark.parametrize(("text", "codes"), [
    ("nguyen van an", ["19768-250715-0001", "19768-250714-0001"]),  # "Anh" starts with "An"
    ("Nguyễn Văn Anh", ["19768-250715-0001"]),
    ("tran lan", ["19768-250716-0001"]),
    ("046190000123", ["19768-250714-0001"]),
    ("0905.111.222", ["19768-250716-0001"]),
    ("19768-250714-0001", ["19768-250714-0001"]),
    ("http://localhost/?code=19768-250716-0001&secret=K7M4QX9TRB", ["19768-250716-0001"]),
    ("19786-250714-0001", []),            # another ward's dossier: out of scope, never found
    ("Phạm", []),
])
def test_a_counter_officer_finds_the_dossiers_of_their_unit(text: str, codes: list[str]) -> None:
    uow, _ = _seeded()
    page = _find(uow, text)
    assert (_codes(page), page.total) == (codes, len(codes))


def test_a_supervisor_finds_across_the_province_and_a_unit_officer_does_not() -> None:
    uow, _ = _seeded()
    supervisor = officer(Role.SUPERVISOR, "46")
    assert _find(uow, "046190000123", actor=supervisor).total == 2
    assert _find(uow, "046190000123", actor=officer(Role.SPECIALIST, VY_DA)).total == 0


@pytest.mark.parametrize(("criteria", "codes"), [
    ({"procedure_code": BIRTH}, ["19768-250715-0001"]),
    ({"status": S.RETURNED}, ["19768-250715-0001"]),
    ({"channel": Channel.ONLINE}, ["19768-250716-0001"]),
    ({"received_from": date(2025, 7, 15)}, ["19768-250716-0001", "19768-250715-0001"]),
    ({"received_from": date(2025, 7, 14), "received_to": date(2025, 7, 14)}, ["19768-250714-0001"]),
    ({"sort": SearchSort.OLDEST}, ["19768-250714-0001", "19768-250715-0001", "19768-250716-0001"]),
    ({"timeliness": Timeliness.OVERDUE}, ["19768-250714-0001"]),
    ({"timeliness": Timeliness.IN_TIME}, ["19768-250716-0001"]),
    ({"timeliness": Timeliness.NEAR_DUE}, []),
])
def test_filters_and_sorts(criteria: dict[str, Any], codes: list[str]) -> None:
    uow, _ = _seeded()
    assert _codes(_find(uow, **criteria)) == codes


def test_sorted_by_due_time_soonest_first() -> None:
    uow, rows = _seeded()
    first = replace(rows[2], due_at=T0 - timedelta(hours=1))
    uow.tables.dossiers[first.id or 0] = first
    assert _codes(_find(uow, sort=SearchSort.DUE))[0] == first.code


def test_the_total_counts_the_whole_result_not_the_page() -> None:
    uow, _ = _seeded()
    page = _find(uow, limit=1, offset=1)
    assert (_codes(page), page.total) == (["19768-250715-0001"], 3)


def test_personal_searches_are_audited_and_code_searches_are_not() -> None:
    uow, _ = _seeded()
    _find(uow, "19768-250714-0001")
    _find(uow)
    assert uow.tables.search_audit == []
    _find(uow, " Nguyễn Văn An ")
    _find(uow, "0912 345 678")
    audit = uow.tables.search_audit
    assert [(e.user_id, e.unit_id, e.kind, e.text, e.found) for e in audit] == [
        (COUNTER.user_id, PHU_XUAN, QueryKind.NAME, "Nguyễn Văn An", 2),
        (COUNTER.user_id, PHU_XUAN, QueryKind.PHONE, "0912 345 678", 1)]
    assert audit[0].at == T0 + timedelta(days=4) and uow.committed


def test_only_admins_read_the_audit() -> None:
    uow, _ = _seeded()
    _find(uow, "Trần")
    with pytest.raises(ForbiddenError):
        search.audit(uow, actor=COUNTER, limit=10, offset=0)
    entries, total = search.audit(uow, actor=officer(Role.ADMIN, "46"), limit=10, offset=0)
    assert total == 1 and entries[0].text == "Trần"


def test_near_due_is_judged_as_the_dossier_page_judges_it() -> None:
    """Received Tuesday 14:00 for three working days (due Friday 17:00): on Friday 09:00, 6.5 of its 27 office
    hours are left, within the last quarter: near due. The same-day one of Monday is overdue, not near due."""
    uow, _ = _seeded()
    late = uow.seed_dossier(dossier(code=f"{PHU_XUAN}-250715-0002", competent=PHU_XUAN,
                                    at=T0 + timedelta(days=1, hours=5)))
    page = _find(uow, timeliness=Timeliness.NEAR_DUE)
    assert (_codes(page), page.total) == ([late.code], 1)
    assert late.code not in _codes(_find(uow, timeliness=Timeliness.IN_TIME))
