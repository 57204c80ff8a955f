"""Hostile procedures from an admin, through the API (issue 17): scripts that freeze or exhaust a worker in
C code, scripts that leave values the state cannot store, unbounded loops and very long procedures. Each
is refused at validation when the BPMN shows it, and otherwise fails its command with a 422 problem that
says why, storing nothing, while the server goes on receiving."""

from __future__ import annotations

import http.server
import re
import threading
from dataclasses import replace
from datetime import UTC, datetime
from time import monotonic
from typing import Any, ClassVar

import pytest

from tests.api.helpers import API, received, sign_in
from tests.conftest import PHU_XUAN, birth_application
from tests.unit.workflow.test_loops import _chain

MODELS = f"{API}/process-models"
BIRTH = "1.001193"
APPLICATION = "birth_registration/application"
FIRST_FLOW = '<bpmn:sequenceFlow id="Flow_start_receive" sourceRef="start" targetRef="receive" />'
RECEIVE_FLOW = '<bpmn:sequenceFlow id="Flow_receive_review" sourceRef="receive" targetRef="review" />'


def _birth_bpmn(client: Any, admin: dict[str, str]) -> str:
    return str(client.get(f"{MODELS}/{BIRTH}", headers=admin).get_json()["bpmn"])


def _with_script(bpmn: str, script: str) -> str:
    """A script task between the reception step and the review: it runs when the dossier is received."""
    return bpmn.replace(RECEIVE_FLOW, '<bpmn:sequenceFlow id="Flow_receive_review" sourceRef="receive" '
                        f'targetRef="hostile" /><bpmn:scriptTask id="hostile"><bpmn:script>{script}</bpmn:script>'
                        '</bpmn:scriptTask><bpmn:sequenceFlow id="Flow_hostile_review" sourceRef="hostile" '
                        'targetRef="review" />')


def _publish(client: Any, admin: dict[str, str], bpmn: str) -> None:
    response = client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": bpmn}, headers=admin)
    assert response.status_code == 201, response.get_json()


def _dossier_count(app: Any) -> int:
    with app.extensions["onestop"].uow() as uow:
        return int(uow.dossiers.list(unit_id=PHU_XUAN, received_at_any=None, status=None, limit=1, offset=0)[1])


HOSTILE = {
    "cpu_in_c": ("frozen = [[0] * 10**6] * 10**6 == [[0] * 10**6] * 10**6", "ran longer than 1 s"),
    "memory_in_c": ("s = str([[0] * 10**6] * 10**6)", "longer than 1 s|memory"),
    # 2.4 GB of tuples: the memory limit stops it, or on a busy machine the CPU second first.
    "transpose": ("x = len(list(zip(*[[0] * 10**6] * 1000)))", "longer than 1 s|memory"),
    "set_left": ("kept = {1, 2}", "'kept' is a set, which cannot be stored"),
    "timedelta_left": ("kept = timedelta(days=1)", "'kept' is a timedelta"),
    "tuple_keys": ("kept = {(1, 2): 3}", "'kept' has a key that is not text"),
    "huge_int": ("kept = 10**5000", "'kept' is an integer beyond 64 bits"),
    "int_over_64_bits": ("kept = 2**64 + 1", "'kept' is an integer beyond 64 bits"),
    "surrogate": ("kept = '\\ud800'", "unpaired surrogate"),
    "assert_with_a_list": ("assert False, [1]", r"AssertionError:\[1\]"),
}


