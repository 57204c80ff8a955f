"""What changed between two contents of a procedure: the manifest's values by JSON pointer, forms added, removed
or changed with the pointers that changed (a form field added), decision files."""

from __future__ import annotations

from typing import Any

from engine.domain.procedure_diff import Change, PartChange, ProcedureDiff, json_changes, procedure_diff

MANIFEST: dict[str, Any] = {"code": "9.000001", "cross_boundary": True, "lanes": {"a/b": {"unit": "receiving_centre"}},
                            "documents": [{"name": {"vi": "Tờ khai"}, "copies": 1}]}
FORM: dict[str, Any] = {"type": "object", "properties": {"name": {"type": "string"}}}


def _content(manifest: Any = MANIFEST, forms: Any = None, decisions: Any = None) -> dict[str, Any]:
    return {"manifest": manifest, "forms": {"p/application": FORM} if forms is None else forms,
            "decisions": decisions or {}}


def test_nothing_changed() -> None:
    assert procedure_diff(_content(), _content({**MANIFEST})) == ProcedureDiff([], [], [])


def test_manifest_values_by_pointer_with_escaped_keys_and_list_items() -> None:
    new = {**MANIFEST, "cross_boundary": False, "lanes": {"a/b": {"unit": "competent_unit"}},
           "documents": [{"name": {"vi": "Tờ khai"}, "copies": 2}, {"name": {"vi": "Ảnh"}, "copies": 1}],
           "notes": "x"}

    assert json_changes(MANIFEST, new) == [
        Change("/cross_boundary", True, False),
        Change("/documents/0/copies", 1, 2),
        Change("/documents/1", None, {"name": {"vi": "Ảnh"}, "copies": 1}),
        Change("/lanes/a~1b/unit", "receiving_centre", "competent_unit"),
        Change("/notes", None, "x"),
    ]


def test_true_is_not_one() -> None:
    assert json_changes({"required": True}, {"required": 1}) == [Change("/required", True, 1)]


def test_a_form_field_added_a_form_added_and_one_removed() -> None:
    changed = {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}}
    old = _content(forms={"p/application": FORM, "p/old": FORM})
    new = _content(forms={"p/application": changed, "p/new": FORM})

    diff = procedure_diff(old, new)

    assert diff.forms == [PartChange("p/application", "changed", [Change("/properties/phone", None,
                                                                           {"type": "string"})]),
                          PartChange("p/new", "added"), PartChange("p/old", "removed")]


def test_decision_files_and_a_procedure_never_published() -> None:
    old = _content(decisions={"a.dmn": "<x/>", "b.dmn": "<y/>"})
    new = _content(decisions={"a.dmn": "<x2/>", "c.dmn": "<z/>"})

    assert procedure_diff(old, new).decisions == [PartChange("a.dmn", "changed"), PartChange("b.dmn", "removed"),
                                                  PartChange("c.dmn", "added")]
    first = procedure_diff(None, new)
    assert first.forms == [PartChange("p/application", "added")]
    assert Change("/code", None, "9.000001") in first.manifest
