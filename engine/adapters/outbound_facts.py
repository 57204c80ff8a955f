"""What outbound messages need beyond the dossier (engine/domain/outbound.py OutboundFacts), read in the
command's transaction. A procedure version never changes, so its manifest is kept for the process's life;
units and officers are read once per unit of work."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.adapters.files import FileRepository
from engine.adapters.records import (
    HistoryEventRecord,
    OutboxRecord,
    ProcedureVersionRecord,
    TaskRecord,
    UserRecord,
)
from engine.adapters.tasks import task_from_record
from engine.adapters.units import UnitRepository
from engine.domain.dossier import Dossier
from engine.domain.files import StoredFile
from engine.domain.history_chain import instant
from engine.domain.outbound import OfficerFacts, UnitFacts
from engine.domain.step_outputs import FinancialNotice, financial_notice
from engine.domain.task import Task


class SqlOutboundFacts:
    def __init__(self, session: Session):
        self._s = session
        self._database = session.get_bind().engine.url.render_as_string()  # the manifests' cache is per database
        self._units: dict[str, UnitFacts] = {}
        self._officers: dict[int, OfficerFacts | None] = {}
        self._files: dict[int, list[StoredFile]] = {}

    def manifest(self, procedure_version_id: int) -> dict[str, Any]:
        return _manifest(self._database, procedure_version_id, self._s)

    def unit(self, unit_id: str) -> UnitFacts:
        if unit_id not in self._units:
            unit = UnitRepository(self._s).get(unit_id)
            self._units[unit_id] = (UnitFacts(unit_id, unit.name, unit.agency_code) if unit
                                    else UnitFacts(unit_id, unit_id, None))
        return self._units[unit_id]

    def officer(self, user_id: int) -> OfficerFacts | None:
        if user_id not in self._officers:
            row = self._s.execute(select(UserRecord.display_name, UserRecord.roles, UserRecord.deputy)
                                  .where(UserRecord.id == user_id)).first()
            self._officers[user_id] = OfficerFacts(user_id, row[0], tuple(row[1]), bool(row[2])) if row else None
        return self._officers[user_id]

    def files(self, dossier_id: int) -> list[StoredFile]:
        # Read once per commit: the reception's record is built twice (as received, then as handed on).
        if dossier_id not in self._files:
            self._files[dossier_id] = FileRepository(self._s).of_dossier(dossier_id)
        return self._files[dossier_id]

    def financial_notice(self, dossier: Dossier) -> FinancialNotice | None:
        manifest = self.manifest(dossier.procedure_version_id)
        spec = manifest.get("financial_notice")
        if not spec or dossier.id is None:
            return None
        # Re-read: the session may hold the step as loaded before the command's UPDATE completed it.
        steps = self._s.scalars(select(TaskRecord).where(TaskRecord.dossier_id == dossier.id,
                                                         TaskRecord.step == spec["step"])
                                .execution_options(populate_existing=True))
        forms = self._s.scalar(select(ProcedureVersionRecord.forms)
                               .where(ProcedureVersionRecord.id == dossier.procedure_version_id))
        return financial_notice(manifest, [task_from_record(r) for r in steps], forms or {})

    def latest_manifest(self, procedure_code: str) -> dict[str, Any]:
        manifest = self._s.scalar(select(ProcedureVersionRecord.manifest)
                                  .where(ProcedureVersionRecord.code == procedure_code)
                                  .order_by(ProcedureVersionRecord.version.desc()).limit(1))
        return manifest or {}

    def written_before(self, dossier_id: int, kind: str) -> bool:
        return self._s.scalar(select(OutboxRecord.id).where(OutboxRecord.dossier_id == dossier_id,
                                                            OutboxRecord.kind == kind).limit(1)) is not None

    def chain(self, dossier_id: int) -> list[dict[str, Any]]:
        rows = self._s.execute(select(HistoryEventRecord.seq, HistoryEventRecord.kind, HistoryEventRecord.at,
                                      HistoryEventRecord.hash).where(HistoryEventRecord.dossier_id == dossier_id)
                               .order_by(HistoryEventRecord.seq))
        return [{"seq": seq, "kind": kind, "at": instant(at if at.tzinfo else at.replace(tzinfo=UTC)),
                 "hash": bytes(digest).hex()} for seq, kind, at, digest in rows]

    def version_number(self, procedure_version_id: int) -> int:
        return int(self._s.scalar(select(ProcedureVersionRecord.version)
                                  .where(ProcedureVersionRecord.id == procedure_version_id)) or 0)

    def steps(self, dossier_id: int) -> list[Task]:
        # Re-read: the session may hold a step as loaded before the command's UPDATE completed it.
        return [task_from_record(r) for r in self._s.scalars(
            select(TaskRecord).where(TaskRecord.dossier_id == dossier_id).order_by(TaskRecord.created_at)
            .execution_options(populate_existing=True))]


_manifests: dict[tuple[str, int], dict[str, Any]] = {}


def _manifest(database: str, version_id: int, session: Session) -> dict[str, Any]:
    key = (database, version_id)
    if key not in _manifests:
        manifest = session.scalar(select(ProcedureVersionRecord.manifest)
                                  .where(ProcedureVersionRecord.id == version_id))
        if manifest is None:
            raise LookupError(f"procedure version {version_id} does not exist")
        _manifests[key] = manifest
    return _manifests[key]