@pytest.mark.parametrize(("script", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_script_fails_the_reception_with_a_problem_and_stores_nothing(client: Any, app: Any, script: str,
                                                                               reason: str) -> None:
    admin, counter = sign_in(client, "admin.46"), sign_in(client, f"reception.{PHU_XUAN}")
    bpmn = _birth_bpmn(client, admin)
    validated = client.post(f"{MODELS}/{BIRTH}/validate", json={"bpmn": _with_script(bpmn, script)}, headers=admin)
    assert validated.get_json() == {"valid": True, "problems": []}  # only running it shows what it does
    _publish(client, admin, _with_script(bpmn, script))
    before = _dossier_count(app)

    started = monotonic()
    response = client.post(f"{API}/dossiers", headers=counter,
                           json={"procedure_code": BIRTH, "application": birth_application()})
    assert monotonic() - started < 3

    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["title"] == "The process cannot go on"
    assert re.search(reason, problem["detail"]), problem["detail"]
    assert _dossier_count(app) == before
    _publish(client, admin, bpmn)  # the admin takes it back: receptions work at once
    assert received(client, counter)["status"] == "processing"


def test_a_stated_loop_count_over_the_bound_is_refused_at_validation(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    bpmn = _birth_bpmn(client, admin).replace(
        "<bpmn:outgoing>Flow_prepare_sign</bpmn:outgoing>",
        "<bpmn:outgoing>Flow_prepare_sign</bpmn:outgoing><bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:loopCardinality>1000000</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>")
    body = client.post(f"{MODELS}/{BIRTH}/validate", json={"bpmn": bpmn}, headers=admin).get_json()
    assert body["valid"] is False
    problems = [(p["element_id"], p["message"]) for p in body["problems"]]
    assert ("prepare_certificate", "prepare_certificate would run 1000000 times; a loop may run at most 1000 times") \
        in problems
    # The loop now lies between the leader's step and the specialist's it may send back to, which is refused too.
    assert [element for element, _message in problems] == ["prepare_certificate", "sign"]
    assert client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": bpmn}, headers=admin).status_code == 422


def test_a_count_from_the_application_is_stopped_when_received(client: Any, app: Any) -> None:
    admin, counter = sign_in(client, "admin.46"), sign_in(client, f"reception.{PHU_XUAN}")
    bpmn = _with_script(_birth_bpmn(client, admin), "n = 10**6").replace(
        '<bpmn:scriptTask id="hostile">',
        '<bpmn:scriptTask id="hostile"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>n'
        '</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>').replace(
        "<bpmn:script>n = 10**6</bpmn:script>", "<bpmn:script>x = 1</bpmn:script>").replace(
        FIRST_FLOW, FIRST_FLOW.replace('targetRef="receive"', 'targetRef="count"') +
        '<bpmn:scriptTask id="count"><bpmn:script>n = 10**6</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="Flow_count_receive" sourceRef="count" targetRef="receive" />', 1)
    _publish(client, admin, bpmn)
    response = client.post(f"{API}/dossiers", headers=counter,
                           json={"procedure_code": BIRTH, "application": birth_application()})
    assert response.status_code == 422, response.get_json()
    assert "hostile would run more than 1000 times" in response.get_json()["detail"]


def test_a_long_sequential_procedure_validates(client: Any) -> None:
    admin = sign_in(client, "admin.46")
    body = client.post(f"{MODELS}/{BIRTH}/validate", json={"bpmn": _chain(700, "userTask").replace(
        'id="proc"', 'id="birth_registration"')}, headers=admin).get_json()
    # Problems there may be (the lanes a procedure needs), but none from recursion.
    assert not [p for p in body["problems"] if "Recursion" in p["message"] or "recursion" in p["message"]], body


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Listener.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"type": "string"}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Any:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Listener.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _forms_with(latest: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The latest version's forms, the application form changed at its top and with a field `note`."""
    application = dict(latest["forms"][APPLICATION])
    note = changes.pop("note", None)
    application.update(changes)
    if note is not None:
        application["properties"] = {**application["properties"], "note": note}
    return {**latest["forms"], APPLICATION: application}


@pytest.mark.parametrize(("keyword", "pointer"), [("$ref", "/properties/note/$ref"), ("$schema", "/$schema"),
                                                  ("$id", "/$id"), ("pattern", "/properties/note/pattern")])
def test_a_form_pointing_outside_is_refused_and_nothing_is_fetched(client: Any, listener: str, keyword: str,
                                                                   pointer: str) -> None:
    admin = sign_in(client, "admin.46")
    latest = client.get(f"{MODELS}/{BIRTH}", headers=admin).get_json()
    forms = {"$ref": lambda: _forms_with(latest, note={"$ref": f"{listener}/x.json"}),
             "$schema": lambda: _forms_with(latest, **{"$schema": f"{listener}/meta.json"}),
             "$id": lambda: _forms_with(latest, **{"$id": f"{listener}/", "properties": {
                 **latest["forms"][APPLICATION]["properties"], "note": {"$ref": "x.json"}}}),
             "pattern": lambda: _forms_with(latest, note={"type": "string", "pattern": "(a)\\1"})}[keyword]()
    draft = {"bpmn": latest["bpmn"], "forms": forms}

    validated = client.post(f"{MODELS}/{BIRTH}/validate", json=draft, headers=admin).get_json()
    published = client.post(f"{MODELS}/{BIRTH}/versions", json=draft, headers=admin)

    assert validated["valid"] is False
    assert [p["message"] for p in validated["problems"]
            if p["message"].startswith(f"form '{APPLICATION}' at {pointer}:")], validated
    assert published.status_code == 422
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    assert received(client, counter)["status"] == "processing"  # the published version is unchanged
    assert _Listener.hits == []


def test_a_stored_form_pointing_outside_fails_the_reception_and_fetches_nothing(client: Any, app: Any,
                                                                                listener: str) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    wiring = app.extensions["onestop"]
    with wiring.uow() as uow:
        latest = uow.procedures.get(uow.procedures.latest_id(BIRTH) or 0)
        forms = _forms_with({"forms": latest.forms}, note={"$ref": f"{listener}/x.json"})
        # Straight into the table: no validation, as if stored before forms were checked.
        uow.procedures.add(replace(latest, id=None, version=latest.version + 1, forms=forms, checksum=""),
                           published_at=datetime.now(UTC))
        uow.commit()
    before = _dossier_count(app)

    response = client.post(f"{API}/dossiers", headers=counter, json={
        "procedure_code": BIRTH, "application": {**birth_application(), "note": "x"}})

    assert response.status_code == 422, response.get_json()
    assert [p["message"] for p in response.get_json()["problems"]
            if p["message"].startswith(f"form '{APPLICATION}' at /properties/note/$ref:")], response.get_json()
    assert _dossier_count(app) == before
    assert _Listener.hits == []


def test_a_catastrophic_pattern_in_a_published_form_costs_nothing(client: Any) -> None:
    admin, counter = sign_in(client, "admin.46"), sign_in(client, f"reception.{PHU_XUAN}")
    latest = client.get(f"{MODELS}/{BIRTH}", headers=admin).get_json()
    forms = _forms_with(latest, note={"type": "string", "pattern": "^(a+)+$"},
                        patternProperties={"^(x+)+$": {"type": "string"}})
    assert client.post(f"{MODELS}/{BIRTH}/versions", json={"bpmn": latest["bpmn"], "forms": forms},
                       headers=admin).status_code == 201
    started = monotonic()
    response = client.post(f"{API}/dossiers", headers=counter, json={"procedure_code": BIRTH, "application": {
        **birth_application(), "note": "a" * 5000 + "!", "x" * 5000 + "!": "beyond the form"}})
    assert monotonic() - started < 5  # 25 characters took 5 s on Python's re, doubling with each one more
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/application", "/application/note"]
