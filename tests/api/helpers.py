"""Small request helpers for the API tests: sign in, receive a dossier, find and complete tasks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from engine.domain.calendar import VN_TZ
from tests.conftest import PASSWORD, VY_DA, birth_application, scenario

API = "/api/v1"


def sign_in(client: Any, username: str) -> dict[str, str]:
    """Bearer headers for a demo account."""
    response = client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def csrf_of(client: Any, path: str = "/login") -> str:
    """The CSRF token of the form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in_page(client: Any, username: str) -> None:
    """Sign a browser (test client) in through the sign-in page, keeping the session cookie."""
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": csrf_of(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def local(*parts: int) -> datetime:
    """An aware UTC datetime from a Vietnamese wall-clock time (year, month, day, hour, minute)."""
    return datetime(*parts, tzinfo=VN_TZ).astimezone(UTC)  # type: ignore[misc]


def step_data(step: str) -> dict[str, Any]:
    """The form data the straight scenario submits for `step`."""
    return next(s["data"] for s in scenario()["steps"] if s["task"] == step)


def receive(client: Any, headers: dict[str, str], application: dict[str, Any] | None = None, *,
            key: str | None = None, **extra: Any) -> Any:
    """POST /dossiers for birth registration (a family living in Vỹ Dạ unless `application` says otherwise)."""
    body = {"procedure_code": "1.001193", "application": application or birth_application(VY_DA), **extra}
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(f"{API}/dossiers", json=body, headers=headers)


def received(client: Any, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Receive a dossier and return the receipt, asserting it was created."""
    response = receive(client, headers, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def inbox(client: Any, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/tasks", query_string={"limit": 100, **query}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]  # type: ignore[no-any-return]


def task_of(client: Any, headers: dict[str, str], code: str, step: str) -> dict[str, Any] | None:
    """The ready task `step` of dossier `code` in the caller's inbox, or None."""
    return next((t for t in inbox(client, headers) if t["dossier_code"] == code and t["step"] == step), None)


def complete(client: Any, headers: dict[str, str], task_id: str, data: dict[str, Any]) -> Any:
    return client.post(f"{API}/tasks/{task_id}/complete", json={"data": data}, headers=headers)


def drive_to_result(client: Any, code: str, competent: str = VY_DA) -> dict[str, Any]:
    """Review by the competent unit's specialist, signature by its leader; returns the dossier after signing."""
    dossier: dict[str, Any] = {}
    for role, step in (("specialist", "review"), ("leader", "sign")):
        headers = sign_in(client, f"{role}.{competent}")
        task = task_of(client, headers, code, step)
        assert task is not None, f"{step} of {code} is not in {role}.{competent}'s inbox"
        response = complete(client, headers, task["id"], step_data(step))
        assert response.status_code == 200, response.get_json()
        dossier = response.get_json()
    return dossier


def return_result(client: Any, headers: dict[str, str], code: str, collected_by: str = "Nguyễn Văn An") -> Any:
    return client.post(f"{API}/dossiers/{code}/return", json={"data": {"collected_by": collected_by}},
                       headers=headers)


def scan_pdf(text: str = "scan") -> bytes:
    """A small real PDF (one blank page; `text` in its metadata makes each one's bytes, and digest, its own)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stage(client: Any, headers: dict[str, str], content: bytes, name: str = "scan.pdf") -> dict[str, Any]:
    """Upload a file to attach it later (POST /files), asserting it was staged."""
    import io

    response = client.post(f"{API}/files", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), name)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def scans(client: Any, headers: dict[str, str], documents: list[int]) -> list[dict[str, int]]:
    """A reception's `files`: one staged PDF for each of these document positions."""
    return [{"file_id": stage(client, headers, scan_pdf(f"document {d}"))["id"], "document": d} for d in documents]
