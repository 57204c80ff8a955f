"""An admin's unpublished draft of a procedure: the manifest, BPMN, forms and decisions being edited, kept
between visits so the modeler, the form editor and the decision editor work on one draft, then published
as the next version in one step. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from engine.domain.procedure import ProcedureVersion

# What an admin may replace in a draft; each part is replaced whole.
DRAFT_PARTS = ("manifest", "bpmn", "forms", "decisions")


@dataclass(frozen=True)
class ProcedureDraft:
    """One draft per procedure code, shared by its admins.

    Attributes:
        base_version: The published version the draft was started from; None for a procedure never
            published. Publishing fails when a newer version appeared since, rather than undo it.
        revision: Raised by each save; a save naming an older revision is refused (two admins, two tabs).
    """

    code: str
    base_version: int | None
    revision: int
    manifest: dict[str, Any]
    bpmn: str
    forms: dict[str, dict[str, Any]]
    decisions: dict[str, str]
    updated_at: datetime | None = None
    updated_by: str | None = None

    @classmethod
    def of_version(cls, version: ProcedureVersion) -> ProcedureDraft:
        """A draft not saved yet (revision 0) holding a published version's content."""
        return cls(version.code, version.version, 0, version.manifest, version.bpmn, version.forms,
                   version.decisions)

    def changed(self, parts: dict[str, Any], *, at: datetime, by: str) -> ProcedureDraft:
        """This draft with some parts replaced, at the next revision."""
        return replace(self, **{k: v for k, v in parts.items() if k in DRAFT_PARTS}, revision=self.revision + 1,
                       updated_at=at, updated_by=by)

    def as_version(self) -> ProcedureVersion:
        """The version publishing this draft would store."""
        return ProcedureVersion(code=self.code, version=(self.base_version or 0) + 1, manifest=self.manifest,
                                bpmn=self.bpmn, forms=self.forms, decisions=self.decisions)
