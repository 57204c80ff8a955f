"""Every API endpoint × every role × an officer of the unit involved ("own") and of another unit or
province ("other"), with the exact answer each must get.

The dossier is a birth registration received at Phú Xuân for a family in Vỹ Dạ: Phú Xuân's counter
receives and returns it, Vỹ Dạ's specialist reviews and its leader signs. A submission is one the
portal's client (no column here) hands in for Phú Xuân's counter to decide. "Other" officers sit at Thuận
Hóa; the other province is Hà Nội. "200+" means the listing shows the dossier or task, "200-" that it
does not. A command an officer may not take leaves the dossier for the next column; one that succeeds
uses it up, so the next column gets a fresh one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from api.settings import ROOT
from engine.domain.exchange import MEDIA_TYPE as PACKAGE
from engine.domain.outbox import Destination, MessageStatus, OutboundMessage
from engine.services import users
from tests.api.helpers import (
    API,
    complete,
    drive_to_result,
    receive,
    received,
    return_result,
    sign_in,
    step_data,
    task_of,
)
from tests.api.sample_files import attach, issue, open_file, pdf, review, sign, staged, upload, verify
from tests.conftest import PASSWORD, PHU_XUAN, THUAN_HOA, VY_DA, birth_application

HANOI = "01"
ACCOUNTS = {
    "anonymous": None,
    "reception": f"reception.{PHU_XUAN}", "reception~": f"reception.{THUAN_HOA}",
    "specialist": f"specialist.{VY_DA}", "specialist~": f"specialist.{THUAN_HOA}",
    "leader": f"leader.{VY_DA}", "leader~": f"leader.{THUAN_HOA}",
    "supervisor": "supervisor.46", "supervisor~": f"supervisor.{HANOI}",
    "admin": "admin.46", "admin~": f"admin.{HANOI}",
}  # fmt: skip
COLUMNS = tuple(ACCOUNTS)
BIRTH = "1.001193"
PASSWORD_OF_NEW = "một-mật-khẩu-dài"

# endpoint: answers in the order of COLUMNS (~ marks the other unit or province).
#                                                 anon rec  rec~ spec spec~ lead lead~ sup  sup~ adm  adm~
EXPECTED = {
    "GET /healthz":                              "200  200  200  200  200   200  200   200  200  200  200",
    "GET /readyz":                               "200  200  200  200  200   200  200   200  200  200  200",
    "GET /units":                                "200  200  200  200  200   200  200   200  200  200  200",
    "GET /units/{unit_id}":                      "200  200  200  200  200   200  200   200  200  200  200",
    "GET /procedures":                           "200  200  200  200  200   200  200   200  200  200  200",
    "GET /procedures/{code}":                    "200  200  200  200  200   200  200   200  200  200  200",
    "POST /dossiers":                            "401  201  201  403  403   403  403   403  403  403  403",
    "GET /dossiers":                             "401  200+ 200- 200+ 200-  200+ 200-  200+ 200- 200- 200-",
    "GET /dossiers/{code}":                      "401  200  403  200  403   200  403   200  403  403  403",
    "GET /dossiers/{code}/slips/{kind}":         "401  200  403  200  403   200  403   200  403  403  403",
    "GET /slips/receipts":                       "401  200  403  200  403   200  403   200  403  403  403",
    "POST /dossiers/{code}/supplement-request":  "401  403  403  200  403   403  403   403  403  403  403",
    "POST /dossiers/{code}/supplement":          "401  200  403  403  403   403  403   403  403  403  403",
    "POST /dossiers/{code}/withdraw":            "401  200  403  403  403   403  403   403  403  403  403",
    "POST /dossiers/{code}/stop":                "401  403  403  200  403   403  403   403  403  403  403",
    "POST /dossiers/{code}/extend":              "401  403  403  200  403   403  403   403  403  403  403",
    "POST /dossiers/{code}/return":              "401  200  403  403  403   403  403   403  403  403  403",
    "GET /tasks":                                "401  200- 200- 200+ 200-  200- 200-  200- 200- 200- 200-",
    "POST /tasks/{task_id}/complete":            "401  403  403  200  403   403  403   403  403  403  403",
    # Holding steps (issue 22): an officer with the step's role at its unit claims it; its holder or the unit's
    # leader releases it; the leader assigns it; a bulk claim answers per step (+ claimed, - refused).
    "POST /tasks/{task_id}/claim":               "401  403  403  200  403   403  403   403  403  403  403",
    "POST /tasks/claim":                         "401  200- 200- 200+ 200-  200- 200-  200- 200- 200- 200-",
    "POST /tasks/{task_id}/release":             "401  403  403  200  403   200  403   403  403  403  403",
    "POST /tasks/{task_id}/assign":              "401  403  403  403  403   200  403   403  403  403  403",
    "GET /tasks/{task_id}/assignees":            "401  403  403  403  403   200  403   403  403  403  403",
    "POST /tasks/{task_id}/send-back":           "401  403  403  403  403   200  403   403  403  403  403",
    "GET /units/{unit_id}/register":             "401  200  403  403  403   403  403   200  403  403  403",
    "GET /stats/centres":                        "401  200  403  403  403   403  403   200  403  200  403",
    "GET /stats/indicators":                     "401  200  403  403  403   403  403   200  403  200  403",
    "GET /stats/report":                         "401  200  403  403  403   403  403   200  403  200  403",
    # The dossiers behind a figure carry their applicants: not for an administrator (who reads no dossier).
    "GET /stats/dossiers":                       "401  200+ 403  403  403   403  403   200+ 403  403  403",
    "GET /process-models":                       "401  403  403  403  403   403  403   403  403  200  200",
    "GET /process-models/{code}":                "401  403  403  403  403   403  403   403  403  200  200",
    "GET /process-models/{code}/versions/{version}": "401 403 403 403 403   403  403   403  403  200  200",
    "POST /process-models/{code}/validate":      "401  403  403  403  403   403  403   403  403  200  200",
    "POST /process-models/{code}/versions":      "401  403  403  403  403   403  403   403  403  201  201",
    "GET /process-models/{code}/draft":          "401  403  403  403  403   403  403   403  403  200  200",
    "PUT /process-models/{code}/draft":          "401  403  403  403  403   403  403   403  403  200  200",
    "DELETE /process-models/{code}/draft":       "401  403  403  403  403   403  403   403  403  204  204",
    "POST /process-models/{code}/draft/validate": "401 403  403  403  403   403  403   403  403  200  200",
    "POST /process-models/{code}/draft/publish": "401  403  403  403  403   403  403   403  403  201  201",
    "POST /process-models":                      "401  403  403  403  403   403  403   403  403  201  201",
    "GET /process-models/{code}/diff":           "401  403  403  403  403   403  403   403  403  200  200",
    "GET /process-models/{code}/draft/diff":     "401  403  403  403  403   403  403   403  403  200  200",
    # A procedure catalogue (issue 25): any province's admin, as for publishing.
    "POST /process-models/catalogue":            "401  403  403  403  403   403  403   403  403  200  200",
    # Moving running dossiers between versions (issue 25): any admin, as for publishing.
    "POST /process-models/{code}/migrations/plan": "401 403 403  403  403   403  403   403  403  200  200",
    "POST /process-models/{code}/migrations/check": "401 403 403 403  403   403  403   403  403  200  200",
    "POST /process-models/{code}/migrations":    "401  403  403  403  403   403  403   403  403  202  202",
    "GET /process-models/{code}/migrations/{migration_id}": "401 403 403 403 403 403 403  403  403  200  200",
    "GET /users":                                "401  403  403  403  403   403  403   403  403  200  403",
    "GET /audit/searches":                       "401  403  403  403  403   403  403   403  403  200  200",
    "POST /users":                               "401  403  403  403  403   403  403   403  403  201  403",
    "POST /users/{username}/disable":            "401  403  403  403  403   403  403   403  403  200  403",
    "POST /users/{username}/enable":             "401  403  403  403  403   403  403   403  403  200  403",
    "GET /public/dossiers/{code}":               "200  200  200  200  200   200  200   200  200  200  200",
    "GET /public/submissions/{reference}":       "200  200  200  200  200   200  200   200  200  200  200",
    # Handing in is the portal's client's alone (tests/api/test_intake.py); deciding, the centre's counter.
    "POST /intake/submissions":                  "401  403  403  403  403   403  403   403  403  403  403",
    "GET /intake/submissions":                   "401  200+ 200- 200- 200-  200- 200-  200+ 200- 200- 200-",
    "GET /intake/submissions/{submission_id}":   "401  200  403  403  403   403  403   200  403  403  403",
    "POST /intake/submissions/{submission_id}/accept": "401 201 403 403 403  403  403   403  403  403  403",
    "POST /intake/submissions/{submission_id}/guide":  "401 200 403 403 403  403  403   403  403  403  403",
    "POST /intake/submissions/{submission_id}/refuse": "401 200 403 403 403  403  403   403  403  403  403",
    "POST /intake/submissions/{submission_id}/resubmit": "401 403 403 403 403 403  403   403  403  403  403",
    "GET /intake/submissions/{submission_id}/slips/{kind}": "401 200 403 403 403 403 403  200  403  403  403",
    # The scans handed in online are the deciding counter's to see, not the supervisors'.
    "GET /intake/submissions/{submission_id}/files": "401 200 403 403 403  403  403   403  403  403  403",
    "GET /intake/submissions/{submission_id}/files/{file_id}": "401 200 403 403 403 403 403 403 403 403 403",
    "POST /public/dossiers/{code}/rating":       "201  201  201  201  201   201  201   201  201  201  201",
    "POST /auth/token":                          "200  200  200  200  200   200  200   200  200  200  200",
    "DELETE /auth/token":                        "401  204  204  204  204   204  204   204  204  204  204",
    # Files (issue 20): officers upload; a dossier's files are its involved units' officers' alone (not the
    # supervisors'); a file at a step is its holder's; the result is the competent leader's at the signing step.
    "POST /files":                               "401  201  201  201  201   201  201   403  403  403  403",
    "GET /dossiers/{code}/files":                "401  200  403  200  403   200  403   403  403  403  403",
    "GET /dossiers/{code}/files/{file_id}":      "401  200  403  200  403   200  403   403  403  403  403",
    "POST /dossiers/{code}/files":               "401  403  403  201  403   403  403   403  403  403  403",
    "GET /dossiers/{code}/reusable-results":     "401  200  403  200  403   200  403   403  403  403  403",
    "POST /dossiers/{code}/files/reuse":         "401  201  403  201  403   403  403   403  403  403  403",
    "POST /dossiers/{code}/result":              "401  403  403  403  403   201  403   403  403  403  403",
    "GET /public/dossiers/{code}/result":        "200  200  200  200  200   200  200   200  200  200  200",
    "POST /public/signatures/verify":            "200  200  200  200  200   200  200   200  200  200  200",
    # Saved filters (issue 22): each officer's own; another officer's is not found.
    "GET /saved-filters":                        "401  200  200  200  200   200  200   200  200  200  200",
    "POST /saved-filters":                       "401  201  201  201  201   201  201   201  201  201  201",
    "DELETE /saved-filters/{filter_id}":         "401  204  404  404  404   404  404   404  404  404  404",
    # The outbox (issue 23) is the deployment's, which serves one province: any admin watches it and sends a
    # parked message again; nobody else.
    "GET /outbox/summary":                       "401  403  403  403  403   403  403   403  403  200  200",
    "GET /outbox":                               "401  403  403  403  403   403  403   403  403  200  200",
    "POST /outbox/{message_id}/retry":           "401  403  403  403  403   403  403   403  403  200  200",
    # Packages from other provinces (issue 26) are judged by the sender's certificate and signature, never by a
    # token: a deployment that takes no part in the exchange (this one) answers 404 to everyone alike.
    "POST /exchange/packages":                   "404  404  404  404  404   404  404   404  404  404  404",
}  # fmt: skip
PERIOD = {"from": "2025-07-01T00:00", "to": "2025-08-01T00:00"}
DAYS = {"from": "2025-07-01", "to": "2025-07-31"}


@dataclass
class World:
    """The client, each column's bearer headers, and builders of dossiers at the stage a row needs."""

    client: Any
    app: Any
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    clerks: int = 0
    submissions: int = 0

    def of(self, column: str) -> dict[str, str]:
        username = ACCOUNTS[column]
        if username is None:
            return {}
        if column not in self.headers:
            self.headers[column] = sign_in(self.client, username)
        return self.headers[column]

    def received(self) -> dict[str, Any]:
        return received(self.client, self.of("reception"))

    def review_task(self) -> dict[str, Any]:
        code = self.received()["code"]
        task = task_of(self.client, self.of("specialist"), code, "review")
        assert task is not None
        return {"code": code, "task": task, "task_id": task["id"]}

    def claimed_review_task(self) -> dict[str, Any]:
        context = self.review_task()
        claimed = self.client.post(f"{API}/tasks/{context['task']['id']}/claim", headers=self.of("specialist"))
        assert claimed.status_code == 200, claimed.get_json()
        return {**context, "user_id": claimed.get_json()["holder"]["id"]}

    def signing_task(self) -> dict[str, Any]:
        code = _at_signing(self)["code"]
        task = task_of(self.client, self.of("leader"), code, "sign")
        assert task is not None
        return {"code": code, "task": task, "task_id": task["id"]}

    def awaiting_supplement(self) -> dict[str, Any]:
        code = self.received()["code"]
        asked = self.client.post(f"{API}/dossiers/{code}/supplement-request", headers=self.of("specialist"),
                                 json={"reasons": "Thiếu giấy", "items": [{"name": "Giấy chứng sinh"}]})
        assert asked.status_code == 200, asked.get_json()
        return {"code": code}

    def result_ready(self) -> dict[str, Any]:
        receipt = self.received()
        drive_to_result(self.client, receipt["code"])
        return receipt

    def returned(self) -> dict[str, Any]:
        receipt = self.result_ready()
        assert return_result(self.client, self.of("reception"), receipt["code"]).status_code == 200
        return receipt

    def submission(self) -> dict[str, Any]:
        """A birth registration the portal's client hands in for Phú Xuân, waiting in its queue."""
        if "portal" not in self.headers:
            self.headers["portal"] = sign_in(self.client, "portal.46")
        self.submissions += 1
        reference = f"G22.matrix-{self.submissions}"
        response = self.client.post(f"{API}/intake/submissions", headers=self.headers["portal"], json={
            "reference": reference, "centre_id": PHU_XUAN, "procedure_code": BIRTH,
            "application": birth_application(VY_DA),
            "components": [{"name": "Tờ khai", "document": 0}, {"name": "Giấy chứng sinh", "document": 1}]})
        assert response.status_code == 201, response.get_json()
        return {"submission_id": response.get_json()["id"], "reference": reference}

    def submission_with_file(self) -> dict[str, Any]:
        """A submission the portal's client hands in with a scan of the birth notice."""
        if "portal" not in self.headers:
            self.headers["portal"] = sign_in(self.client, "portal.46")
        scan = staged(self.client, self.headers["portal"], pdf("Giấy chứng sinh trực tuyến"))
        self.submissions += 1
        response = self.client.post(f"{API}/intake/submissions", headers=self.headers["portal"], json={
            "reference": f"G22.matrix-{self.submissions}", "centre_id": PHU_XUAN, "procedure_code": BIRTH,
            "application": birth_application(VY_DA), "files": [{"file_id": scan["id"], "document": 1}],
            "components": [{"name": "Tờ khai", "document": 0}, {"name": "Giấy chứng sinh", "document": 1}]})
        assert response.status_code == 201, response.get_json()
        return {"submission_id": response.get_json()["id"], "file_id": scan["id"]}

    def guided(self) -> dict[str, Any]:
        context = self.submission()
        guided = self.client.post(f"{API}/intake/submissions/{context['submission_id']}/guide",
                                  headers=self.of("reception"), json={**REASONS, "items": [{"name": "Tờ khai"}]})
        assert guided.status_code == 200, guided.get_json()
        return context

    def clerk(self) -> dict[str, Any]:
        """A spare account at Phú Xuân for the admins to disable and enable."""
        self.clerks += 1
        account = users.create(self.app.extensions["onestop"].uow(), username=f"clerk.{self.clerks}",
                               password=PASSWORD_OF_NEW, display_name="Văn thư", unit_id=PHU_XUAN,
                               roles=["reception"])
        return {"username": account.username}


