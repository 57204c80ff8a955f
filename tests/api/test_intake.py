"""Online intake through the API (DOMAIN.md §2.2 step 1): the portal's client (`portal.46`) hands a birth
registration in for Phú Xuân's centre; Phú Xuân's counter accepts it (received: code, secret, receipt, the
clock from the acceptance), guides it to complete once (the portal resubmits it), or refuses reception
(never received, no code used). Bad input and other centres' officers change nothing; the public look-up
by reference shows nothing personal."""

from __future__ import annotations

import re
from dataclasses import replace
from json import loads
from typing import Any

import pytest

from api import create_app
from api.settings import ROOT
from engine.services import users
from tests.api.helpers import API, local, sign_in
from tests.conftest import PASSWORD, PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application, make_settings

BIRTH = "1.001193"
INTAKE = f"{API}/intake/submissions"
HANOI_WARD = "00004"  # Phường Ba Đình, Hà Nội
ALL_STAGES = {"stage": ["waiting", "guided", "accepted", "refused"]}
COMPONENTS = [{"name": "Tờ khai đăng ký khai sinh", "form": "electronic", "document": 0},
              {"name": "Giấy chứng sinh", "form": "electronic", "copies": 1, "document": 1}]
GUIDANCE = {"reasons": "Giấy chứng sinh bị mờ, không đọc được số", "items": [
    {"name": "Giấy chứng sinh", "form": "electronic", "copies": 1}]}


def body(reference: str = "G22.46-250714-0001", **extra: Any) -> dict[str, Any]:
    return {"reference": reference, "centre_id": PHU_XUAN, "procedure_code": BIRTH,
            "application": birth_application(VY_DA), "components": COMPONENTS, **extra}


@pytest.fixture
def portal(client: Any) -> dict[str, str]:
    return sign_in(client, "portal.46")


