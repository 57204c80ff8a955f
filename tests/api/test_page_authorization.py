"""The officers' pages × every role × own/other unit, signed in through the sign-in page. The commands the
pages send (complete a step, lifecycle actions, receive) call the same services as the API, whose matrix
(test_authorization_matrix.py) covers them; here each page must answer exactly as the table says.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.services import users
from tests.api.helpers import API, received, sign_in, sign_in_page
from tests.api.test_authorization_matrix import ACCOUNTS, COLUMNS, HANOI
from tests.conftest import PASSWORD, PHU_XUAN, VY_DA, birth_application

BIRTH = "1.001193"
#                                            anon rec  rec~ spec spec~ lead lead~ sup  sup~ adm  adm~
EXPECTED = {
    "/counter":                             "302  200  200  403  403   403  403   403  403  403  403",
    f"/counter/{BIRTH}":                    "302  200  200  403  403   403  403   403  403  403  403",
    "/intake":                              "302  200+ 200- 403  403   403  403   403  403  403  403",
    "/intake/{submission}":                 "302  200  403  403  403   403  403   200  403  403  403",
    "/inbox":                               "302  200  200  200  200   200  200   200  200  200  200",
    "/dossiers":                            "302  200+ 200- 200+ 200-  200+ 200-  200+ 200- 200- 200-",
    "/dossiers/{code}":                     "302  200  403  200  403   200  403   200  403  403  403",
    f"/stats?unit={PHU_XUAN}":              "302  200  403  403  403   403  403   200  403  200  403",
    "/admin/procedures":                    "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/diagram":   "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/forms":     "302  403  403  403  403   403  403   403  403  200  200",
}  # fmt: skip


@pytest.fixture
def ids(app: Any, client: Any) -> dict[str, str]:
    """A dossier received at Phú Xuân and an online submission waiting in its queue."""
    for role in ("supervisor", "admin"):
        users.create(app.extensions["onestop"].uow(), username=f"{role}.{HANOI}", password=PASSWORD,
                     display_name=role, unit_id=HANOI, roles=[role])
    submitted = client.post(f"{API}/intake/submissions", headers=sign_in(client, "portal.46"), json={
        "reference": "G22.PAGES", "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "application": birth_application(VY_DA)})
    assert submitted.status_code == 201, submitted.get_json()
    return {"code": str(received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]),
            "submission": str(submitted.get_json()["id"])}


def _answer(app: Any, column: str, path: str, ids: dict[str, str]) -> str:
    browser = app.test_client()
    if ACCOUNTS[column]:
        sign_in_page(browser, str(ACCOUNTS[column]))
    response = browser.get(path.format(**ids))
    answer = str(response.status_code)
    listed = {"/dossiers": ids["code"], "/intake": "G22.PAGES"}
    if path in listed and response.status_code == 200:
        answer += "+" if listed[path] in response.get_data(as_text=True) else "-"
    return answer


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_page_answers_each_role_and_unit_as_the_table_says(app: Any, ids: dict[str, str], path: str) -> None:
    answers = {column: _answer(app, column, path, ids) for column in COLUMNS}

    assert answers == dict(zip(COLUMNS, EXPECTED[path].split(), strict=True))
