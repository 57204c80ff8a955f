"""Admins' drafts against in-memory fakes: every problem kind is reported on the right BPMN element, all
problems at once, malicious uploads as problems rather than exceptions; publishing, listing and access."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.domain.actor import Actor
from engine.domain.errors import ConflictError, ForbiddenError, NotFoundError, Problem, ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion
from engine.domain.unit import Unit, UnitKind
from engine.services import procedure_drafts
from engine.services.procedures import check_procedure
from engine.workflow.specs import MAX_BPMN_BYTES

CODE = "9.000001"
BPMN = (Path(__file__).parent / "fixtures" / "trial.bpmn").read_text(encoding="utf-8")
MANIFEST: dict[str, Any] = {
    "code": CODE, "name": {"vi": "Thủ tục thử", "en": "Trial procedure"}, "field": "certification",
    "level": "commune", "time_limit": {"working_days": 1, "description": {"vi": "1 ngày", "en": "1 day"}},
    "documents": [{"name": {"vi": "Tờ khai", "en": "Declaration"}, "form": "original", "copies": 1,
                   "required": True}],
    "fees": [], "process": {"bpmn": "trial.bpmn", "process_id": "trial"}, "application_form": "trial/application",
    "competent_unit": {"rule": "receiving_unit"}, "cross_boundary": False,
    "lanes": {"reception": {"role": "reception", "unit": "receiving_centre"},
              "review": {"role": "specialist", "unit": "competent_unit"}},
}
FORMS: dict[str, Any] = {f"trial/{name}": {"type": "object"} for name in ("application", "receive", "check")}
T0 = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
ADMIN = Actor(1, "admin.46", "46", frozenset({"admin"}))


class FakeProcedures:
    def __init__(self) -> None:
        self.stored: list[tuple[ProcedureVersion, datetime]] = []

    def get(self, version_id: int) -> ProcedureVersion | None:
        return next((p for p, _ in self.stored if p.id == version_id), None)

    def latest_id(self, code: str) -> int | None:
        mine = [p for p, _ in self.stored if p.code == code]
        return max(mine, key=lambda p: p.version).id if mine else None

    def latest_ids(self) -> list[int]:
        return [i for i in map(self.latest_id, sorted({p.code for p, _ in self.stored})) if i is not None]

    def versions(self, code: str | None = None) -> list[tuple[int, str, int, datetime, str]]:
        rows = [(p.id or 0, p.code, p.version, at, p.checksum) for p, at in self.stored if code in (None, p.code)]
        return sorted(rows, key=lambda r: (r[1], r[2]))

    def add(self, procedure: ProcedureVersion, *, published_at: datetime) -> int:
        self.stored.append((replace(procedure, id=len(self.stored) + 1), published_at))
        return len(self.stored)


UNITS = {u.id: u for u in (Unit("46", "Huế", UnitKind.PROVINCE, None, "thanh-pho-trung-uong"),
                           Unit("01", "Hà Nội", UnitKind.PROVINCE, None, "thanh-pho-trung-uong"),
                           Unit("19768", "Phường Phú Xuân", UnitKind.COMMUNE, "46", "phuong"))}


class FakeUnits:
    def get(self, unit_id: str) -> Unit | None:
        return UNITS.get(unit_id)


class FakeUow:
    def __init__(self) -> None:
        self.procedures, self.units, self.commits = FakeProcedures(), FakeUnits(), 0
        self.procedures.add(ProcedureVersion(code=CODE, version=1, manifest=MANIFEST, bpmn=BPMN, forms=FORMS),
                            published_at=T0)

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1


def _validate(bpmn: str = BPMN, **draft: Any) -> list[Problem]:
    return procedure_drafts.validate_draft(FakeUow(), actor=ADMIN, code=CODE, bpmn=bpmn, **draft)


def _manifest(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    manifest = copy.deepcopy(MANIFEST)
    change(manifest)
    return manifest


def _property(task: str, name: str, value: str) -> str:
    """The fixture with one more spiffworkflow property on user task `task`."""
    anchor = f'<spiffworkflow:property name="form" value="trial/{task}" />'
    return BPMN.replace(anchor, f'{anchor}<spiffworkflow:property name="{name}" value="{value}" />')


def test_the_fixture_is_a_valid_draft() -> None:
    assert _validate() == []
    assert _validate(BPMN.replace('name="Check"', 'name="Kiểm tra"'), forms=FORMS, manifest=MANIFEST) == []


@pytest.mark.parametrize("draft, element_id, message", [
    ({"bpmn": "<not-closed"}, None, "not well-formed XML"),
    ({"manifest": _manifest(lambda m: m["process"].update(process_id="other"))}, None, "'other' was not found"),
    ({"bpmn": BPMN.replace('<bpmn:process id="trial"', '<bpmn:process id="renamed"')}, None, "'trial' was not found"),
    ({"manifest": _manifest(lambda m: m["lanes"].pop("review"))}, "Lane_review", "without a binding"),
    ({"bpmn": BPMN.replace("<bpmn:flowNodeRef>check</bpmn:flowNodeRef>", "")}, "check", "is in no lane"),
    ({"bpmn": _property("receive", "deadline", "x")}, "receive", "unknown properties ['deadline']"),
    ({"forms": {k: v for k, v in FORMS.items() if k != "trial/check"}}, "check", "names form 'trial/check'"),
    ({"bpmn": BPMN.replace('value="result_ready"', 'value="done"')}, "check", "milestone 'done'"),
    ({"bpmn": _property("receive", "pause", "coffee")}, "receive", "pause 'coffee'"),
    ({"bpmn": BPMN.replace("entry = 1", "entry = __import__('os')")}, "register", "'__import__' is not allowed"),
    ({"bpmn": BPMN.replace("approved == True", "().__class__.__bases__")}, "Flow_ok", "'.__bases__' is not allowed"),
    ({"bpmn": BPMN.replace("entry = 1", "entry = (")}, "register", "not valid Python"),
    ({"bpmn": BPMN.replace('"PT8H"', '"P-8X"')}, "late", "not an ISO 8601 duration"),
    ({"bpmn": BPMN.replace('name="allotted_hours" value="4"', 'name="allotted_hours" value="-4"')},
     "check", "must be a number"),
    ({"bpmn": BPMN.replace('name="allotted_hours" value="4"', 'name="allotted_hours" value="40"')},
     None, "42 hours on the longest path (receive → check), over the legal limit of 8 hours"),
    ({"forms": {**FORMS, "trial/check": {"type": "nonsense"}}}, None, "'trial/check' is not a valid JSON Schema"),
    ({"forms": {k: v for k, v in FORMS.items() if k != "trial/application"}}, None, "application form"),
    ({"manifest": _manifest(lambda m: m["lanes"]["review"].update(unit="anywhere"))}, None,
     "manifest /lanes/review/unit: 'anywhere' is not one of"),
    ({"manifest": _manifest(lambda m: m.update(code="1.001193"))}, None, "manifest /code: must be 9.000001"),
    ({"manifest": _manifest(lambda m: m["process"].update(dmn=["extra.dmn"]))}, None, "manifest /process/dmn"),
    # Found by SpiffWorkflow's parser, which names the flow.
    ({"bpmn": BPMN.replace("<bpmn:conditionExpression>approved == True</bpmn:conditionExpression>", "")},
     "Flow_ok", "without condition"),
    # Found by the BPMN schema, which gives only a line: the element with an id around it is named.
    ({"bpmn": BPMN.replace("<bpmn:incoming>Flow_start</bpmn:incoming>", "<bpmn:nonsense/>")},
     "receive", "nonsense"),
])
def test_each_problem_is_reported_on_its_element(draft: dict[str, Any], element_id: str | None,
                                                 message: str) -> None:
    problems = _validate(**{"bpmn": BPMN, **draft})

    assert [p.element_id for p in problems if message in p.message] == [element_id], problems


def test_several_problems_are_all_reported() -> None:
    bpmn = (BPMN.replace("entry = 1", "import os").replace("approved == True", "().__class__")
            .replace('value="result_ready"', 'value="done"'))
    manifest = _manifest(lambda m: m["lanes"].pop("reception"))
    forms = {**FORMS, "trial/receive": {"type": 3}}

    problems = _validate(bpmn, manifest=manifest, forms=forms)

    assert {p.element_id for p in problems} == {None, "Flow_ok", "register", "check", "Lane_reception"}
    assert len(problems) == 5


BILLION_LAUGHS = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]>"


@pytest.mark.parametrize("bpmn", [
    BPMN.replace('<?xml version="1.0" encoding="UTF-8"?>',
                 '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
        .replace("entry = 1", "entry = '&xxe;'"),
    BPMN.replace('<?xml version="1.0" encoding="UTF-8"?>', BILLION_LAUGHS).replace("entry = 1", "entry = '&i;'"),
    BPMN + " " * MAX_BPMN_BYTES,
    BPMN.replace("entry = 1", "entry = __import__('os').system('id')"),
    BPMN.replace("approved == True", "().__class__.__bases__[0].__subclasses__()"),
    BPMN.replace("entry = 1", "entry = " + "-" * 9000 + "1"),
    BPMN.replace("entry = 1", "entry = '{0.__class__}'.format(1)"),
    "",
    "<a/>",
    "\ufeff<?xml version='1.0'?>",
])
def test_malicious_bpmn_comes_back_as_problems(bpmn: str) -> None:
    problems = _validate(bpmn)

    assert problems
    assert all("root:" not in p.message for p in problems)  # no /etc/passwd content leaks into messages


def test_check_procedure_raises_with_every_problem() -> None:
    bpmn = BPMN.replace("entry = 1", "import os").replace("approved == True", "().__class__")
    with pytest.raises(ProcedureDefinitionError, match=r"is not allowed \(line 1\) \(and 1 more problem\)$") as err:
        check_procedure(ProcedureVersion(code=CODE, version=0, manifest=MANIFEST, bpmn=bpmn, forms=FORMS))
    assert {p.element_id for p in err.value.problems} == {"register", "Flow_ok"}


def test_publishing_stores_the_next_version() -> None:
    uow = FakeUow()
    bpmn = BPMN.replace('name="Check"', 'name="Kiểm tra"')

    info = procedure_drafts.publish_draft(uow, actor=ADMIN, code=CODE, bpmn=bpmn, clock=lambda: T0)

    assert (info.code, info.version, info.published_at) == (CODE, 2, T0)
    latest = uow.procedures.get(uow.procedures.latest_id(CODE) or 0)
    assert latest is not None and latest.version == 2 and latest.bpmn == bpmn and latest.forms == FORMS
    assert info.checksum == latest.checksum and uow.commits == 1


def test_publishing_an_unchanged_or_invalid_draft_stores_nothing() -> None:
    uow = FakeUow()
    with pytest.raises(ConflictError, match="nothing changed"):
        procedure_drafts.publish_draft(uow, actor=ADMIN, code=CODE, bpmn=BPMN, forms=FORMS, clock=lambda: T0)
    with pytest.raises(ProcedureDefinitionError) as err:
        procedure_drafts.publish_draft(uow, actor=ADMIN, code=CODE, bpmn=BPMN.replace("entry = 1", "import os"),
                                       clock=lambda: T0)
    assert err.value.problems == [Problem("register", "script of step register: 'import' is not allowed (line 1)")]
    assert len(uow.procedures.stored) == 1 and uow.commits == 0


def test_publishing_a_draft_made_from_an_older_version_is_a_conflict() -> None:
    uow = FakeUow()
    procedure_drafts.publish_draft(uow, actor=ADMIN, code=CODE, bpmn=BPMN + "\n", base_version=1, clock=lambda: T0)

    with pytest.raises(ConflictError, match="version 2 was published after version 1"):
        procedure_drafts.publish_draft(uow, actor=ADMIN, code=CODE, bpmn=BPMN + " ", base_version=1,
                                       clock=lambda: T0)
    assert [p.version for p, _ in uow.procedures.stored] == [1, 2]


@pytest.mark.parametrize("actor", [
    Actor(2, "supervisor.46", "46", frozenset({"supervisor"})),
    Actor(3, "admin.19768", "19768", frozenset({"admin"})),  # an admin role outside a province unit
    Actor(4, "admin.gone", "99999", frozenset({"admin"})),
])
def test_only_admins_of_a_province_may_manage_procedures(actor: Actor) -> None:
    uow = FakeUow()
    calls = [lambda: procedure_drafts.validate_draft(uow, actor=actor, code=CODE, bpmn=BPMN),
             lambda: procedure_drafts.publish_draft(uow, actor=actor, code=CODE, bpmn=BPMN + " ", clock=lambda: T0),
             lambda: procedure_drafts.list_models(uow, actor=actor),
             lambda: procedure_drafts.get_model(uow, actor=actor, code=CODE)]
    for call in calls:
        with pytest.raises(ForbiddenError):
            call()
    assert len(uow.procedures.stored) == 1


def test_any_province_admin_may_manage_national_procedures() -> None:
    hanoi = Actor(5, "admin.01", "01", frozenset({"admin"}))
    assert procedure_drafts.validate_draft(FakeUow(), actor=hanoi, code=CODE, bpmn=BPMN) == []


def test_listing_and_fetching_versions() -> None:
    uow = FakeUow()
    later = datetime(2025, 7, 2, tzinfo=UTC)
    procedure_drafts.publish_draft(uow, actor=ADMIN, code=CODE, bpmn=BPMN + "\n", clock=lambda: later)

    [summary] = procedure_drafts.list_models(uow, actor=ADMIN)
    latest = procedure_drafts.get_model(uow, actor=ADMIN, code=CODE)
    first = procedure_drafts.get_model(uow, actor=ADMIN, code=CODE, version=1)

    assert (summary.code, summary.name["en"]) == (CODE, "Trial procedure")
    assert [(v.version, v.published_at) for v in summary.versions] == [(1, T0), (2, later)]
    assert (latest.version, latest.published_at, latest.bpmn) == (2, later, BPMN + "\n")
    assert (first.version, first.bpmn, first.forms, first.versions) == (1, BPMN, FORMS, summary.versions)


@pytest.mark.parametrize("code, version", [("1.999999", None), (CODE, 7)])
def test_unknown_procedure_or_version_is_not_found(code: str, version: int | None) -> None:
    with pytest.raises(NotFoundError):
        procedure_drafts.get_model(FakeUow(), actor=ADMIN, code=code, version=version)
    with pytest.raises(NotFoundError):
        procedure_drafts.validate_draft(FakeUow(), actor=ADMIN, code="1.999999", bpmn=BPMN)