@pytest.fixture
def counter(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


@pytest.fixture
def supervisor(client: Any) -> dict[str, str]:
    return sign_in(client, "supervisor.46")


def submitted(client: Any, portal: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = client.post(INTAKE, json=body(**extra), headers=portal)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def decide(client: Any, headers: dict[str, str], submission_id: int, decision: str, json: Any = None,
           **kwargs: Any) -> Any:
    return client.post(f"{INTAKE}/{submission_id}/{decision}", json={} if json is None else json, headers=headers,
                       **kwargs)


def detail(client: Any, headers: dict[str, str], submission_id: int) -> dict[str, Any]:
    response = client.get(f"{INTAKE}/{submission_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def stored(client: Any, supervisor: dict[str, str], counter: dict[str, str]) -> tuple[int, int]:
    """How many submissions (any stage) and dossiers there are: bad requests must leave both alone."""
    submissions = client.get(INTAKE, query_string=ALL_STAGES, headers=supervisor).get_json()["total"]
    return submissions, client.get(f"{API}/dossiers", headers=counter).get_json()["total"]


def test_an_accepted_submission_is_received_then_and_keeps_when_it_was_handed_in(
        client: Any, clock: Clock, portal: dict[str, str], counter: dict[str, str]) -> None:
    clock.now = local(2025, 7, 14, 14, 0)
    submission = submitted(client, portal, submitted_at="2025-07-14T13:30:00+07:00")
    assert (submission["stage"], submission["status"], submission["national_status"]) == ("waiting", "submitted", 1)
    assert submission["channel"] == "online" and submission["dossier_code"] is None

    clock.now = local(2025, 7, 14, 16, 0)  # after the 15:00 cut-off: the same-day procedure is due tomorrow
    [line] = client.get(INTAKE, headers=counter).get_json()["items"]
    assert line["id"] == submission["id"] and line["applicant_name"] == "Nguyễn Văn An"
    assert (line["waiting_since"], line["waited_minutes"]) == ("2025-07-14T13:30:00+07:00", 150)

    accepted = decide(client, counter, submission["id"], "accept")

    assert accepted.status_code == 201, accepted.get_json()
    receipt = accepted.get_json()
    assert re.fullmatch(f"{PHU_XUAN}-250714-0001", receipt["code"]) and len(receipt["secret"]) == 10
    assert receipt["submitted_at"] == "2025-07-14T13:30:00+07:00"
    assert receipt["received_at"] == "2025-07-14T16:00:00+07:00"
    assert receipt["due_at"] == "2025-07-15T17:00:00+07:00"  # from 13:30 it would have been today 17:00
    assert receipt["channel"] == "online" and receipt["submission_reference"] == submission["reference"]
    after = detail(client, portal, submission["id"])  # the portal passes the receipt on to the applicant
    assert (after["stage"], after["status"], after["national_status"]) == ("accepted", "received", 2)
    assert after["dossier"] == {"code": receipt["code"], "secret": receipt["secret"],
                                "received_at": receipt["received_at"], "due_at": receipt["due_at"]}
    assert after["decided_at"] == receipt["received_at"] and after["dossier_code"] == receipt["code"]
    assert client.get(INTAKE, headers=counter).get_json()["total"] == 0
    assert client.get(INTAKE, query_string={"stage": "accepted"}, headers=counter).get_json()["total"] == 1
    history = client.get(f"{API}/dossiers/{receipt['code']}", headers=counter).get_json()["history"]
    assert [(e["kind"], e["at"]) for e in history[:2]] == [("submitted", receipt["submitted_at"]),
                                                           ("received", receipt["received_at"])]
    assert client.get(f"{API}/dossiers/{receipt['code']}/slips/receipt", headers=counter).status_code == 200
    timeline = client.get(f"{API}/public/dossiers/{receipt['code']}",
                          query_string={"secret": receipt["secret"]}).get_json()["timeline"]
    assert [(s["kind"], s["label"]) for s in timeline[:2]] == [("submitted", "Nộp hồ sơ trực tuyến"),
                                                               ("received", "Tiếp nhận hồ sơ")]


def test_guided_once_then_resubmitted_then_accepted_is_one_submission(
        client: Any, clock: Clock, portal: dict[str, str], counter: dict[str, str]) -> None:
    submission = submitted(client, portal)
    clock.now = local(2025, 7, 14, 9, 30)

    guided = decide(client, counter, submission["id"], "guide", GUIDANCE)

    assert guided.status_code == 200, guided.get_json()
    assert (guided.get_json()["stage"], guided.get_json()["status"]) == ("guided", "submitted")
    seen = detail(client, portal, submission["id"])
    assert seen["guidance"] == {"issued_at": "2025-07-14T09:30:00+07:00", "reasons": GUIDANCE["reasons"],
                                "items": GUIDANCE["items"]}
    public = client.get(f"{API}/public/submissions/{submission['reference']}").get_json()
    assert public["guidance"] == {"issued_at": "2025-07-14T09:30:00+07:00", "items": ["Giấy chứng sinh"]}
    assert GUIDANCE["reasons"] not in str(public)
    for decision, sent in (("guide", GUIDANCE), ("accept", {})):  # it waits for the applicant now
        refused = decide(client, counter, submission["id"], decision, sent)
        assert refused.status_code == 409 and refused.get_json()["current_status"] == "submitted"

    clock.now = local(2025, 7, 14, 10, 0)
    completed = {"application": birth_application(VY_DA), "components": [*COMPONENTS[:1], {
        "name": "Giấy chứng sinh (bản rõ)", "form": "electronic", "document": 1}]}
    resubmitted = decide(client, portal, submission["id"], "resubmit", completed)

    assert resubmitted.status_code == 200, resubmitted.get_json()
    again = resubmitted.get_json()
    assert (again["id"], again["stage"], again["submitted_at"]) == (submission["id"], "waiting",
                                                                    submission["submitted_at"])
    assert again["resubmitted_at"] == "2025-07-14T10:00:00+07:00" == again["waiting_since"]
    assert again["components"][1]["name"] == "Giấy chứng sinh (bản rõ)"
    repeated = decide(client, portal, submission["id"], "resubmit", completed)  # its answer was lost
    assert repeated.status_code == 200 and repeated.get_json()["resubmitted_at"] == again["resubmitted_at"]
    twice = decide(client, counter, submission["id"], "guide", GUIDANCE)
    assert twice.status_code == 409 and "once" in twice.get_json()["detail"]

    clock.now = local(2025, 7, 14, 10, 30)
    receipt = decide(client, counter, submission["id"], "accept")

    assert receipt.status_code == 201, receipt.get_json()
    assert receipt.get_json()["submitted_at"] == submission["submitted_at"]
    assert decide(client, portal, submission["id"], "resubmit", completed).status_code == 409
    code, secret = receipt.get_json()["code"], receipt.get_json()["secret"]
    timeline = client.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret}).get_json()["timeline"]
    assert [s["kind"] for s in timeline[:4]] == ["submitted", "guided", "resubmitted", "received"]
    assert [s["at"] for s in timeline[1:3]] == ["2025-07-14T09:30:00+07:00", "2025-07-14T10:00:00+07:00"]


def test_a_refused_submission_is_never_received_and_takes_no_code(
        client: Any, portal: dict[str, str], counter: dict[str, str], supervisor: dict[str, str]) -> None:
    submission = submitted(client, portal)
    assert decide(client, counter, submission["id"], "refuse", {"reasons": "   "}).status_code == 422

    refused = decide(client, counter, submission["id"], "refuse", {"reasons": "Không thuộc thẩm quyền tiếp nhận"})

    assert refused.status_code == 200, refused.get_json()
    answer = refused.get_json()
    assert (answer["stage"], answer["status"], answer["national_status"]) == ("refused", "refused", 3)
    assert answer["refusal"]["reasons"] == "Không thuộc thẩm quyền tiếp nhận" and answer["dossier_code"] is None
    assert detail(client, portal, submission["id"])["dossier"] is None
    assert stored(client, supervisor, counter) == (1, 0)
    for decision, sent in (("accept", {}), ("refuse", {"reasons": "Lại"}), ("guide", GUIDANCE)):
        late = decide(client, counter, submission["id"], decision, sent)
        assert late.status_code == 409 and late.get_json()["current_status"] == "refused", decision
    public = client.get(f"{API}/public/submissions/{submission['reference']}").get_json()
    assert (public["status"], public["national_status"], public["dossier_code"]) == ("refused", 3, None)
    assert public["status_info"]["label"] == "Không được tiếp nhận"

    next_one = submitted(client, portal, reference="G22.46-250714-0002")
    receipt = decide(client, counter, next_one["id"], "accept").get_json()

    assert receipt["code"] == f"{PHU_XUAN}-250714-0001"  # the refusal used no number


def test_a_required_document_missing_is_a_422_and_nothing_is_received_until_it_is_there(
        client: Any, portal: dict[str, str], counter: dict[str, str], supervisor: dict[str, str]) -> None:
    submission = submitted(client, portal, components=COMPONENTS[:1])  # no birth notice matched

    by_default = decide(client, counter, submission["id"], "accept")
    ticked_one = decide(client, counter, submission["id"], "accept", {"documents_brought": [0, 2]})

    for response in (by_default, ticked_one):
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"] == [{"pointer": "/documents_brought",
                                                  "detail": "misses the required document 'Giấy chứng sinh'"}]
    assert stored(client, supervisor, counter) == (1, 0)
    assert detail(client, counter, submission["id"])["stage"] == "waiting"
    bad_position = decide(client, counter, submission["id"], "accept", {"documents_brought": [0, 1, 7]})
    assert bad_position.status_code == 422 and stored(client, supervisor, counter) == (1, 0)

    accepted = decide(client, counter, submission["id"], "accept", {"documents_brought": [0, 1],
                                                                    "reception": {"documents_checked": True}})

    assert accepted.status_code == 201, accepted.get_json()
    assert stored(client, supervisor, counter) == (1, 1)