@dataclass(frozen=True)
class Row:
    prepare: Callable[[World], dict[str, Any]]
    call: Callable[[World, dict[str, Any], str], Any]
    seen: Callable[[World, dict[str, Any], Any], bool] | None = None
    """For listings: whether the answer shows the dossier or task."""


def _nothing(_: World) -> dict[str, Any]:
    return {}


def _draft(world: World) -> dict[str, Any]:
    model = world.client.get(f"{API}/process-models/{BIRTH}", headers=world.of("admin")).get_json()
    return {"bpmn": model["bpmn"]}


def _new_version(world: World) -> dict[str, Any]:
    """An admin publishes a new version of birth registration; the plan moves its dossiers from version 1."""
    model = world.client.get(f"{API}/process-models/{BIRTH}", headers=world.of("admin")).get_json()
    published = world.client.post(f"{API}/process-models/{BIRTH}/versions", headers=world.of("admin"),
                                  json={"bpmn": model["bpmn"] + f"<!--{model['version'] + 1}-->"})
    assert published.status_code == 201, published.get_json()
    return {"from_version": 1, "to_version": published.get_json()["version"], "steps": {"review": "review"}}


def _migration(world: World) -> dict[str, Any]:
    started = world.client.post(f"{API}/process-models/{BIRTH}/migrations", headers=world.of("admin"),
                                json=_new_version(world))
    assert started.status_code == 202, started.get_json()
    return {"migration_id": started.get_json()["id"]}


