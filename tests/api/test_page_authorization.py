"""The officers' pages × every role × own/other unit, signed in through the sign-in page. The commands the
pages send (complete a step, lifecycle actions, receive) call the same services as the API, whose matrix
(test_authorization_matrix.py) covers them; here each page must answer exactly as the table says.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfWriter

from engine.services import users
from tests.api.helpers import API, received, sign_in, sign_in_page
from tests.api.test_authorization_matrix import ACCOUNTS, COLUMNS, HANOI
from tests.conftest import PASSWORD, PHU_XUAN, VY_DA, Clock, birth_application

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
    # The search box (issue 22): a code in the officer's scope opens the dossier (302), elsewhere it is not found;
    # a name lists only the dossiers the officer may read.
    "/dossiers?q={code}":                   "302  302  200  302  200   302  200   302  200  200  200",
    "/dossiers?q=nguyen van an":            "302  200+ 200- 200+ 200-  200+ 200-  200+ 200- 200- 200-",
    f"/stats?unit={PHU_XUAN}":              "302  200  403  403  403   403  403   200  403  200  403",
    f"/stats/report?unit={PHU_XUAN}":       "302  200  403  403  403   403  403   200  403  200  403",
    f"/stats/dossiers?unit={PHU_XUAN}":     "302  200+ 403  403  403   403  403   200+ 403  403  403",
    "/admin/procedures":                    "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/diagram":   "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/forms":     "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/decisions": "302  403  403  403  403   403  403   403  403  200  200",
    "/admin/procedures/new":                "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/diff?from=1&to=1": "302 403 403 403 403  403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/diff?draft=1": "302  403  403  403  403  403  403   403  403  200  200",
    "/admin/procedures/catalogue":          "302  403  403  403  403   403  403   403  403  200  200",
    f"/admin/procedures/{BIRTH}/migrations": "302 403  403  403  403   403  403   403  403  200  200",
    "/verify":                              "200  200  200  200  200   200  200   200  200  200  200",
    # Issue 23: the outbox's page is any admin's; Prometheus scrapes /metrics without a session (counts only).
    "/admin/outbox":                        "302  403  403  403  403   403  403   403  403  200  200",
    "/metrics":                             "200  200  200  200  200   200  200   200  200  200  200",
}  # fmt: skip
# A dossier's files open for the officers of the units involved, a submission's for its centre's counter; never
# for a supervisor (who reads both pages without them).
FILE_EXPECTED = {
    "/dossiers/{code}/files/{file}":        "302  200  403  200  403   200  403   403  403  403  403",
    "/intake/{submission}/files/{submission_file}":
                                            "302  200  403  403  403   403  403   403  403  403  403",
}  # fmt: skip


@pytest.fixture
def ids(app: Any, client: Any, clock: Clock) -> dict[str, str]:
    """A dossier received at Phú Xuân (a minute ago: the figures judge the dossiers as they stood just before
    now) and an online submission waiting in its queue."""
    for role in ("supervisor", "admin"):
        users.create(app.extensions["onestop"].uow(), username=f"{role}.{HANOI}", password=PASSWORD,
                     display_name=role, unit_id=HANOI, roles=[role])
    submitted = client.post(f"{API}/intake/submissions", headers=sign_in(client, "portal.46"), json={
        "reference": "G22.PAGES", "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "application": birth_application(VY_DA)})
    assert submitted.status_code == 201, submitted.get_json()
    code = str(received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"])
    clock.now += timedelta(minutes=1)
    return {"code": code, "submission": str(submitted.get_json()["id"])}


@pytest.fixture
def file_ids(ids: dict[str, str], client: Any) -> dict[str, str]:
    """The same, each with a file: the dossier's scanned at the counter, the submission's sent by the portal."""
    made = {}
    for username, key in ((f"reception.{PHU_XUAN}", "file"), ("portal.46", "submission_file")):
        writer, pdf = PdfWriter(), io.BytesIO()
        writer.add_blank_page(width=100, height=100)
        writer.write(pdf)
        pdf.seek(0)
        staged = client.post(f"{API}/files", headers=sign_in(client, username), data={"file": (pdf, "scan.pdf")})
        assert staged.status_code == 201, staged.get_json()
        made[key] = staged.get_json()["id"]
    receipt = received(client, sign_in(client, f"reception.{PHU_XUAN}"),
                       files=[{"file_id": made["file"], "document": 0}])
    submitted = client.post(f"{API}/intake/submissions", headers=sign_in(client, "portal.46"), json={
        "reference": "G22.PAGE-FILES", "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "application": birth_application(VY_DA), "files": [{"file_id": made["submission_file"], "document": 0}]})
    assert submitted.status_code == 201, submitted.get_json()
    return {**ids, "code": str(receipt["code"]), "file": str(made["file"]),
            "submission": str(submitted.get_json()["id"]), "submission_file": str(made["submission_file"])}


def _answer(app: Any, column: str, path: str, ids: dict[str, str]) -> str:
    browser = app.test_client()
    if ACCOUNTS[column]:
        sign_in_page(browser, str(ACCOUNTS[column]))
    response = browser.get(path.format(**ids), buffered=True)
    answer = str(response.status_code)
    listed = {"/dossiers": ids["code"], "/intake": "G22.PAGES", f"/stats/dossiers?unit={PHU_XUAN}": ids["code"],
              "/dossiers?q=nguyen van an": ids["code"]}
    if path in listed and response.status_code == 200:
        answer += "+" if listed[path] in response.get_data(as_text=True) else "-"
    return answer


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_page_answers_each_role_and_unit_as_the_table_says(app: Any, ids: dict[str, str], path: str) -> None:
    answers = {column: _answer(app, column, path, ids) for column in COLUMNS}

    assert answers == dict(zip(COLUMNS, EXPECTED[path].split(), strict=True))


@pytest.mark.parametrize("path", list(FILE_EXPECTED))
def test_each_file_answers_each_role_and_unit_as_the_table_says(app: Any, file_ids: dict[str, str],
                                                                 path: str) -> None:
    answers = {column: _answer(app, column, path, file_ids) for column in COLUMNS}

    assert answers == dict(zip(COLUMNS, FILE_EXPECTED[path].split(), strict=True))