def test_the_same_reference_answers_the_first_submission_and_other_content_is_a_409(
        client: Any, clock: Clock, portal: dict[str, str], counter: dict[str, str],
        supervisor: dict[str, str]) -> None:
    first = submitted(client, portal, submitted_at="2025-07-14T08:45:00+07:00")
    clock.now = local(2025, 7, 14, 9, 5)
    reordered = dict(reversed(list(body(submitted_at="2025-07-14T08:45:00+07:00").items())))

    replay = client.post(INTAKE, json=reordered, headers=portal)
    other = client.post(INTAKE, json=body(submitted_at="2025-07-14T08:45:00+07:00",
                                          application=birth_application(THUAN_HOA)), headers=portal)

    assert replay.status_code == 200 and replay.get_json() == {**first, "waited_minutes": 20}
    assert other.status_code == 409 and other.get_json()["current_status"] == "submitted"
    assert "other content" in other.get_json()["detail"]
    assert stored(client, supervisor, counter) == (1, 0)
    assert detail(client, counter, first["id"])["application"] == birth_application(VY_DA)

    receipt = decide(client, counter, first["id"], "accept").get_json()
    after = client.post(INTAKE, json=reordered, headers=portal)
    assert after.status_code == 200 and after.get_json()["dossier_code"] == receipt["code"]


