"""A procedure is refused before it runs when its manifest, lanes, forms or allotments do not fit."""

from __future__ import annotations

import copy

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_procedure
from engine.domain.errors import ProcedureDefinitionError
from engine.domain.procedure import ProcedureVersion
from engine.services.procedures import check_procedure

BIRTH = read_procedure(ROOT / "processes" / "birth_registration", ROOT / "forms")


def _variant(manifest_change=None, bpmn_change=None, drop_form=None) -> ProcedureVersion:  # type: ignore[no-untyped-def]
    manifest = copy.deepcopy(BIRTH.manifest)
    if manifest_change:
        manifest_change(manifest)
    bpmn = bpmn_change(BIRTH.bpmn) if bpmn_change else BIRTH.bpmn
    forms = {k: v for k, v in BIRTH.forms.items() if k != drop_form}
    return ProcedureVersion(code=BIRTH.code, version=0, manifest=manifest, bpmn=bpmn, forms=forms)


def test_birth_registration_is_complete() -> None:
    assert check_procedure(BIRTH).process_id == "birth_registration"


@pytest.mark.parametrize("variant, message", [
    (lambda: _variant(manifest_change=lambda m: m["lanes"].pop("leader")), "without a binding"),
    (lambda: _variant(manifest_change=lambda m: m["lanes"]["leader"].update(unit="anywhere")),
     "/lanes/leader/unit: 'anywhere' is not one of"),
    (lambda: _variant(manifest_change=lambda m: m["competent_unit"].update(rule="guess")), "/competent_unit/rule"),
    (lambda: _variant(manifest_change=lambda m: m["competent_unit"].pop("pointer")), "'pointer' is a required"),
    (lambda: _variant(manifest_change=lambda m: m.pop("time_limit")), "'time_limit' is a required"),
    (lambda: _variant(manifest_change=lambda m: m["documents"][0].update(form="scan")), "/documents/0/form"),
    (lambda: _variant(bpmn_change=lambda b: b.replace('name="milestone" value="returned"',
                                                      'name="milestone" value="done"')), "milestone 'done'"),
    (lambda: _variant(bpmn_change=lambda b: b.replace('name="milestone" value="returned"',
                                                      'name="deadline" value="x"')), "unknown properties"),
    (lambda: _variant(bpmn_change=lambda b: b.replace('name="allotted_hours" value="4"',
                                                      'name="allotted_hours" value="-4"')), "must be a number"),
    (lambda: _variant(drop_form="birth_registration/sign"), "names form"),
    (lambda: _variant(bpmn_change=lambda b: b.replace('name="allotted_hours" value="4"',
                                                      'name="allotted_hours" value="40"')), "over the legal limit"),
])
def test_inconsistent_procedure_is_refused(variant, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProcedureDefinitionError, match=message):
        check_procedure(variant())


def test_checksum_changes_with_content() -> None:
    assert _variant().checksum == BIRTH.checksum
    changed = _variant(manifest_change=lambda m: m["name"].update(vi="Khai sinh"))
    assert changed.checksum != BIRTH.checksum