def _saved_draft(world: World, column: str) -> int:
    """An admin saves the birth procedure's draft with a change of its own; returns the new revision."""
    path, admin = f"{API}/process-models/{BIRTH}/draft", world.of("admin")
    draft = world.client.get(path, headers=admin).get_json()
    bpmn = draft["bpmn"] + f"<!--{column}-->"
    return int(world.client.put(path, json={"revision": draft["revision"], "bpmn": bpmn}, headers=admin)
               .get_json()["revision"])


def _draft_call(method: str, suffix: str = "") -> Callable[[World, dict[str, Any], str], Any]:
    """Saves a draft as the admin, then calls the draft endpoint as the column with the draft's revision."""
    def call(world: World, context: dict[str, Any], column: str) -> Any:
        revision = _saved_draft(world, column)
        path = f"{API}/process-models/{BIRTH}/draft{suffix}"
        if method == "DELETE":
            return world.client.delete(path, query_string={"revision": revision}, headers=world.of(column))
        body = {"revision": revision} if suffix else {"revision": revision, "bpmn": f"<!--{column}-->"}
        return world.client.open(path, method=method, json=body, headers=world.of(column))
    return call


def _new_procedure(column: str) -> dict[str, Any]:
    """A procedure on the standard path with a code and key of the column's own, so each admin's is new."""
    n = COLUMNS.index(column)
    return {"code": f"1.0098{n:02d}", "key": f"matrix_new_{n}", "name_vi": "Thủ tục mới", "name_en": "New",
            "field": "other", "field_name_vi": "Khác", "level": "commune", "working_days": 1, "limit_vi": "01 ngày",
            "documents": [{"name_vi": "Tờ khai"}], "cross_boundary": True, "competent_unit": "receiving_unit"}


