"""File use cases: take an upload in, attach files to a dossier's components, open them, re-use an earlier
result, and collect what nothing references.

Every upload is spooled, checked by its content (engine/adapters/file_content.py) and written to the store
*before* the transaction that references it; a command that fails leaves at most a blob no row references,
which `collect_orphans` removes after a grace period. Officers of the units involved in a dossier (those
that may act on it: receiving, competent, returning, or holding one of its steps) open its files; nobody
else does, supervisors and the public included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, BinaryIO

from engine.adapters.file_content import inspect, spool
from engine.domain.actor import Actor, Role
from engine.domain.dossier import Dossier, EventKind
from engine.domain.errors import ConflictError, FieldError, ForbiddenError, NotFoundError, ValidationFailedError
from engine.domain.files import (
    MAX_FILES_PER_DOCUMENT,
    ORPHAN_GRACE,
    STAGED_LIFETIME,
    Blob,
    FileSource,
    StoredFile,
    clean_filename,
    documents_with_files,
)
from engine.domain.forms import resolve_pointer
from engine.domain.lifecycle import PROCESSING_ENDS
from engine.domain.ports import FileStore, UnitOfWork
from engine.domain.stat_spans import Digitisation
from engine.domain.status import DossierStatus
from engine.domain.task import TaskStatus
from engine.services.catalogue import Catalogue

OFFICER_ROLES = (Role.RECEPTION.value, Role.SPECIALIST.value, Role.LEADER.value)
SUBJECT_POINTER = "/applicant/id_number"
"""Where an application holds the personal ID of the person a result is issued to (re-use looks it up)."""


@dataclass(frozen=True)
class Incoming:
    """A file received, checked and written to the store, not yet referenced by any row."""

    blob: Blob
    filename: str


@dataclass(frozen=True)
class FileRequest:
    """A staged file to attach to a component (a document of the procedure's list)."""

    file_id: int
    document: int
    content: str | None = None
    """The staged file's digest, once read: a resent request is recognised by its files' content."""


@contextmanager
def receiving(store: FileStore, stream: BinaryIO, filename: str | None, *, limit: int | None = None,
              pointer: str = "/file") -> Iterator[Incoming]:
    """Spool an upload, check its content and write it to the store; the caller then references it in its
    transaction. 413 above the size limit, 415 for anything but a clean PDF, JPEG or PNG."""
    with spool(stream, pointer=pointer, **({"limit": limit} if limit else {})) as spooled:
        media_type = inspect(spooled.path, pointer=pointer)
        store.put(spooled.digest, spooled.path)
        yield Incoming(Blob(spooled.digest, spooled.size, media_type), clean_filename(filename, media_type))


def stage(uow: UnitOfWork, *, actor: Actor, incoming: Incoming, clock: Callable[[], datetime]) -> StoredFile:
    """Keep an upload as a staged file of its uploader, to be attached by a later command (a reception, a
    submission); collected after a day if it never is."""
    if not any(role in actor.roles for role in (*OFFICER_ROLES, Role.PORTAL.value)):
        raise ForbiddenError("only officers and the portal's client upload files")
    staged = StoredFile(incoming.blob, incoming.filename, actor.user_id, clock(), actor.unit_id,
                        FileSource.ONLINE if Role.PORTAL.value in actor.roles else FileSource.COUNTER)
    with uow:
        uow.files.add(staged)
        uow.commit()
    return staged


def adopt(uow: UnitOfWork, actor: Actor, requests: list[FileRequest], documents: list[dict[str, Any]],
          pointer: str) -> list[StoredFile]:
    """The actor's own staged files named in `requests`, locked and checked, inside the caller's transaction
    (which attaches them): 422 naming the request for a file that is not theirs, not staged, or for a
    document not in the procedure's list."""
    adopted, errors = [], []
    for n, request in enumerate(requests):
        stored = uow.files.get(request.file_id, lock=True)
        if stored is None or not stored.staged or stored.uploaded_by != actor.user_id:
            errors.append(FieldError(f"{pointer}/{n}/file_id", "is not a file you uploaded and have not attached"))
        elif not 0 <= request.document < len(documents):
            errors.append(FieldError(f"{pointer}/{n}/document",
                                     f"must be a document position from 0 to {len(documents) - 1}"))
        else:
            stored.document = request.document
            adopted.append(stored)
    if len({r.file_id for r in requests}) != len(requests):
        errors.append(FieldError(pointer, "names a file twice"))
    errors += _crowded([f.document for f in adopted], pointer)
    if errors:
        raise ValidationFailedError("some files cannot be attached", errors, code="files_not_attachable")
    return adopted


def with_contents(uow: UnitOfWork, requests: list[FileRequest]) -> list[FileRequest]:
    """The requests with their files' digests filled in (a request's idempotency digest uses them)."""
    return [replace(r, content=stored.blob.digest if (stored := uow.files.get(r.file_id)) else None)
            for r in requests]


def attach_adopted(uow: UnitOfWork, dossier: Dossier, files: list[StoredFile], now: datetime) -> None:
    """Attach files adopted for a dossier (its reception, or its submission's files once accepted)."""
    assert dossier.id is not None
    for stored in files:
        stored.attach_to_dossier(dossier.id, stored.document, now)
        uow.files.update(stored)


def attach(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime], code: str,
           document: int, incoming: Incoming, task_id: str | None = None) -> StoredFile:
    """Attach an uploaded file to a component of a dossier in process, at the counter or at a step. The
    dossier row is locked and its version moves, so an attachment and a step's completion are ordered: a
    file sent for a step that another officer has just completed is refused (409)."""
    now = clock()
    with uow:
        dossier = _actable(uow, actor, code)
        _check_open(dossier)
        _check_room(uow, catalogue, dossier, document)
        task_id = _attaching_step(uow, actor, dossier, task_id)
        assert dossier.id is not None
        source = FileSource.STEP if task_id else FileSource.COUNTER
        stored = StoredFile(incoming.blob, incoming.filename, actor.user_id, now, actor.unit_id, source)
        stored.attach_to_dossier(dossier.id, document, now, task_id)
        uow.files.add(stored)
        dossier.record(EventKind.FILE_ATTACHED, now, actor.user_id, actor.unit_id, file=stored.id, document=document,
                       source=source.value, media_type=incoming.blob.media_type.value, size=incoming.blob.size,
                       **({"step_task": task_id} if task_id else {}))
        uow.dossiers.update(dossier)
        uow.commit()
        return stored