def test_an_acceptance_retried_with_its_idempotency_key_answers_its_receipt(
        client: Any, portal: dict[str, str], counter: dict[str, str], supervisor: dict[str, str]) -> None:
    submission = submitted(client, portal)
    key = {"Idempotency-Key": "accept-1"}

    first = decide(client, {**counter, **key}, submission["id"], "accept")
    retry = decide(client, {**counter, **key}, submission["id"], "accept")
    other_body = decide(client, {**counter, **key}, submission["id"], "accept", {"reception": {"note": "khác"}})
    other_key = decide(client, {**counter, "Idempotency-Key": "accept-2"}, submission["id"], "accept")
    no_key = decide(client, counter, submission["id"], "accept")

    assert first.status_code == 201 and retry.status_code == 201
    assert retry.get_json()["code"] == first.get_json()["code"]
    assert retry.get_json()["secret"] == first.get_json()["secret"]
    assert other_body.status_code == 422  # the key was used for another request
    assert (other_key.status_code, no_key.status_code) == (409, 409)
    assert no_key.get_json()["current_status"] == "received"
    assert stored(client, supervisor, counter) == (1, 1)


def _future(clock: Clock) -> str:
    return clock.now.replace(hour=clock.now.hour + 1).isoformat()


REGISTER_COPY = "2.000908"  # a copy from a civil status register: only at the register's own commune
REGISTER_COPY_AT_VY_DA = loads((ROOT / "processes" / "register_copy" / "scenarios" / "straight.json")
                                    .read_text(encoding="utf-8"))["application"]
BAD = {  # what is sent → (status, the pointers of the problem, when a 422)
    "unknown centre": ({"centre_id": "99999"}, 422, ["/centre_id"]),
    "a police station, not a centre": ({"centre_id": f"{VY_DA}-CA"}, 422, ["/centre_id"]),
    "a centre of another province": ({"centre_id": HANOI_WARD}, 403, None),
    "unknown procedure": ({"procedure_code": "9.999999"}, 404, None),
    "a family of another province": ({"application": birth_application(HANOI_WARD)}, 422,
                                     ["/application/residence/unit_id"]),
    "a procedure only Vỹ Dạ receives": ({"procedure_code": REGISTER_COPY, "application": REGISTER_COPY_AT_VY_DA,
                                        "components": []}, 422, ["/application/register/unit_id"]),
    "the application's fields": ({"application": {**birth_application(VY_DA), "child": {"sex": "x"}}}, 422, [
        f"/application/child/{name}" for name in ("birth_notice_number", "date_of_birth", "full_name",
                                                  "place_of_birth", "sex")]),
    "positions outside the list": ({"components": [{"name": "A", "document": 3}, {"name": "B", "document": -1}]},
                                   422, ["/components/0/document", "/components/1/document"]),
    "a blank component name": ({"components": [{"name": "   "}]}, 422, ["/components/0"]),
    "in person": ({"channel": "in_person"}, 422, ["/channel"]),
    "an unknown channel": ({"channel": "fax"}, 422, ["/channel"]),
    "an unknown document form": ({"components": [{"name": "A", "form": "scan"}]}, 422, ["/components/0/form"]),
    "no copies": ({"components": [{"name": "A", "copies": 0}]}, 422, ["/components/0/copies"]),
    "a time without its zone": ({"submitted_at": "2025-07-14T08:00:00"}, 422, ["/submitted_at"]),
    "a time that is not one": ({"submitted_at": "hôm nay"}, 422, ["/submitted_at"]),
    "an application that is a string": ({"application": "khai sinh"}, 422, ["/application"]),
    "components that are a string": ({"components": "giấy tờ"}, 422, ["/components"]),
    "a centre id that is a number": ({"centre_id": 19768}, 422, ["/centre_id"]),
    "an empty reference": ({"reference": ""}, 422, ["/reference"]),
    "a reference with spaces around": ({"reference": " G22.1 "}, 422, ["/reference"]),
    "a reference too long": ({"reference": "G" * 65}, 422, ["/reference"]),
    "a reference not ASCII": ({"reference": "hồ-sơ-1"}, 422, ["/reference"]),
    "an unknown field": ({"priority": "high"}, 422, ["/priority"]),
}