def _get(path: str, buffered: bool = False, **query: Any) -> Callable[[World, dict[str, Any], str], Any]:
    """A GET; `buffered` reads a streamed body (a file) whole, so its stream is closed."""
    def call(world: World, context: dict[str, Any], column: str) -> Any:
        return world.client.get(API + path.format(**context), query_string=query, headers=world.of(column),
                                buffered=buffered)
    return call


def _post(path: str, body: Callable[[dict[str, Any], str], Any] | None = None) -> Callable[..., Any]:
    def call(world: World, context: dict[str, Any], column: str) -> Any:
        json = body(context, column) if body else {}
        return world.client.post(API + path.format(**context), json=json, headers=world.of(column))
    return call


def _listed(key: str, field_name: str) -> Callable[[World, dict[str, Any], Any], bool]:
    return lambda world, context, response: any(item[field_name] == context[key]
                                                for item in response.get_json()["items"])


def _sign_in_as(world: World, context: dict[str, Any], column: str) -> Any:
    username = ACCOUNTS[column] or f"reception.{PHU_XUAN}"  # signing in needs no earlier token
    return world.client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD})


def _revoke(world: World, context: dict[str, Any], column: str) -> Any:
    headers = sign_in(world.client, ACCOUNTS[column]) if ACCOUNTS[column] else {}  # a token of its own
    return world.client.delete(f"{API}/auth/token", headers=headers)


