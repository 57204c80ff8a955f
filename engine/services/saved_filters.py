"""An officer's saved filters of their lists: list, save (the same name replaces), delete, each one's own only.

What a filter may hold is the domain's rule (engine/domain/saved_filter.py); here, whose it is. Another
officer's filter is answered as if it did not exist (404), so ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engine.domain.actor import Actor, Role
from engine.domain.errors import FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.ports import UnitOfWork
from engine.domain.saved_filter import MAX_PER_LIST, FilteredList, SavedFilter, checked

_OFFICERS = frozenset(role.value for role in Role if role != Role.PORTAL)


def _require_officer(actor: Actor) -> None:
    if not actor.roles & _OFFICERS:
        raise ForbiddenError("saved filters belong to officers' lists")


def of_officer(uow: UnitOfWork, *, actor: Actor, page: FilteredList | None = None) -> list[SavedFilter]:
    """The actor's saved filters, of one list or all, by list and name."""
    _require_officer(actor)
    with uow:
        return uow.saved_filters.of_user(actor.user_id, page.value if page else None)


def save(uow: UnitOfWork, *, actor: Actor, clock: Callable[[], datetime], page: str, name: str,
         query: str) -> SavedFilter:
    """Keep the list's filter under `name`; a filter of the same name on that list is replaced."""
    _require_officer(actor)
    listed, name, query = checked(page, name, query)
    with uow:
        mine = uow.saved_filters.of_user(actor.user_id, listed.value)
        same = next((f for f in mine if f.name == name), None)
        if same is not None:
            same.query, same.created_at = query, clock()
            uow.saved_filters.update(same)
        elif len(mine) >= MAX_PER_LIST:
            raise ValidationFailedError("too many saved filters", [FieldError(
                "/name", f"at most {MAX_PER_LIST} saved filters per list: delete one first", "maxItems")])
        else:
            same = SavedFilter(actor.user_id, listed, name, query, clock())
            uow.saved_filters.add(same)
        uow.commit()
        return same


def delete(uow: UnitOfWork, *, actor: Actor, filter_id: int) -> None:
    _require_officer(actor)
    with uow:
        found = uow.saved_filters.get(filter_id)
        if found is None or found.user_id != actor.user_id:
            raise NotFoundError(f"saved filter {filter_id} does not exist")
        uow.saved_filters.delete(filter_id)
        uow.commit()
