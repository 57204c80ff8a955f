"""POST /dossiers with `documents_brought`: a dossier is accepted only with every required document of the
procedure (birth registration: 0 the declaration and 1 the birth notice are required, 2 an authorisation is
not), else it is not received (422: the applicant is guided to complete it instead); the service sets the
reception form's `documents_checked` from them, the same rule as the counter page's checklist."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from engine.domain import json_codec
from engine.services.dossiers import Reception
from engine.workflow import WorkflowInstance
from tests.api.helpers import API, csrf_of, receive, received, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA, birth_application


def reception_data(client: Any, code: str) -> dict[str, Any]:
    """The reception step's form as the stored workflow holds it (the API shows no step's data)."""
    w = client.application.extensions["onestop"]
    with w.uow() as uow:
        dossier = uow.dossiers.get(code)
        procedure = w.catalogue.version(uow.procedures, dossier.procedure_version_id)
    data = WorkflowInstance.restore(w.catalogue.spec(procedure), dossier.workflow_state).data
    return {name: data[name] for name in ("documents_checked", "note") if name in data}


@pytest.mark.parametrize("brought", [[0, 1], [1, 0, 2]])
def test_documents_checked_is_true_when_every_required_document_was_brought(client: Any, brought: list[int]) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")

    receipt = received(client, headers, documents_brought=brought, reception={"documents_checked": False,
                                                                              "note": "Đã kiểm tra"})

    assert reception_data(client, receipt["code"]) == {"documents_checked": True, "note": "Đã kiểm tra"}


@pytest.mark.parametrize(("brought", "missing"), [
    ([0, 2], ["Giấy chứng sinh"]), ([], ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"])])
def test_a_dossier_missing_a_required_document_is_not_received(client: Any, brought: list[int],
                                                               missing: list[str]) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")

    response = receive(client, headers, documents_brought=brought, reception={"documents_checked": True})

    assert response.status_code == 422
    assert [(e["pointer"], e["detail"]) for e in response.get_json()["errors"]] == [
        ("/documents_brought", f"misses the required document '{name}'") for name in missing]
    assert client.get(f"{API}/dossiers", headers=headers).get_json()["total"] == 0
    assert received(client, headers)["code"].endswith("-0001")  # no number of the received sequence was taken


def test_without_documents_brought_the_reception_form_stays_as_sent(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")

    sent = received(client, headers, reception={"documents_checked": True})
    empty = received(client, headers, documents_brought=None)

    assert reception_data(client, sent["code"]) == {"documents_checked": True}
    assert reception_data(client, empty["code"]) == {}


def test_a_document_outside_the_procedures_list_is_a_problem_naming_it(client: Any) -> None:
    headers = sign_in(client, f"reception.{PHU_XUAN}")

    response = receive(client, headers, documents_brought=[0, 3, 1, -1])

    assert response.status_code == 422
    problem = response.get_json()
    assert [e["pointer"] for e in problem["errors"]] == ["/documents_brought/1", "/documents_brought/3"]
    assert "from 0 to 2" in problem["errors"][0]["detail"]
    assert client.get(f"{API}/dossiers", headers=headers).get_json()["total"] == 0


def test_a_reception_without_documents_brought_digests_as_before_the_field() -> None:
    """Retries of dossiers received earlier compare with digests stored without the field."""
    reception = Reception(procedure_code="1.001193", application={"a": 1}, idempotency_key="k")
    before = {"procedure_code": "1.001193", "application": {"a": 1}, "return_unit_id": None,
              "channel": "in_person", "return_method": "counter", "reception": {}, "digitised_documents": []}

    assert reception.digest() == hashlib.sha256(json_codec.canonical(before)).hexdigest()
    assert Reception(procedure_code="1.001193", application={"a": 1}, documents_brought=[]).digest() \
        != reception.digest()


@pytest.mark.parametrize(("ticked", "accepted"), [(["0", "1"], True), (["0", "2"], False)])
def test_the_counter_pages_checklist_goes_through_the_same_rule(client: Any, ticked: list[str], accepted: bool) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    form = _flat(birth_application(VY_DA)) | {"csrf_token": csrf_of(client), "document": ticked}

    sent = client.post("/counter/1.001193", data=form)

    if not accepted:  # the form comes back with the problem; nothing is received
        assert sent.status_code == 422
        assert client.get(f"{API}/dossiers", headers=sign_in(client, f"reception.{PHU_XUAN}")).get_json()["total"] == 0
        return
    assert sent.status_code == 302, sent.get_data(as_text=True)
    code = sent.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    assert reception_data(client, code)["documents_checked"] is True


def _flat(values: dict[str, Any], prefix: str = "/application") -> dict[str, str]:
    """An application as the counter page's inputs, named by JSON pointer."""
    form: dict[str, str] = {}
    for name, value in values.items():
        form |= _flat(value, f"{prefix}/{name}") if isinstance(value, dict) else {f"{prefix}/{name}": str(value)}
    return form
