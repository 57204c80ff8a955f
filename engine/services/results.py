"""The electronic result: issued at the leader's step of the competent unit as a PDF signed (PAdES) with
that unit's key, kept in the results store for re-use, downloaded by the citizen with the receipt's code
and secret once returned, and verified by anyone.

The PDF is rendered (or taken from the officer's upload) and signed outside any transaction, and written
to the file store before the short transaction that references it, as every file is
(engine/services/files.py).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from engine.adapters.printing import html_to_pdf, render_html
from engine.domain.actor import Actor, Role
from engine.domain.dossier import Dossier
from engine.domain.errors import ConflictError, FieldError, ForbiddenError, NotFoundError, UnsupportedFileError
from engine.domain.files import Blob, FileSource, MediaType, StoredFile
from engine.domain.ports import DocumentSigner, FileStore, SignatureCheck, UnitOfWork
from engine.domain.slip import Issuer, issuer
from engine.domain.status import DossierStatus
from engine.domain.step_outputs import in_vietnamese, outputs
from engine.domain.task import Task, TaskStatus
from engine.services.catalogue import Catalogue
from engine.services.files import Incoming, subject_of
from engine.services.public import citizen_dossier, counting_failures

MAX_VERIFY_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Issuing:
    dossier: Dossier
    step: Task
    issuer: str
    """The competent unit's name: its certificate's, and the signer the check reports."""
    masthead: Issuer
    """How the result's top-left block and signature name the issuing body."""


def issue(uow: UnitOfWork, store: FileStore, signer: DocumentSigner, *, actor: Actor, catalogue: Catalogue,
          clock: Callable[[], datetime], code: str, templates: Path, verify_hint: str,
          upload: Incoming | None = None) -> StoredFile:
    """Issue the dossier's electronic result: the officer's uploaded PDF, or one rendered from what the steps
    recorded, signed with the competent unit's key. Only the leader holding the dossier's ready step at the
    competent unit issues it, once (409 after)."""
    now = clock()
    with uow:
        issuing = _issuing(uow, actor, code)
        procedure = catalogue.version(uow.procedures, issuing.dossier.procedure_version_id)
        assert issuing.dossier.id is not None
        if upload is None:
            steps = outputs(uow.tasks.of_dossier(issuing.dossier.id), procedure.forms)
            html = render_html(templates, "result.html", issuer=issuing.masthead, code=code, issued_at=now,
                               procedure_name=procedure.name_vi, applicant_name=issuing.dossier.applicant_name,
                               received_at=issuing.dossier.received_at, verify_hint=verify_hint,
                               steps=[{"name": s.task.name,
                                       "fields": [(f.title_vi, in_vietnamese(f.value)) for f in s.fields]}
                                      for s in steps])
    if upload is not None and upload.blob.media_type != MediaType.PDF:
        raise UnsupportedFileError("a result is issued as a PDF", [FieldError("/file", "must be a PDF")],
                                   code="result_not_pdf")
    unsigned = _read(store, upload.blob.digest) if upload else html_to_pdf(html, templates)
    signed = signer.sign(unsigned, unit_id=issuing.dossier.competent_unit_id, unit_name=issuing.issuer,
                         reason=f"Kết quả giải quyết hồ sơ {code}")
    blob = _put(store, signed)
    with uow:
        again = _issuing(uow, actor, code, lock=True)  # the step may have been completed meanwhile
        assert again.dossier.id is not None
        stored = StoredFile(blob, f"ket-qua-{code}.pdf", actor.user_id, now, actor.unit_id, FileSource.RESULT,
                            subject_id=subject_of(again.dossier.application), task_id=again.step.id)
        stored.attach_to_dossier(again.dossier.id, None, now, again.step.id)
        uow.files.add(stored)
        assert stored.id is not None
        again.dossier.issue_result(stored.id, now, actor.user_id, actor.unit_id)
        uow.dossiers.update(again.dossier)
        uow.commit()
        return stored


def citizen_result(uow: UnitOfWork, store: FileStore, *, code: str, secret: str,
                   clock: Callable[[], datetime]) -> tuple[StoredFile, BinaryIO]:
    """The signed result, for the citizen with the receipt's code and secret, once the dossier is returned
    (wrong secrets count towards the code's lock as every look-up's do)."""
    now = clock()
    with counting_failures(uow, code, now), uow:
        dossier = citizen_dossier(uow, code, secret, now)
        stored = uow.files.get(dossier.result_file_id) if dossier.result_file_id is not None else None
    # Past the secret: a dossier without an electronic result is not a wrong guess, and must not count
    # towards the code's lock (the citizen asking again and again would lock their own code out).
    if stored is None:
        raise NotFoundError(f"dossier {code} has no electronic result", code="no_electronic_result", dossier=code)
    if dossier.status != DossierStatus.RETURNED:
        raise ConflictError("the electronic result is handed over when the dossier is returned",
                            status=dossier.status.value, code="result_before_return")
    return stored, store.open(stored.blob.digest)


def verify(signer: DocumentSigner, pdf: bytes) -> SignatureCheck:
    return signer.verify(pdf)


def _issuing(uow: UnitOfWork, actor: Actor, code: str, *, lock: bool = False) -> Issuing:
    dossier = uow.dossiers.get(code, lock=lock)
    if dossier is None:
        raise NotFoundError(f"dossier {code} does not exist", code="dossier_not_found", dossier=code)
    assert dossier.id is not None
    if not actor.has(Role.LEADER.value, dossier.competent_unit_id):  # before saying anything of its state
        raise ForbiddenError(f"the result of dossier {code} is issued by the competent unit's leader at the "
                             "signing step", code="result_signed_by_leader", dossier=code)
    if dossier.result_file_id is not None:
        raise ConflictError(f"dossier {code} has its electronic result already", status=dossier.status.value,
                            code="result_already_issued", dossier=code)
    step = next((t for t in uow.tasks.of_dossier(dossier.id) if t.status == TaskStatus.READY
                 and t.unit_id == dossier.competent_unit_id and t.role == Role.LEADER.value), None)
    if step is None:
        raise ConflictError(f"dossier {code} has no signing step ready at its competent unit",
                            status=dossier.status.value, code="no_signing_step", dossier=code)
    unit = uow.units.get(dossier.competent_unit_id)
    assert unit is not None
    parent = uow.units.get(unit.parent_id) if unit.parent_id else None
    province = uow.units.get(unit.province_id) if unit.province_id else None
    return Issuing(dossier, step, unit.name, issuer(unit, as_centre=False, parent=parent, province=province))


def _read(store: FileStore, digest: str) -> bytes:
    with store.open(digest) as stream:
        return stream.read()


def _put(store: FileStore, content: bytes) -> Blob:
    digest = hashlib.sha256(content).hexdigest()
    with tempfile.NamedTemporaryFile() as spooled:
        spooled.write(content)
        spooled.flush()
        store.put(digest, Path(spooled.name))
    return Blob(digest, len(content), MediaType.PDF)