@pytest.mark.parametrize("case", [*BAD, "a time in the future", "no body", "a list for a body"])
def test_bad_input_is_a_clear_4xx_and_creates_nothing(client: Any, clock: Clock, portal: dict[str, str],
                                                      counter: dict[str, str], supervisor: dict[str, str],
                                                      case: str) -> None:
    if case == "a time in the future":
        sent, status, pointers = {"submitted_at": _future(clock)}, 422, ["/submitted_at"]
    elif case in BAD:
        sent, status, pointers = BAD[case]
    if case == "no body":
        response, status, pointers = client.post(INTAKE, headers=portal), 422, None
    elif case == "a list for a body":
        response, status, pointers = client.post(INTAKE, json=[body()], headers=portal), 422, None
    else:
        response = client.post(INTAKE, json=body(**sent), headers=portal)

    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    if pointers is not None:
        assert [e["pointer"] for e in response.get_json()["errors"]] == pointers
    assert stored(client, supervisor, counter) == (0, 0)


def test_only_the_centres_counter_decides_and_only_the_portal_hands_in(
        client: Any, app: Any, portal: dict[str, str], counter: dict[str, str]) -> None:
    submission = submitted(client, portal)
    elsewhere = sign_in(client, f"reception.{THUAN_HOA}")
    handler = sign_in(client, f"specialist.{VY_DA}")
    users.create(app.extensions["onestop"].uow(), username="portal.01", password=PASSWORD, display_name="DVCQG",
                 unit_id="01", roles=["portal"])
    hanoi_portal = sign_in(client, "portal.01")
    decisions = {"accept": {}, "guide": GUIDANCE, "refuse": {"reasons": "Không đủ điều kiện"}}

    for headers in (elsewhere, handler, portal, hanoi_portal):
        for decision, sent in decisions.items():
            assert decide(client, headers, submission["id"], decision, sent).status_code == 403, decision
    for decision, sent in decisions.items():
        assert decide(client, {}, submission["id"], decision, sent).status_code == 401
    assert client.post(INTAKE, json=body(reference="G22.2"), headers=counter).status_code == 403
    assert client.post(INTAKE, json=body(reference="G22.3"), headers=hanoi_portal).status_code == 403
    resubmission = {"application": birth_application(VY_DA)}
    assert decide(client, counter, submission["id"], "resubmit", resubmission).status_code == 403
    assert decide(client, hanoi_portal, submission["id"], "resubmit", resubmission).status_code == 403
    for headers in (elsewhere, handler, hanoi_portal):
        assert client.get(f"{INTAKE}/{submission['id']}", headers=headers).status_code == 403
        assert client.get(INTAKE, headers=headers).get_json()["total"] == 0
    assert client.get(f"{INTAKE}/{submission['id']}", headers=sign_in(client, "supervisor.46")).status_code == 200
    assert client.get(f"{INTAKE}/{submission['id'] + 1}", headers=counter).status_code == 404
    assert client.get(f"{INTAKE}/{2**31}", headers=counter).status_code == 404
    assert detail(client, portal, submission["id"])["stage"] == "waiting"


