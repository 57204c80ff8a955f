"""Saved filters (engine/services/saved_filters.py, rules in engine/domain/saved_filter.py) against the fake:
each officer keeps their own, the same name replaces, only filter parameters are kept, nothing half-saved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.actor import Actor, Role
from engine.domain.errors import ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.saved_filter import MAX_PER_LIST, FilteredList, SavedFilter
from engine.services import saved_filters
from tests.conftest import PHU_XUAN, VY_DA, Clock
from tests.fakes.uow import FakeUnitOfWork
from tests.unit.builders import T0, officer

MINE, THEIRS = officer(Role.SPECIALIST, VY_DA), officer(Role.RECEPTION, PHU_XUAN)


def _save(uow: FakeUnitOfWork, name: str = "Gấp", query: str = "urgency=urgent", *, page: str = "inbox",
          by: Actor = MINE, at: int = 0) -> SavedFilter:
    return saved_filters.save(uow, actor=by, clock=Clock(T0 + timedelta(minutes=at)), page=page, name=name,
                              query=query)


def test_an_officer_lists_only_their_own_filters_by_list_and_name() -> None:
    uow = FakeUnitOfWork()
    _save(uow, "Z quá hạn", "urgency=overdue")
    _save(uow, "A khai sinh", "procedure=1.001193&sort=arrival")
    _save(uow, "Đã xong", "status=returned", page="dossiers")
    _save(uow, "Của người khác", by=THEIRS)
    mine = saved_filters.of_officer(uow, actor=MINE)
    assert [(f.page, f.name) for f in mine] == [("dossiers", "Đã xong"), ("inbox", "A khai sinh"),
                                               ("inbox", "Z quá hạn")]
    assert [f.name for f in saved_filters.of_officer(uow, actor=MINE, page=FilteredList.DOSSIERS)] == ["Đã xong"]


def test_the_same_name_replaces_and_paging_and_empty_values_are_dropped() -> None:
    uow = FakeUnitOfWork()
    first = _save(uow, "Gấp", "?urgency=urgent&offset=50")
    again = _save(uow, "  Gấp ", "urgency=overdue&procedure=&limit=20&sort=due", at=5)
    assert again.id == first.id and again.query == "urgency=overdue&sort=due"
    [stored] = saved_filters.of_officer(uow, actor=MINE)
    assert (stored.query, stored.created_at) == ("urgency=overdue&sort=due", T0 + timedelta(minutes=5))


@pytest.mark.parametrize(("page", "name", "query", "pointers"), [
    ("stats", "Gấp", "", ["/page"]),
    ("inbox", "   ", "", ["/name"]),
    ("inbox", "x" * 61, "", ["/name"]),
    ("inbox", "Gấp", "q=Nguyen+Van+An", ["/query"]),           # a search text may be a citizen's name: not kept
    ("dossiers", "Gấp", "urgency=urgent", ["/query"]),         # the inbox's parameter, not the dossier list's
    ("inbox", "Gấp", "procedure=" + "1" * 500, ["/query"]),
    ("nowhere", "", "q=x", ["/page", "/name"]),
])
def test_a_bad_filter_is_refused_with_a_pointer_per_field_and_nothing_saved(page: str, name: str, query: str,
                                                                            pointers: list[str]) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationFailedError) as raised:
        _save(uow, name, query, page=page)
    assert [e.pointer for e in raised.value.errors] == pointers
    assert uow.tables.saved_filters == {} and uow.commits == 0


def test_an_officer_keeps_a_bounded_number_of_filters_per_list() -> None:
    uow = FakeUnitOfWork()
    for number in range(MAX_PER_LIST):
        _save(uow, f"Bộ lọc {number}")
    with pytest.raises(ValidationFailedError):
        _save(uow, "Một nữa")
    _save(uow, "Bộ lọc 3", "urgency=overdue")  # replacing one is still allowed
    _save(uow, "Một nữa", page="dossiers", query="status=received")  # and the other list has its own room


def test_only_the_owner_deletes_a_filter_and_another_officers_is_not_found() -> None:
    uow = FakeUnitOfWork()
    saved = _save(uow)
    assert saved.id is not None
    with pytest.raises(NotFoundError):
        saved_filters.delete(uow, actor=THEIRS, filter_id=saved.id)
    assert len(uow.tables.saved_filters) == 1
    saved_filters.delete(uow, actor=MINE, filter_id=saved.id)
    assert uow.tables.saved_filters == {}
    with pytest.raises(NotFoundError):
        saved_filters.delete(uow, actor=MINE, filter_id=saved.id)


def test_the_portals_client_keeps_no_filters() -> None:
    with pytest.raises(ForbiddenError):
        saved_filters.of_officer(FakeUnitOfWork(), actor=officer(Role.PORTAL, "46"))
