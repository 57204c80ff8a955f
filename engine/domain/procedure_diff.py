"""What changed between two contents of a procedure, part by part: the manifest's values by JSON pointer, the
forms added, removed or changed (with their changed pointers), the decision files. The diagram's elements are
compared in engine/workflow/bpmn_elements.py. Pure Python: no parsing, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_ABSENT = object()


@dataclass(frozen=True)
class Change:
    """One value that differs: where (a JSON pointer, or an element's attribute), before and after (None when
    the place did not exist on that side)."""

    pointer: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PartChange:
    """A form or decision file added, removed or changed; for a changed form, the pointers that changed."""

    name: str
    kind: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class ProcedureDiff:
    """The manifest's changes, then the forms' and the decision files', each in name order."""

    manifest: list[Change]
    forms: list[PartChange]
    decisions: list[PartChange]


def procedure_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> ProcedureDiff:
    """Compare two contents, each a mapping with `manifest`, `forms` and `decisions` (a version or a draft);
    `old` None for a procedure never published (everything is added)."""
    before = old or {"manifest": {}, "forms": {}, "decisions": {}}
    return ProcedureDiff(json_changes(before["manifest"], new["manifest"]),
                         part_changes(before["forms"], new["forms"], deep=True),
                         part_changes(before["decisions"], new["decisions"], deep=False))


def json_changes(old: Any, new: Any, pointer: str = "") -> list[Change]:
    """Every leaf value that differs between two JSON documents, by its pointer; an object key or a list item
    present on one side only is one change holding the whole value."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in sorted(set(old) | set(new), key=lambda k: (k not in old, str(k))):
            changes += _pair(old.get(key, _ABSENT), new.get(key, _ABSENT), f"{pointer}/{escape(str(key))}")
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            changes += _pair(old[index] if index < len(old) else _ABSENT,
                             new[index] if index < len(new) else _ABSENT, f"{pointer}/{index}")
        return changes
    return [] if _same(old, new) else [Change(pointer, old, new)]


def _pair(old: Any, new: Any, pointer: str) -> list[Change]:
    if old is _ABSENT or new is _ABSENT:
        return [Change(pointer, None if old is _ABSENT else old, None if new is _ABSENT else new)]
    return json_changes(old, new, pointer)


def _same(old: Any, new: Any) -> bool:
    # JSON's true is not 1: a manifest's `required: true` turned into 1 is a change worth showing.
    return type(old) is type(new) and bool(old == new)


def part_changes(old: Mapping[str, Any], new: Mapping[str, Any], *, deep: bool) -> list[PartChange]:
    """The named parts (forms by id, decision files by name) added, removed or changed; `deep` lists the
    changed pointers of a changed part."""
    changes = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            changes.append(PartChange(name, ADDED))
        elif name not in new:
            changes.append(PartChange(name, REMOVED))
        elif not _same(old[name], new[name]):
            changes.append(PartChange(name, CHANGED, json_changes(old[name], new[name]) if deep else []))
    return changes


def escape(token: str) -> str:
    """A key as a JSON pointer token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")