def _public_look_up(world: World, context: dict[str, Any], column: str) -> Any:
    return world.client.get(f"{API}/public/dossiers/{context['code']}", query_string={"secret": context["secret"]})


def _rate(world: World, context: dict[str, Any], column: str) -> Any:
    return world.client.post(f"{API}/public/dossiers/{context['code']}/rating",
                             json={"secret": context["secret"], "level": "satisfied"})


def _with_file(world: World) -> dict[str, Any]:
    """A dossier received with a scan of its birth notice."""
    scan = staged(world.client, world.of("reception"), pdf("Giấy chứng sinh"))
    receipt = received(world.client, world.of("reception"), files=[{"file_id": scan["id"], "document": 1}])
    return {"code": receipt["code"], "file_id": scan["id"]}


def _at_signing(world: World) -> dict[str, Any]:
    code = world.received()["code"]
    review(world.client, world.of("specialist"), code)
    return {"code": code}


def _reusable(world: World) -> dict[str, Any]:
    """A result issued to the applicant, and their next dossier, which may re-use it."""
    issued = issue(world.client, world.of("leader"), _at_signing(world)["code"], pdf("Kết quả"))
    assert issued.status_code == 201, issued.get_json()
    return {"code": world.received()["code"], "result_id": issued.get_json()["id"]}


def _returned_with_result(world: World) -> dict[str, Any]:
    receipt = world.received()
    review(world.client, world.of("specialist"), receipt["code"])
    assert issue(world.client, world.of("leader"), receipt["code"]).status_code == 201
    sign(world.client, world.of("leader"), receipt["code"])
    assert return_result(world.client, world.of("reception"), receipt["code"]).status_code == 200
    return receipt


def _attach_at_review(world: World, context: dict[str, Any], column: str) -> Any:
    return attach(world.client, world.of(column), context["code"], pdf(column), task_id=context["task"]["id"])


def _received_before_now(world: World) -> dict[str, Any]:
    """A dossier received a minute ago: the figures judge the dossiers as they stood just before now."""
    receipt = world.received()
    clock = world.app.extensions["onestop"].clock
    clock.now += timedelta(minutes=1)
    return receipt


def _saved_filter(world: World) -> dict[str, Any]:
    """A filter the counter officer of Phú Xuân ("reception") saved."""
    saved = world.client.post(f"{API}/saved-filters", headers=world.of("reception"),
                              json={"page": "dossiers", "name": "Đã trả", "query": "status=returned"})
    assert saved.status_code == 201, saved.get_json()
    return {"filter_id": saved.get_json()["id"]}