def test_the_queue_pages_and_filters_by_stage_longest_waiting_first(
        client: Any, clock: Clock, portal: dict[str, str], counter: dict[str, str]) -> None:
    ids = [submitted(client, portal, reference=f"G22.{n}", submitted_at=f"2025-07-14T0{8 - n}:00:00+07:00")["id"]
           for n in range(3)]  # the last one was handed in first
    decide(client, counter, ids[1], "guide", GUIDANCE)

    waiting = client.get(INTAKE, query_string={"stage": "waiting"}, headers=counter).get_json()
    default = client.get(INTAKE, query_string={"limit": 2}, headers=counter).get_json()
    second_page = client.get(INTAKE, query_string={"limit": 2, "offset": 2}, headers=counter).get_json()
    bad_stage = client.get(INTAKE, query_string={"stage": "lost"}, headers=counter)

    assert [s["id"] for s in waiting["items"]] == [ids[2], ids[0]] and waiting["total"] == 2
    assert [s["id"] for s in default["items"]] == [ids[2], ids[1]] and default["total"] == 3
    assert [s["id"] for s in second_page["items"]] == [ids[0]]
    assert [s["waited_minutes"] for s in default["items"]] == [180, 120]  # at 09:00
    assert bad_stage.status_code == 422


def test_the_public_look_up_by_reference_shows_nothing_personal(
        client: Any, portal: dict[str, str], counter: dict[str, str]) -> None:
    application = birth_application(VY_DA)
    submission = submitted(client, portal)
    reference = submission["reference"]

    waiting = client.get(f"{API}/public/submissions/{reference}")
    receipt = decide(client, counter, submission["id"], "accept").get_json()
    accepted = client.get(f"{API}/public/submissions/{reference}")
    unknown = client.get(f"{API}/public/submissions/G22.nothing")

    assert waiting.status_code == 200, waiting.get_json()
    assert waiting.get_json() == {
        "reference": reference, "procedure_code": BIRTH, "procedure_name": "Đăng ký khai sinh",
        "centre_name": "Phường Phú Xuân", "stage": "waiting", "status": "submitted", "national_status": 1,
        "status_info": {"status": "submitted", "national_code": 1, "label": "Mới đăng ký"},
        "submitted_at": submission["submitted_at"], "resubmitted_at": None, "guidance": None,
        "decided_at": None, "dossier_code": None}
    assert accepted.get_json()["dossier_code"] == receipt["code"]
    assert accepted.get_json()["status_info"]["label"] == "Được tiếp nhận"
    for response in (waiting, accepted):
        text = response.get_data(as_text=True)
        for personal in (application["applicant"]["full_name"], application["applicant"]["id_number"],
                         application["applicant"]["phone"], application["mother"]["id_number"],
                         application["child"]["full_name"], receipt["secret"]):
            assert personal not in text
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"


def test_the_public_look_up_by_reference_is_rate_limited_with_the_dossier_look_up(
        database_url: str, clock: Clock) -> None:
    settings = replace(make_settings(database_url), public_rate_limit="3 per minute")
    app = create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})
    client = app.test_client()
    reference = submitted(client, sign_in(client, "portal.46"))["reference"]
    here = {"REMOTE_ADDR": "203.0.113.7"}

    answers = [client.get(f"{API}/public/submissions/{reference}", environ_base=here).status_code for _ in range(2)]
    dossier = client.get(f"{API}/public/dossiers/{PHU_XUAN}-250714-0001", query_string={"secret": "ABCDEFGHJK"},
                         environ_base=here)
    limited = client.get(f"{API}/public/submissions/{reference}", environ_base=here)
    app.extensions["onestop"].engine.dispose()

    assert answers == [200, 200] and dossier.status_code == 404
    assert limited.status_code == 429 and "Retry-After" in limited.headers
