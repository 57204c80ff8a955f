"""The admin's modeler and decision-table pages (/admin/procedures/<code>/diagram, …/decisions): they open the
procedure's draft, so a procedure made from scratch opens before its first version; the page carries what the
properties panel offers and the bundled script; a code with neither draft nor version is a 404."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.api.helpers import API, sign_in, sign_in_page
from tests.api.test_procedure_authoring import NEW


def _choices(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="modeler-choices">(.*?)</script>', page, re.S)
    assert match, "no choices on the page"
    return dict(json.loads(match.group(1)))


def test_a_procedure_never_published_opens_in_the_modeler(client: Any) -> None:
    assert client.post(f"{API}/process-models", json=NEW, headers=sign_in(client, "admin.46")).status_code == 201
    sign_in_page(client, "admin.46")

    diagram = client.get(f"/admin/procedures/{NEW['code']}/diagram")
    decisions = client.get(f"/admin/procedures/{NEW['code']}/decisions")

    assert diagram.status_code == 200 and decisions.status_code == 200
    page = diagram.get_data(as_text=True)
    assert f'data-code="{NEW["code"]}"' in page and "/static/build/modeler.js" in page
    assert "Xác nhận hộ nghèo" in page  # the draft's name: there is no version to take it from
    choices = _choices(page)
    assert choices["roles"] == ["reception", "specialist", "leader"]
    assert {"receiving_centre", "competent_unit", "return_centre", "agency:land_office"} <= set(choices["unit_rules"])
    assert choices["milestones"] == ["processing", "result_ready", "returned"]
    assert choices["pauses"] == ["financial_obligation"]
    assert "/static/build/decisions.js" in decisions.get_data(as_text=True)


def test_a_published_procedure_opens_at_its_version(client: Any) -> None:
    sign_in_page(client, "admin.46")

    page = client.get("/admin/procedures/1.001193/diagram").get_data(as_text=True)

    assert 'v<span id="version">1</span>' in page
    assert "/admin/procedures/1.001193/decisions" in page


def test_an_unknown_procedure_is_not_found(client: Any) -> None:
    sign_in_page(client, "admin.46")

    assert client.get("/admin/procedures/9.999999/diagram").status_code == 404
    assert client.get("/admin/procedures/9.999999/decisions").status_code == 404