def _parked_message(world: World) -> dict[str, Any]:
    """A record for the portal that it refused, parked until an admin sends it again."""
    key = f"matrix-{uuid.uuid4().hex}"
    message = OutboundMessage(Destination.DVCQG, "DongBoHoSoMC", key, key, {}, world.app.extensions["onestop"].clock(),
                              MessageStatus.PARKED, attempts=1, last_error="refused")
    with world.app.extensions["onestop"].uow() as uow:
        uow.outbox.add([message])
        uow.commit()
    return {"message_id": message.id}


REASONS = {"reasons": "Lý do ghi rõ"}
CATALOGUE = (ROOT / "tests" / "processes" / "fixtures" / "catalogue" / "test_rows.csv").read_text(encoding="utf-8")
ROWS: dict[str, Row] = {
    "GET /healthz": Row(_nothing, _get("/healthz")),
    "GET /readyz": Row(_nothing, _get("/readyz")),
    "GET /units": Row(_nothing, _get("/units", province_id="46")),
    "GET /units/{unit_id}": Row(_nothing, _get(f"/units/{PHU_XUAN}")),
    "GET /procedures": Row(_nothing, _get("/procedures")),
    "GET /procedures/{code}": Row(_nothing, _get(f"/procedures/{BIRTH}")),
    "POST /dossiers": Row(_nothing, lambda w, c, column: receive(w.client, w.of(column))),
    "GET /dossiers": Row(World.received, _get("/dossiers", limit=100), _listed("code", "code")),
    "GET /dossiers/{code}": Row(World.received, _get("/dossiers/{code}")),
    "GET /dossiers/{code}/slips/{kind}": Row(World.received, _get("/dossiers/{code}/slips/receipt")),
    "GET /slips/receipts": Row(World.received, lambda w, c, column: w.client.get(
        f"{API}/slips/receipts", query_string={"code": c["code"]}, headers=w.of(column))),
    "POST /dossiers/{code}/supplement-request": Row(World.received, _post(
        "/dossiers/{code}/supplement-request", lambda c, col: {**REASONS, "items": [{"name": "Tờ khai"}]})),
    "POST /dossiers/{code}/supplement": Row(World.awaiting_supplement, _post("/dossiers/{code}/supplement")),
    "POST /dossiers/{code}/withdraw": Row(World.received, _post("/dossiers/{code}/withdraw", lambda c, col: REASONS)),
    "POST /dossiers/{code}/stop": Row(World.received, _post("/dossiers/{code}/stop", lambda c, col: REASONS)),
    "POST /dossiers/{code}/extend": Row(World.received, _post(
        "/dossiers/{code}/extend", lambda c, col: {**REASONS, "new_due_at": "2025-07-16T10:00:00+07:00"})),
    "POST /dossiers/{code}/return": Row(World.result_ready, _post(
        "/dossiers/{code}/return", lambda c, col: {"data": {"collected_by": "Nguyễn Văn An"}})),
    "GET /tasks": Row(World.review_task, _get("/tasks", limit=100),
                      lambda w, c, r: any(t["id"] == c["task"]["id"] for t in r.get_json()["items"])),
    "POST /tasks/{task_id}/complete": Row(World.review_task, lambda w, c, column: complete(
        w.client, w.of(column), c["task"]["id"], step_data("review"))),
    "POST /tasks/{task_id}/claim": Row(World.review_task, _post("/tasks/{task_id}/claim")),
    "POST /tasks/claim": Row(World.review_task, lambda w, c, column: w.client.post(
        f"{API}/tasks/claim", json={"task_ids": [c["task"]["id"]]}, headers=w.of(column)),
        lambda w, c, response: response.get_json()["items"][0]["claimed"]),
    "POST /tasks/{task_id}/release": Row(World.claimed_review_task, _post("/tasks/{task_id}/release")),
    "POST /tasks/{task_id}/assign": Row(World.claimed_review_task, _post(
        "/tasks/{task_id}/assign", lambda c, col: {"user_id": c["user_id"]})),
    "GET /tasks/{task_id}/assignees": Row(World.review_task, _get("/tasks/{task_id}/assignees")),
    "POST /tasks/{task_id}/send-back": Row(World.signing_task, _post(
        "/tasks/{task_id}/send-back", lambda c, col: {"to": "review", "reason": "Kiểm tra lại ngày sinh"})),
    "GET /units/{unit_id}/register": Row(World.received, _get(f"/units/{PHU_XUAN}/register", **DAYS)),
    "GET /stats/centres": Row(_nothing, _get("/stats/centres", unit=PHU_XUAN, **PERIOD)),
    "GET /stats/indicators": Row(_nothing, _get("/stats/indicators", unit=PHU_XUAN, **PERIOD)),
    "GET /stats/report": Row(_nothing, _get("/stats/report", unit=PHU_XUAN, period="month", year=2025, number=7,
                                            format="csv")),
    "GET /stats/dossiers": Row(_received_before_now, _get("/stats/dossiers", unit=PHU_XUAN, figure="total", limit=100,
                                                    **DAYS), _listed("code", "code")),
    "GET /process-models": Row(_nothing, _get("/process-models")),
    "GET /process-models/{code}": Row(_nothing, _get(f"/process-models/{BIRTH}")),
    "GET /process-models/{code}/versions/{version}": Row(_nothing, _get(f"/process-models/{BIRTH}/versions/1")),
    "POST /process-models/{code}/validate": Row(_draft, _post(f"/process-models/{BIRTH}/validate",
                                                              lambda c, col: {"bpmn": c["bpmn"]})),
    # Each column publishes a slightly different draft, so a second admin's is not an unchanged one (409).
    "POST /process-models/{code}/versions": Row(_draft, _post(f"/process-models/{BIRTH}/versions",
                                                              lambda c, col: {"bpmn": c["bpmn"] + f"<!--{col}-->"})),
    "GET /process-models/{code}/draft": Row(_nothing, _get(f"/process-models/{BIRTH}/draft")),
    "PUT /process-models/{code}/draft": Row(_nothing, _draft_call("PUT")),
    "DELETE /process-models/{code}/draft": Row(_nothing, _draft_call("DELETE")),
    "POST /process-models/{code}/draft/validate": Row(_nothing, _post(f"/process-models/{BIRTH}/draft/validate")),
    "POST /process-models/{code}/draft/publish": Row(_nothing, _draft_call("POST", "/publish")),
    "POST /process-models": Row(_nothing, _post("/process-models", lambda c, col: _new_procedure(col))),
    "GET /process-models/{code}/diff": Row(_nothing, _get(f"/process-models/{BIRTH}/diff", **{"from": 1, "to": 1})),
    "GET /process-models/{code}/draft/diff": Row(_nothing, _get(f"/process-models/{BIRTH}/draft/diff")),
    "POST /process-models/catalogue": Row(_nothing, lambda w, c, column: w.client.post(
        f"{API}/process-models/catalogue", data=CATALOGUE, content_type="text/csv", headers=w.of(column))),
    "POST /process-models/{code}/migrations/plan": Row(_new_version, lambda w, c, column: w.client.post(
        f"{API}/process-models/{BIRTH}/migrations/plan", query_string={"from": 1, "to": c["to_version"]},
        headers=w.of(column))),
    "POST /process-models/{code}/migrations/check": Row(_new_version, _post(f"/process-models/{BIRTH}/migrations/check",
                                                                            lambda c, col: c)),
    "POST /process-models/{code}/migrations": Row(_new_version, _post(f"/process-models/{BIRTH}/migrations",
                                                                      lambda c, col: c)),
    "GET /process-models/{code}/migrations/{migration_id}": Row(_migration, _get(
        f"/process-models/{BIRTH}/migrations/{{migration_id}}")),
    "GET /users": Row(_nothing, _get("/users", unit_id=PHU_XUAN)),
    "GET /audit/searches": Row(_nothing, _get("/audit/searches")),
    "POST /users": Row(_nothing, _post("/users", lambda c, col: {
        "username": f"new.{COLUMNS.index(col)}", "password": PASSWORD_OF_NEW, "display_name": "Cán bộ mới",
        "unit_id": PHU_XUAN, "roles": ["reception"]})),
    "POST /users/{username}/disable": Row(World.clerk, _post("/users/{username}/disable")),
    "POST /users/{username}/enable": Row(World.clerk, _post("/users/{username}/enable")),
    "GET /public/dossiers/{code}": Row(World.received, _public_look_up),
    "GET /public/submissions/{reference}": Row(World.submission, lambda w, c, column: w.client.get(
        f"{API}/public/submissions/{c['reference']}")),
    "POST /intake/submissions": Row(_nothing, _post("/intake/submissions", lambda c, col: {
        "reference": f"G22.{col}", "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "application": birth_application(VY_DA)})),
    "GET /intake/submissions": Row(World.submission, _get("/intake/submissions", limit=100),
                                   _listed("submission_id", "id")),
    "GET /intake/submissions/{submission_id}": Row(World.submission, _get("/intake/submissions/{submission_id}")),
    "GET /intake/submissions/{submission_id}/files": Row(World.submission_with_file,
                                                         _get("/intake/submissions/{submission_id}/files")),
    "GET /intake/submissions/{submission_id}/files/{file_id}": Row(
        World.submission_with_file, _get("/intake/submissions/{submission_id}/files/{file_id}", buffered=True)),
    "POST /intake/submissions/{submission_id}/accept": Row(World.submission, _post(
        "/intake/submissions/{submission_id}/accept")),
    "POST /intake/submissions/{submission_id}/guide": Row(World.submission, _post(
        "/intake/submissions/{submission_id}/guide", lambda c, col: {**REASONS, "items": [{"name": "Tờ khai"}]})),
    "POST /intake/submissions/{submission_id}/refuse": Row(World.submission, _post(
        "/intake/submissions/{submission_id}/refuse", lambda c, col: REASONS)),
    "POST /intake/submissions/{submission_id}/resubmit": Row(World.guided, _post(
        "/intake/submissions/{submission_id}/resubmit", lambda c, col: {"application": birth_application(VY_DA)})),
    "GET /intake/submissions/{submission_id}/slips/{kind}": Row(World.guided, _get(
        "/intake/submissions/{submission_id}/slips/guidance")),
    "POST /public/dossiers/{code}/rating": Row(World.returned, _rate),
    "POST /auth/token": Row(_nothing, _sign_in_as),
    "DELETE /auth/token": Row(_nothing, _revoke),
    "POST /files": Row(_nothing, lambda w, c, column: upload(w.client, w.of(column), pdf(column))),
    "GET /dossiers/{code}/files": Row(_with_file, _get("/dossiers/{code}/files")),
    "GET /dossiers/{code}/files/{file_id}": Row(_with_file, lambda w, c, column: open_file(
        w.client, w.of(column), c["code"], c["file_id"])),
    "POST /dossiers/{code}/files": Row(World.review_task, _attach_at_review),
    "GET /dossiers/{code}/reusable-results": Row(World.received, _get("/dossiers/{code}/reusable-results")),
    "POST /dossiers/{code}/files/reuse": Row(_reusable, _post(
        "/dossiers/{code}/files/reuse", lambda c, col: {"document": 2, "result_id": c["result_id"]})),
    "POST /dossiers/{code}/result": Row(_at_signing, lambda w, c, column: issue(w.client, w.of(column), c["code"])),
    "GET /public/dossiers/{code}/result": Row(_returned_with_result, lambda w, c, column: w.client.get(
        f"{API}/public/dossiers/{c['code']}/result", query_string={"secret": c["secret"]}, buffered=True)),
    "POST /public/signatures/verify": Row(_nothing, lambda w, c, column: verify(w.client, pdf(column))),
    "GET /saved-filters": Row(_nothing, _get("/saved-filters")),
    "POST /saved-filters": Row(_nothing, _post("/saved-filters", lambda c, col: {
        "page": "inbox", "name": f"Gấp {col}", "query": "urgency=urgent"})),
    "DELETE /saved-filters/{filter_id}": Row(_saved_filter, lambda w, c, column: w.client.delete(
        f"{API}/saved-filters/{c['filter_id']}", headers=w.of(column))),
    "GET /outbox/summary": Row(_nothing, _get("/outbox/summary")),
    "GET /outbox": Row(_parked_message, _get("/outbox", status="parked")),
    "POST /outbox/{message_id}/retry": Row(_parked_message, _post("/outbox/{message_id}/retry")),
    "POST /exchange/packages": Row(_nothing, lambda w, c, column: w.client.post(
        f"{API}/exchange/packages", data=b"PK\x03\x04", content_type=PACKAGE, headers=w.of(column))),
}


def _answers(world: World, row: Row) -> list[str]:
    """Each column's answer; a 2xx command uses the prepared dossier up, so the next column gets a new one."""
    answers, context = [], row.prepare(world)
    for column in COLUMNS:
        response = row.call(world, context, column)
        answer = str(response.status_code)
        if row.seen is not None and response.status_code == 200:
            answer += "+" if row.seen(world, context, response) else "-"
        answers.append(answer)
        if response.status_code in (201, 204) or (response.status_code == 200 and response.request.method == "POST"):
            context = row.prepare(world)
    return answers


@pytest.fixture
def world(app: Any, client: Any) -> World:
    for role in ("supervisor", "admin"):
        users.create(app.extensions["onestop"].uow(), username=f"{role}.{HANOI}", password=PASSWORD,
                     display_name=role, unit_id=HANOI, roles=[role])
    return World(client, app)


@pytest.mark.parametrize("endpoint", list(EXPECTED))
def test_each_role_and_unit_gets_exactly_its_answer(world: World, endpoint: str) -> None:
    answers = _answers(world, ROWS[endpoint])

    assert dict(zip(COLUMNS, answers, strict=True)) == dict(zip(COLUMNS, EXPECTED[endpoint].split(), strict=True))


def test_the_matrix_covers_every_api_endpoint(app: Any) -> None:
    documented = {"/api/v1/openapi.json"}
    routes = {f"{method} {rule.rule.removeprefix('/api/v1')}".replace("<", "{").replace(">", "}")
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
              and rule.rule not in documented for method in rule.methods - {"HEAD", "OPTIONS"}}
    routes = {re.sub(r"{\w+(\(.*?\))?:", "{", r) for r in routes}  # {int:id}, {int(max=…):id}, {path:ref}

    assert routes == set(EXPECTED)