def of_dossier(uow: UnitOfWork, *, actor: Actor, code: str) -> tuple[Dossier, list[StoredFile]]:
    with uow:
        dossier = _viewable(uow, actor, code)
        assert dossier.id is not None
        return dossier, uow.files.of_dossier(dossier.id)


def open_file(uow: UnitOfWork, store: FileStore, *, actor: Actor, code: str, file_id: int) -> tuple[StoredFile,
                                                                                                     BinaryIO]:
    """A dossier's file and its bytes, for an officer of a unit involved; 404 for a file of another dossier."""
    with uow:
        dossier = _viewable(uow, actor, code)
        stored = uow.files.get(file_id)
        if stored is None or stored.dossier_id != dossier.id:
            raise NotFoundError(f"dossier {code} has no file {file_id}", code="file_not_found", dossier=code)
    return stored, bytes_of(store, stored)


def bytes_of(store: FileStore, stored: StoredFile) -> BinaryIO:
    """The file's bytes from the store; 404 if the row outlived its blob (a database restored without the
    store of the same moment)."""
    try:
        return store.open(stored.blob.digest)
    except FileNotFoundError as error:
        raise NotFoundError(f"the bytes of file {stored.id} are missing from the file store") from error


def reusable_results(uow: UnitOfWork, *, actor: Actor, code: str) -> list[StoredFile]:
    """Results issued earlier to this dossier's applicant (by the personal ID in its application), which a
    component can re-use instead of a new scan. Looked up only through a dossier the officer acts on, so the
    results store is never searched by an arbitrary ID. A read: the dossier is not locked."""
    with uow:
        dossier = _viewable(uow, actor, code)
        subject = subject_of(dossier.application)
        if subject is None:
            return []
        return [f for f in uow.files.results_of_subject(subject) if f.dossier_id != dossier.id]


def reuse(uow: UnitOfWork, *, actor: Actor, catalogue: Catalogue, clock: Callable[[], datetime], code: str,
          document: int, result_id: int) -> StoredFile:
    """Attach an earlier result of the same applicant to a component, marked re-used (DuocTaiSuDung)."""
    now = clock()
    with uow:
        dossier = _actable(uow, actor, code)
        _check_open(dossier)
        _check_room(uow, catalogue, dossier, document)
        task_id = _attaching_step(uow, actor, dossier, None)
        result = uow.files.get(result_id)
        subject = subject_of(dossier.application)
        if result is None or not result.is_result or subject is None or result.subject_id != subject:
            raise NotFoundError(f"the applicant of dossier {code} holds no result {result_id}")
        assert dossier.id is not None
        stored = StoredFile(result.blob, result.filename, actor.user_id, now, actor.unit_id, FileSource.REUSED,
                            reused_from=result.id)
        stored.attach_to_dossier(dossier.id, document, now, task_id)
        uow.files.add(stored)
        dossier.record(EventKind.FILE_ATTACHED, now, actor.user_id, actor.unit_id, file=stored.id, document=document,
                       source=FileSource.REUSED.value, reused_from=result.id)
        uow.dossiers.update(dossier)
        uow.commit()
        return stored


def collect_orphans(uow: UnitOfWork, store: FileStore, *, now: datetime, batch: int = 500) -> tuple[int, int]:
    """Remove staged files never attached (after a day), then blobs no row references (after the grace
    period that covers a command between writing its blob and committing its row). Returns both counts."""
    staged = 0
    while True:
        with uow:
            removed = uow.files.delete_staged(now - STAGED_LIFETIME, batch)
            uow.commit()
        staged += removed
        if removed < batch:
            break
    blobs, cutoff = 0, now - ORPHAN_GRACE
    old = [digest for digest, written in store.listing() if written < cutoff]
    for start in range(0, len(old), batch):
        chunk = old[start:start + batch]
        with uow:
            referenced = uow.files.referenced(chunk)
        # A command that stores the same bytes again refreshes the blob's time before committing its row: the
        # time is looked at again just before deleting, so a blob put after the listing stays.
        blobs += sum(store.delete(digest, written_before=cutoff) for digest in chunk if digest not in referenced)
    return staged, blobs


