"""The officers' pages × every role × own/other unit, signed in through the sign-in page. The commands the
pages send (complete a step, lifecycle actions, receive) call the same services as the API, whose matrix
(test_authorization_matrix.py) covers them; here each page must answer exactly as the table says.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.services import users
from tests.api.helpers import received, sign_in, sign_in_page
from tests.api.test_authorization_matrix import ACCOUNTS, COLUMNS, HANOI
from tests.conftest import PASSWORD, PHU_XUAN

BIRTH = "1.001193"
#                                            anon rec  rec~ spec spec~ lead lead~ sup  sup~ adm  adm~
EXPECTED = {
    "/counter":                             "302  200  200  403  403   403  403   403  403  403  403",
    f"/counter/{BIRTH}":                    "302  200  200  403  403   403  403   403  403  403  403",
    "/inbox":                               "302  200  200  200  200   200  200   200  200  200  200",
    "/dossiers":                            "302  200+ 200- 200+ 200-  200+ 200-  200+ 200- 200- 200-",
    "/dossiers/{code}":                     "302  200  403  200  403   200  403   200  403  403  403",
    f"/stats?unit={PHU_XUAN}":              "302  200  403  403  403   403  403   200  403  200  403",
    "/admin/procedures":                    "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/diagram":   "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/forms":     "302  403  403  403  403   403  403   403  403  200  200",
}  # fmt: skip


@pytest.fixture
def code(app: Any, client: Any) -> str:
    for role in ("supervisor", "admin"):
        users.create(app.extensions["onestop"].uow(), username=f"{role}.{HANOI}", password=PASSWORD,
                     display_name=role, unit_id=HANOI, roles=[role])
    return str(received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"])


def _answer(app: Any, column: str, path: str, code: str) -> str:
    browser = app.test_client()
    if ACCOUNTS[column]:
        sign_in_page(browser, str(ACCOUNTS[column]))
    response = browser.get(path.format(code=code))
    answer = str(response.status_code)
    if path == "/dossiers" and response.status_code == 200:
        answer += "+" if code in response.get_data(as_text=True) else "-"
    return answer


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_page_answers_each_role_and_unit_as_the_table_says(app: Any, code: str, path: str) -> None:
    answers = {column: _answer(app, column, path, code) for column in COLUMNS}

    assert answers == dict(zip(COLUMNS, EXPECTED[path].split(), strict=True))
