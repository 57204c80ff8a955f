"""A dossier's files: the scans and electronic documents of its components, and its electronic result.

The bytes live in a content-addressed store (engine/domain/ports.py FileStore: the SHA-256 of the bytes is
their name); the database holds one `StoredFile` row per file attached. A file is written to the store
first and referenced by its row inside the command's transaction, so a failed command leaves at most an
unreferenced blob, which the orphan collection removes: nothing is ever half-attached.

A file is first *staged* (uploaded by one account, belonging to nothing) and then *attached*, in the
transaction of the command that uses it, to a dossier or a submission. Only its uploader can attach a
staged file; staged files never attached are collected after a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from engine.domain.errors import FieldError, ValidationFailedError

DIGEST = re.compile(r"[0-9a-f]{64}")
MAX_FILE_BYTES = 20 * 1024 * 1024
"""One file: a multi-page scan at 300 dpi fits; the national portal caps attachments lower."""
MAX_FILES_PER_DOCUMENT = 20
MAX_FILENAME = 200
STAGED_LIFETIME = timedelta(days=1)
"""A staged file not attached within this time is collected."""
ORPHAN_GRACE = timedelta(hours=1)
"""A blob is only collected when no row references it and it was written longer ago than this, so a
command still running (its blob written, its row not yet committed) never loses its file."""


class MediaType(StrEnum):
    """The only kinds of file accepted, recognised by their content, never by their name."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[self.value]


class ComponentForm(StrEnum):
    """What was actually brought for a component (bản chính, bản sao chứng thực, bản chụp, bản điện tử)."""

    ORIGINAL = "original"
    CERTIFIED_COPY = "certified_copy"
    PHOTOCOPY = "photocopy"
    ELECTRONIC = "electronic"


class FileSource(StrEnum):
    """Where a file came from (TaiLieuNop's DuocSoHoa / DuocTaiSuDung / DuocLayTuKhoDMQG)."""

    COUNTER = "counter"    # scanned or uploaded at the counter (digitised at receipt)
    ONLINE = "online"      # attached by the applicant online, through the national portal
    STEP = "step"          # added by an officer at a handling step
    REUSED = "reused"      # taken from an earlier result in the results store (re-used)
    RESULT = "result"      # the dossier's electronic result, signed by the issuing unit
    EXCHANGE = "exchange"  # came in a package from another province's deployment (engine/domain/exchange.py)


@dataclass(frozen=True)
class Component:
    """A component handed in (thành phần hồ sơ, TaiLieuNop): its name and form, and which document of the
    procedure's list it is, when the sender says so."""

    name: str
    form: str = "original"
    copies: int = 1
    document: int | None = None
    """Position in the procedure's document list."""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "form": self.form, "copies": self.copies, "document": self.document}


@dataclass(frozen=True)
class Blob:
    """Bytes as the store holds them."""

    digest: str
    size: int
    media_type: MediaType


@dataclass
class StoredFile:
    """One file attached (or staged to be attached) to a dossier or a submission."""

    blob: Blob
    filename: str
    uploaded_by: int
    uploaded_at: datetime
    unit_id: str
    """The uploader's unit (the province, for the portal's client)."""
    source: FileSource
    dossier_id: int | None = None
    submission_id: int | None = None
    document: int | None = None
    """Position in the procedure's document list; None for the result."""
    task_id: str | None = None
    """The step it was added at, if any."""
    reused_from: int | None = None
    """The result file it was taken from (FileSource.REUSED)."""
    subject_id: str | None = None
    """A result's holder (their personal ID number), so later dossiers can re-use it. Personal data."""
    attached_at: datetime | None = None
    id: int | None = None

    @property
    def staged(self) -> bool:
        return self.dossier_id is None and self.submission_id is None

    @property
    def is_result(self) -> bool:
        return self.source == FileSource.RESULT

    def attach_to_dossier(self, dossier_id: int, document: int | None, now: datetime,
                          task_id: str | None = None) -> None:
        self.dossier_id, self.submission_id, self.document, self.task_id = dossier_id, None, document, task_id
        self.attached_at = now


def clean_filename(name: str | None, media_type: MediaType) -> str:
    """A name safe to show and to send back in a Content-Disposition header: no path, no control or quote
    characters, at most MAX_FILENAME characters, with the extension its content has."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*;').strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: MAX_FILENAME - 5] or "tep"
    return f"{stem}.{media_type.extension}"


def check_digest(digest: str, pointer: str) -> str:
    if not DIGEST.fullmatch(digest):
        raise ValidationFailedError("not a file digest", [FieldError(pointer, "must be 64 lowercase hex digits")])
    return digest


def documents_with_files(files: list[StoredFile]) -> set[int]:
    """The procedure document positions that have at least one file."""
    return {f.document for f in files if f.document is not None and not f.is_result}