def digitisation_of(files: list[StoredFile], documents: list[dict[str, Any]]) -> tuple[str, bool]:
    """How far the components were digitised at receipt (from the files really attached) and whether one was
    re-used: the RECEIVED event's facts for Decision 766 indicators 4.2 and 4.3."""
    scanned = documents_with_files(files)
    required = {i for i, d in enumerate(documents) if d.get("required")}
    level = (Digitisation.ALL if scanned and required <= scanned
             else Digitisation.SOME if scanned else Digitisation.NONE)
    return level.value, any(f.source == FileSource.REUSED for f in files)


def subject_of(application: dict[str, Any]) -> str | None:
    value = resolve_pointer(application, SUBJECT_POINTER)
    return str(value) if isinstance(value, str | int) and str(value).strip() else None


def _viewable(uow: UnitOfWork, actor: Actor, code: str, *, lock: bool = False) -> Dossier:
    """The dossier, if the actor is an officer of a unit involved in it (its files hold personal data: a
    supervisor reads figures and registers, not scans)."""
    dossier = uow.dossiers.get(code, lock=lock)
    if dossier is None:
        raise NotFoundError(f"dossier {code} does not exist", code="dossier_not_found", dossier=code)
    if not dossier.involves(actor.unit_id) or not any(r in actor.roles for r in OFFICER_ROLES):
        raise ForbiddenError(f"the files of dossier {code} are open to the officers of the units handling it",
                             code="dossier_not_yours", dossier=code)
    return dossier


def _actable(uow: UnitOfWork, actor: Actor, code: str) -> Dossier:
    """The dossier locked, if the actor is an officer of a unit involved in it."""
    return _viewable(uow, actor, code, lock=True)


def _check_open(dossier: Dossier) -> None:
    """Files are added while the dossier is in process: not once it is returned or has ended (409)."""
    if dossier.status in PROCESSING_ENDS or dossier.status == DossierStatus.RETURNED:
        raise ConflictError(f"dossier {dossier.code} is {dossier.status.value}: its files are closed",
                            status=dossier.status.value, code="dossier_files_closed", dossier=dossier.code)


def _attaching_step(uow: UnitOfWork, actor: Actor, dossier: Dossier, task_id: str | None) -> str | None:
    """The step a file is added at: the one named, which the actor must hold and which must be ready (409 once
    completed), else the actor's own ready step of the dossier; None at the receiving centre's counter. Anyone
    else (another officer of a unit involved, between its steps) may read the files but not add to them."""
    if task_id is not None:
        task = uow.tasks.get(task_id)
        if task is None or task.dossier_id != dossier.id:
            raise NotFoundError(f"dossier {dossier.code} has no step {task_id}")
        if task.status != TaskStatus.READY:
            raise ConflictError(f"step {task.name} is already {task.status.value}", status=dossier.status.value,
                                code="step_not_ready", step=task.name, step_status=task.status.value)
        actor.require(task.role, task.unit_id)
        return task_id
    assert dossier.id is not None
    held = next((t.id for t in uow.tasks.of_dossier(dossier.id) if t.status == TaskStatus.READY
                 and actor.has(t.role, t.unit_id)), None)
    if held is None and not actor.has(Role.RECEPTION.value, dossier.receiving_unit_id):
        raise ForbiddenError(f"files are added to dossier {dossier.code} at its receiving centre's counter or by "
                             "the officer holding one of its steps", code="files_not_yours", dossier=dossier.code)
    return held


def _check_room(uow: UnitOfWork, catalogue: Catalogue, dossier: Dossier, document: int) -> None:
    """422 unless `document` is a component of the dossier's procedure with room for one more file."""
    documents = catalogue.version(uow.procedures, dossier.procedure_version_id).manifest["documents"]
    if not 0 <= document < len(documents):
        raise ValidationFailedError("no such component", [FieldError(
            "/document", f"must be a document position from 0 to {len(documents) - 1}")], code="no_such_component")
    assert dossier.id is not None
    if crowded := _crowded([f.document for f in uow.files.of_dossier(dossier.id)] + [document], "/document"):
        raise ValidationFailedError("too many files", crowded, code="too_many_files")


def _crowded(documents: list[int | None], pointer: str) -> list[FieldError]:
    """An error for each component these files would give more than MAX_FILES_PER_DOCUMENT files."""
    crowded = sorted({d for d in documents if d is not None and documents.count(d) > MAX_FILES_PER_DOCUMENT})
    return [FieldError(pointer, f"component {d} would have more than {MAX_FILES_PER_DOCUMENT} files")
            for d in crowded]
