"""The citizen, on a phone, looks up a dossier that waits for them and reads what to do: the documents to bring,
in Vietnamese and in English (issue 22). Screenshots go to build/e2e/."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.conftest import PHU_XUAN, VY_DA, birth_application
from tests.e2e.conftest import PASSWORD

ITEMS = [{"name": "Giấy chứng sinh", "form": "certified_copy", "copies": 2}]


def _post(server: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(f"{server}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:  # the test server on localhost
        return json.loads(response.read())  # type: ignore[no-any-return]


def _token(server: str, username: str) -> str:
    return str(_post(server, "/auth/token", {"username": username, "password": PASSWORD})["access_token"])


def test_the_citizen_reads_which_documents_to_bring(server: str, browser: Any, shots: Any) -> None:
    receipt = _post(server, "/dossiers", {"procedure_code": "1.001193", "application": birth_application(VY_DA)},
                    _token(server, f"reception.{PHU_XUAN}"))
    _post(server, f"/dossiers/{receipt['code']}/supplement-request", {"reasons": "Thiếu giấy tờ", "items": ITEMS},
          _token(server, f"specialist.{VY_DA}"))
    phone = browser.new_page(viewport={"width": 390, "height": 844})

    phone.goto(f"{server}/?code={receipt['code']}&secret={receipt['secret']}")
    todo = phone.locator("#todo")
    expect(todo).to_contain_text("Việc ông/bà cần làm")
    expect(todo).to_contain_text("Giấy chứng sinh (bản sao chứng thực, số lượng: 2 bản)")
    shots(phone, "todo-vi")

    phone.goto(f"{server}/lang/en?next=/")  # the header's switch sets the `lang` cookie
    phone.goto(f"{server}/?code={receipt['code']}&secret={receipt['secret']}")
    expect(todo).to_contain_text("What you need to do")
    expect(todo).to_contain_text("Giấy chứng sinh (certified copy, copies: 2)")
    shots(phone, "todo-en")
    phone.close()
