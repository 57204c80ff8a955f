"""The scans the portal hands in with a submission, read by the deciding counter through the API before it
decides; the supervisors who read the queue never open them."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.api.helpers import API, scan_pdf, sign_in, stage
from tests.conftest import PHU_XUAN, VY_DA, birth_application

INTAKE = f"{API}/intake/submissions"


def test_the_counter_lists_and_opens_the_files_handed_in_and_a_supervisor_cannot(client: Any) -> None:
    portal, counter = sign_in(client, "portal.46"), sign_in(client, f"reception.{PHU_XUAN}")
    content = scan_pdf("giấy chứng sinh trực tuyến")
    scan = stage(client, portal, content)
    submission = client.post(INTAKE, headers=portal, json={
        "reference": "G22.46-251205-0077", "centre_id": PHU_XUAN, "procedure_code": "1.001193",
        "application": birth_application(VY_DA), "files": [{"file_id": scan["id"], "document": 1}],
        "components": [{"name": "Giấy chứng sinh", "form": "electronic", "document": 1}]}).get_json()

    listed = client.get(f"{INTAKE}/{submission['id']}/files", headers=counter)
    opened = client.get(f"{INTAKE}/{submission['id']}/files/{scan['id']}", headers=counter, buffered=True)
    supervisor = sign_in(client, "supervisor.46")

    assert listed.status_code == 200
    assert [(f["id"], f["document"], f["source"], f["digest"]) for f in listed.get_json()] == [
        (scan["id"], 1, "online", hashlib.sha256(content).hexdigest())]
    assert (opened.status_code, opened.mimetype, opened.data) == (200, "application/pdf", content)
    assert client.get(f"{INTAKE}/{submission['id']}/files", headers=supervisor).status_code == 403
    assert client.get(f"{INTAKE}/{submission['id']}/files/{scan['id'] + 1000}", headers=counter).status_code == 404
