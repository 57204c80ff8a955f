"""Officer search: the dossier list of the counter, of a unit, of the inbox and, for supervisors, of the province,
found by what was typed or scanned and filtered; searches of personal data are audited.

How a page or view calls it (api/views/dossiers.py does):

    page = search.find(w.uow(), actor=actor, calendar=w.calendar, clock=w.clock, text=request.args.get("q"),
                       criteria=SearchCriteria(status=..., sort=SearchSort.DUE, ...), limit=20, offset=0)
    page.items, page.total          # the page, and the count of the whole result (a lower bound if not page.exact)
    page.query                      # what the text was taken for (None when blank)

`text` is what the officer typed, or what a scanner typed from the receipt's QR code: when `page.query.kind` is
`QueryKind.CODE` and `page.total == 1`, open `page.items[0]` directly. Keep the text out of any log or URL that
is logged: the request logs mask `q` (api/log_privacy.py), so pass it as `q`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from engine.domain.actor import Actor, Role
from engine.domain.calendar import WorkingCalendar
from engine.domain.dossier import Dossier
from engine.domain.errors import ForbiddenError
from engine.domain.ports import UnitOfWork
from engine.domain.search import (
    COUNT_CAP,
    MAX_QUERY,
    Query,
    SearchAudit,
    SearchCriteria,
    classify,
    near_due_horizon,
    near_due_ids,
)
from engine.domain.timeliness import Timeliness
from engine.services.access import supervised_centres


@dataclass(frozen=True)
class SearchPage:
    items: list[Dossier]
    total: int
    """How many dossiers the whole result holds, if `exact`; else more than that (counted `COUNT_CAP` past the
    page's end)."""
    query: Query | None
    exact: bool = True


def find(uow: UnitOfWork, *, actor: Actor, calendar: WorkingCalendar, clock: Callable[[], datetime],
         text: str | None, criteria: SearchCriteria, limit: int, offset: int) -> SearchPage:
    """The dossiers the actor may read (as `GET /dossiers` always scoped them: those their unit is involved in;
    a supervisor's, those received in their province) that match `text` and `criteria`. A search by name, ID
    number or phone writes an audit row (who, unit, when, kind, text, how many found) in the same transaction."""
    query, now = (classify(text) if text else None), clock()
    with uow:
        centres = supervised_centres(uow, actor)
        criteria = _near_due_known(uow, replace(criteria, query=query, now=now), actor.unit_id, centres, calendar)
        up_to = offset + limit + COUNT_CAP
        items, total = uow.dossiers.list(unit_id=actor.unit_id, received_at_any=centres, criteria=criteria,
                                         limit=limit, offset=offset, count_up_to=up_to)
        if query is not None and query.kind.personal:
            assert text is not None
            uow.search_audit.add(SearchAudit(user_id=actor.user_id, unit_id=actor.unit_id, at=now, kind=query.kind,
                                             text=text.strip()[:MAX_QUERY], found=total))
            uow.commit()
        return SearchPage(items, min(total, up_to), query, exact=total <= up_to)


def _near_due_known(uow: UnitOfWork, criteria: SearchCriteria, unit_id: str, centres: list[str] | None,
                    calendar: WorkingCalendar) -> SearchCriteria:
    """With the ids of the open dossiers in scope that are near due, when the filter needs them: near due is the
    last quarter of a dossier's own time (engine/domain/timeliness.py), which takes the calendar, not SQL."""
    if criteria.timeliness not in (Timeliness.NEAR_DUE, Timeliness.IN_TIME) or criteria.now is None:
        return criteria
    now = criteria.now
    candidates = uow.dossiers.open_deadlines(unit_id=unit_id, received_at_any=centres, now=now,
                                             before=near_due_horizon(now, calendar))
    return replace(criteria, near_due=near_due_ids(candidates, now, calendar))


def audit(uow: UnitOfWork, *, actor: Actor, limit: int, offset: int) -> tuple[list[SearchAudit], int]:
    """The searches of personal data made by the officers of the admin's province, newest first.

    Raises:
        ForbiddenError: the actor is not an admin at a province.
    """
    with uow:
        province = uow.units.get(actor.unit_id)
        if province is None or province.province_id is not None:
            raise ForbiddenError("the search audit is read by a province's admins", code="role_required",
                                 role=Role.ADMIN.value)
        actor.require(Role.ADMIN.value, province.id)
        units = [u.id for u in uow.units.list(province_id=province.id)]
        return uow.search_audit.page(unit_ids=units, limit=limit, offset=offset)
