"""How many database sessions the counter's reception page opens: the form in one; a reception in three
(the procedure and the nearby centres, whose names the form's commune pickers read, then the service's read
and its short write); a form sent back with errors in two (issue 22: the centres come with the procedure);
a guidance in three (the procedure, then the
service's checks and its write of the submission decided at once). Before issue 18: three, three and four.
The token check of each request reads through the look-up factory, counted apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.helpers import csrf_of, sign_in_page
from tests.api.test_documents_brought import _flat
from tests.conftest import PHU_XUAN, VY_DA, birth_application


@pytest.fixture
def sessions(client: Any) -> dict[str, int]:
    """Sessions opened since the last reset, by factory (`uow` for units of work, `lookup` for look-ups)."""
    w = client.application.extensions["onestop"]
    counts = {"uow": 0, "lookup": 0}

    def counting(name: str, factory: Callable[[], Any]) -> Callable[[], Any]:
        def opened() -> Any:
            counts[name] += 1
            return factory()
        return opened

    w.session_factory = counting("uow", w.session_factory)
    w.lookup_session_factory = counting("lookup", w.lookup_session_factory)
    return counts


def test_the_counter_opens_as_few_sessions_as_it_needs(client: Any, sessions: dict[str, int]) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    form = _flat(birth_application(VY_DA)) | {"csrf_token": csrf_of(client), "document": ["0", "1"]}
    opened = {}
    for name, send in {
        "form": lambda: client.get("/counter/1.001193"),
        "received": lambda: client.post("/counter/1.001193", data=form),
        "errors": lambda: client.post("/counter/1.001193", data=form | {"/application/mother/id_number": "12AB"}),
        "guided": lambda: client.post("/counter/1.001193", data=form | {
            "decision": "guide", "idempotency_key": "guide-1", "reasons": "Thiếu giấy tờ.",
            "items": "Giấy chứng sinh"}),
    }.items():
        sessions.update(uow=0, lookup=0)
        response = send()
        opened[name] = (response.status_code, dict(sessions))

    assert opened == {"form": (200, {"uow": 1, "lookup": 1}), "received": (302, {"uow": 3, "lookup": 1}),
                      "errors": (422, {"uow": 2, "lookup": 1}), "guided": (302, {"uow": 3, "lookup": 1})}
