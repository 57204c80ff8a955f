"""A request sent again uploads its files again, as new staged files: it is recognised by what the files hold,
not by their staged ids. A reception with its Idempotency-Key, and a portal's submission with its reference,
give the first dossier or submission; other files are other content."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import API, receive, scan_pdf, sign_in, stage
from tests.conftest import PHU_XUAN, VY_DA, birth_application

KEY = "counter-3-ticket-17"
INTAKE = f"{API}/intake/submissions"


def _files(client: Any, headers: dict[str, str], *texts: str) -> list[dict[str, int]]:
    return [{"file_id": stage(client, headers, scan_pdf(text))["id"], "document": n} for n, text in enumerate(texts)]


def test_a_reception_resent_with_the_same_scans_uploaded_again_gets_the_first_dossier(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    first = receive(client, counter, key=KEY, files=_files(client, counter, "tờ khai", "giấy chứng sinh"))
    again = receive(client, counter, key=KEY, files=_files(client, counter, "tờ khai", "giấy chứng sinh"))

    assert (first.status_code, again.status_code) == (201, 200)
    code = first.get_json()["code"]
    assert again.get_json()["code"] == code
    attached = client.get(f"{API}/dossiers/{code}/files", headers=counter).get_json()["files"]
    assert len(attached) == 2  # the resent scans stay staged, to be collected


def test_a_reception_resent_with_another_scan_is_refused_and_attaches_nothing(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    first = receive(client, counter, key=KEY, files=_files(client, counter, "tờ khai", "giấy chứng sinh"))
    other = receive(client, counter, key=KEY, files=_files(client, counter, "tờ khai", "một bản khác"))

    assert (first.status_code, other.status_code) == (201, 422)
    code = first.get_json()["code"]
    assert len(client.get(f"{API}/dossiers/{code}/files", headers=counter).get_json()["files"]) == 2


def test_a_submission_resent_with_its_files_uploaded_again_is_the_same_submission(client: Any) -> None:
    portal = sign_in(client, "portal.46")

    def submit(*texts: str) -> Any:
        return client.post(INTAKE, headers=portal, json={
            "reference": "G22.46-251205-0042", "centre_id": PHU_XUAN, "procedure_code": "1.001193",
            "application": birth_application(VY_DA), "files": _files(client, portal, *texts),
            "components": [{"name": "Tờ khai", "form": "electronic", "document": 0},
                           {"name": "Giấy chứng sinh", "form": "electronic", "document": 1}]})

    first, again, other = submit("tờ khai", "chứng sinh"), submit("tờ khai", "chứng sinh"), submit("tờ khai", "khác")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.get_json()["id"] == first.get_json()["id"]
