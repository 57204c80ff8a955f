"""An officer's named filter of one of their lists (the inbox, the dossiers), kept as the list's query string.

Pure: what a saved filter may hold is checked here, so a stored one always opens a list the pages understand.
Only filter parameters are kept: paging is dropped, a search text (`q`, which may be a citizen's name, ID number
or phone) is refused, so no personal data is stored in a filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode

from engine.domain.errors import FieldError, ValidationFailedError

MAX_NAME = 60
MAX_QUERY = 500
MAX_PER_LIST = 30
"""Saved filters an officer may keep per list: a menu, not a store."""


class FilteredList(StrEnum):
    INBOX = "inbox"
    DOSSIERS = "dossiers"


FILTER_PARAMETERS = {
    FilteredList.INBOX: frozenset({"status", "procedure", "urgency", "sort", "held"}),
    FilteredList.DOSSIERS: frozenset({"procedure", "status", "received_from", "received_to", "timeliness", "channel",
                                      "sort"}),
}
"""The query parameters each list reads as filters (api/schemas/tasks.TaskQuery, api/schemas/dossiers.DossierQuery)."""
PAGING = frozenset({"offset", "limit"})


@dataclass
class SavedFilter:
    user_id: int
    page: FilteredList
    name: str
    query: str
    """The list's query string without paging, e.g. `status=ready&urgency=urgent`."""
    created_at: datetime
    id: int | None = None


def checked(page: str, name: str, query: str) -> tuple[FilteredList, str, str]:
    """The list, the name (trimmed) and the query (normalised: no leading `?`, no paging, no empty values)
    of a filter to save; ValidationFailedError with a pointer per field that is wrong."""
    errors: list[FieldError] = []
    lists = {item.value: item for item in FilteredList}
    if page not in lists:
        errors.append(FieldError("/page", f"must be one of {', '.join(lists)}", "enum"))
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        errors.append(FieldError("/name", f"must be 1 to {MAX_NAME} characters", "maxLength" if name else "minLength"))
    pairs = [(key, value) for key, value in parse_qsl(query.removeprefix("?"), keep_blank_values=True)
             if key not in PAGING and value.strip()]
    normal = urlencode(pairs)
    known = FILTER_PARAMETERS[lists[page]] if page in lists else frozenset({key for key, _ in pairs})
    unknown = sorted({key for key, _ in pairs} - known)
    if unknown:
        errors.append(FieldError("/query", f"holds parameters that are not filters of this list: "
                                           f"{', '.join(unknown)[:100]}", "additionalProperties"))
    elif len(normal) > MAX_QUERY:
        errors.append(FieldError("/query", f"must be at most {MAX_QUERY} characters", "maxLength"))
    if errors:
        raise ValidationFailedError("the saved filter is not valid", errors)
    return lists[page], name, normal
