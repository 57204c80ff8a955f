"""Receiving an uploaded file's bytes and deciding, from its content alone, whether a dossier may hold it.

Files come from officers at the counter and from the national portal's machine client: both are hostile
input. `spool` copies the upload to a private temporary file while hashing it, and stops at the size limit
instead of reading whatever a client sends. `inspect` then names the file's kind from its first bytes
(never from its name or the declared Content-Type) and checks it deeply enough that the units which open
it later do not meet a surprise:

- PDF: parsed by pypdf in strict mode, so a damaged or ambiguous file (which viewers would each "repair"
  in their own way, possibly revealing objects this check never saw) is refused rather than guessed at.
  Encrypted PDFs are refused, even with an empty user password: units downstream cannot be counted on to
  open them, and their objects cannot be checked here without decrypting. PDFs with active content are
  refused: JavaScript, actions that launch programs, submit or import form data or open other files
  (GoToR, GoToE), multimedia (RichMedia), attached or embedded files, and XFA forms. Plain links (URI)
  and navigation inside the document are fine.
- JPEG and PNG: opened by Pillow, which must agree with the signature; refused above MAX_PIXELS, and when
  damaged or truncated.

Decision: such PDFs are REFUSED (415), not neutralised. Removing scripts or attachments means rewriting
the citizen's document, and the officer would then certify a file that is not the one the citizen gave;
the counter rescans the paper, or the citizen exports the document again without the offending content.

Nothing is decoded in full and nothing is rendered: PDF page content and image streams are never
decompressed (only object streams are, within pypdf's own limits), JPEGs are decoded at one eighth of their
size (enough for libjpeg to read every byte of the entropy-coded data, so truncation shows), and PNGs are
checked chunk by chunk (CRCs and the closing IEND) without inflating the pixels.

Messages are plain English for the officer and never quote the file's content.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, NoReturn

from engine.domain.errors import FieldError, FileTooLargeError, UnsupportedFileError
from engine.domain.files import MAX_FILE_BYTES, MediaType

if TYPE_CHECKING:
    from PIL import Image
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject, PdfObject

# pypdf (with fontTools) and Pillow are imported by the checks that use them, on the first upload: a web worker
# that never receives a file does without them.

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
MAX_PDF_PAGES = 2_000
MAX_PDF_OBJECTS = 100_000
"""A 2,000-page scan has well under 20,000 objects; beyond this cap the file is refused, not walked."""
MAX_PDF_NODES = 2_000_000
"""Dictionary entries and array items visited inside objects, all objects together (the walk's budget)."""
MAX_PIXELS = 50_000_000
"""An A4 page at 600 dpi is 35 megapixels: a real scan fits, a decompression bomb does not."""

PDF_SIGNATURE = b"%PDF-"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACCEPTED = "PDF, JPEG or PNG"

ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFiles": "attached files",
    "/EF": "attached files",
    "/XFA": "an XFA form",
}
"""Keys whose mere presence, in any dictionary, means active content (the /JavaScript and /EmbeddedFiles
name trees of the catalogue's /Names, an action's script, a file specification's embedded file)."""
ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/SubmitForm": "a form that sends data",
    "/ImportData": "a form that loads data",
    "/GoToR": "a link that opens another file",
    "/GoToE": "a link that opens an attached file",
    "/RichMediaExecute": "multimedia content",
}
"""Action types (/S) refused wherever the action sits: /OpenAction, /AA of the document, a page or a form
field, an annotation's /A, or the /Next of another action."""
ACTIVE_SUBTYPES = {"/FileAttachment": "attached files", "/RichMedia": "multimedia content"}
ACTIVE_TYPES = {"/EmbeddedFile": "attached files"}


@dataclass(frozen=True)
class Spooled:
    """An upload copied to a private temporary file, removed when the `with` block (or `close`) ends."""

    path: Path
    digest: str
    """SHA-256 of the bytes, lowercase hex: the blob's name in the FileStore."""
    size: int
    _file: IO[bytes] = field(repr=False)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spooled:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def spool(stream: IO[bytes], *, limit: int = MAX_FILE_BYTES, pointer: str = "/file") -> Spooled:
    """Copy `stream` to a temporary file, hashing it on the way; use the result in a `with` block.

    At most `limit + 1` bytes are read: a client sending an endless body is stopped as soon as it is known
    to be too large (FileTooLargeError), not after it has filled the disk. An empty upload is refused.
    On any error the temporary file is already gone when the exception leaves.
    """
    file = tempfile.NamedTemporaryFile(prefix="upload-", suffix=".part")  # noqa: SIM115 - Spooled owns it
    try:
        digest, size = _copy(stream, file, limit, pointer)
        if size == 0:
            _refuse(pointer, "the file is empty", "is empty")
        file.flush()
    except BaseException:
        file.close()
        raise
    return Spooled(Path(file.name), digest, size, file)


def _copy(stream: IO[bytes], file: IO[bytes], limit: int, pointer: str) -> tuple[str, int]:
    """Never asks the stream for more than one byte beyond `limit`, so an oversized body costs nothing."""
    hasher, size = hashlib.sha256(), 0
    while chunk := stream.read(min(CHUNK_BYTES, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise FileTooLargeError(f"the file is larger than {_megabytes(limit)}, the most one file may be: "
                                    "scan it at a lower resolution or split it into several files",
                                    [FieldError(pointer, f"is larger than {_megabytes(limit)}")])
        hasher.update(chunk)
        file.write(chunk)
    return hasher.hexdigest(), size


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.3g} MB"


def inspect(path: Path, *, pointer: str = "/file") -> MediaType:
    """The file's kind, from its content; UnsupportedFileError if it is not an accepted kind or unsafe."""
    with path.open("rb") as file:
        head = file.read(len(PNG_SIGNATURE))
    kind = _sniff(head)
    if kind is None:
        _refuse(pointer, f"the file is not a {ACCEPTED} document; only those are accepted",
                f"must be a {ACCEPTED} file")
    if kind is MediaType.PDF:
        _check_pdf(path, pointer)
    else:
        _check_image(path, kind, pointer)
    return kind


def _sniff(head: bytes) -> MediaType | None:
    """Signatures at byte 0 only: leading junk is what polyglot files (HTML or ZIP that is also a PDF)
    rely on, and no scanner or exporter writes it."""
    for signature, kind in ((PDF_SIGNATURE, MediaType.PDF), (JPEG_SIGNATURE, MediaType.JPEG),
                            (PNG_SIGNATURE, MediaType.PNG)):
        if head.startswith(signature):
            return kind
    return None


def _refuse(pointer: str, message: str, detail: str) -> NoReturn:
    raise UnsupportedFileError(message, [FieldError(pointer, detail)])


# PDF


class _Encrypted(Exception):
    """Raised by _Reader instead of deriving a key: any encrypted file is refused anyway."""


@cache
def _reader_class() -> type[PdfReader]:
    """pypdf's reader, subclassed on first use (pypdf is imported here, not with this module)."""
    from pypdf import PdfReader

    class _Reader(PdfReader):
        """A strict PdfReader that never tries to decrypt, so unsupported encryption handlers (certificate
        security, unknown versions) are reported as encryption rather than as a damaged file."""

        def _handle_encryption(self, password: str | bytes | None) -> None:
            raise _Encrypted

    return _Reader


def _check_pdf(path: Path, pointer: str) -> None:
    try:
        _check_pdf_structure(path, pointer)
    except UnsupportedFileError:
        raise
    except _Encrypted:
        _refuse_encrypted(pointer)
    except Exception as error:  # pypdf raises many kinds on hostile input; any means unreadable
        log.info("PDF refused as unreadable: %s", type(error).__name__)
        _refuse(pointer, "the file starts like a PDF but cannot be read: it is damaged, incomplete or malformed; "
                "scan or export it again", "is not a readable PDF")


def _check_pdf_structure(path: Path, pointer: str) -> None:
    """Encryption first (nothing else can be read), the object count before any object is parsed, the pages
    last (pypdf walks the page tree with its own depth and size limits)."""
    with _reader_class()(path, strict=True, xref_stream_maximum_entries=MAX_PDF_OBJECTS + 1) as reader:
        if reader.is_encrypted:  # unreachable while _Reader's override holds; kept should pypdf rename the hook
            _refuse_encrypted(pointer)
        references = _object_references(reader)
        if len(references) > MAX_PDF_OBJECTS:
            _refuse(pointer, f"the PDF has more than {MAX_PDF_OBJECTS:,} objects, too many to check: "
                    "print it to a new PDF or scan it again", "has too many objects")
        _check_active_content(reader, references, pointer)
        _check_pages(len(reader.pages), pointer)


def _refuse_encrypted(pointer: str) -> NoReturn:
    _refuse(pointer, "an encrypted PDF cannot be read by the units that handle the dossier: "
            "export it again without a password or protection", "is an encrypted PDF")


def _object_references(reader: PdfReader) -> list[IndirectObject]:
    """Every object the cross-reference tables list (free entries left out), each exactly once.

    Walking the table rather than following references from the catalogue visits each object once, needs
    no cycle detection, and also sees objects no reference reaches (which a viewer may still find)."""
    from pypdf.generic import IndirectObject

    references = [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    for generation, entries in reader.xref.items():
        free = reader.xref_free_entry.get(generation, {})
        references.extend(IndirectObject(number, generation, reader) for number in entries if not free.get(number))
    return references


def _check_active_content(reader: PdfReader, references: list[IndirectObject], pointer: str) -> None:
    budget = MAX_PDF_NODES
    for item in _roots(reader, references):
        for dictionary in _dictionaries(item):
            budget -= len(dictionary) + 1
            if budget < 0:
                _refuse(pointer, "the PDF is too complex to check: print it to a new PDF or scan it again",
                        "is too complex")
            what = _active_content(dictionary)
            if what is not None:
                _refuse(pointer, f"the PDF contains {what}, which a dossier file may not: scan the paper "
                        "document again, or export the PDF again without it", f"contains {what}")


def _roots(reader: PdfReader, references: list[IndirectObject]) -> Iterator[PdfObject | None]:
    yield reader.trailer
    for reference in references:
        yield reader.get_object(reference)


def _dictionaries(item: PdfObject | None) -> Iterator[DictionaryObject]:
    """The dictionaries (streams included) directly inside one object, nested ones too, without recursion.

    References are not followed: the object they point to is visited on its own turn."""
    from pypdf.generic import ArrayObject, DictionaryObject

    stack = [item]
    while stack:
        current = stack.pop()
        if isinstance(current, DictionaryObject):
            yield current
            stack.extend(dict.values(current))  # dict's own: raw values, references unresolved
        elif isinstance(current, ArrayObject):
            stack.extend(list.__iter__(current))


def _active_content(dictionary: DictionaryObject) -> str | None:
    """What active content this dictionary is or holds, in words for the officer; None if it is inert."""
    for key in dictionary:
        if key in ACTIVE_KEYS:
            return ACTIVE_KEYS[key]
    for key, refused in (("/S", ACTIVE_ACTIONS), ("/Subtype", ACTIVE_SUBTYPES), ("/Type", ACTIVE_TYPES)):
        name = _name(dict.get(dictionary, key))
        if name in refused:
            return refused[name]
    return None


def _name(value: object) -> str | None:
    """A name, resolving one reference (an action type may legally be an indirect object)."""
    from pypdf.generic import IndirectObject, NameObject

    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if isinstance(value, NameObject) else None


def _check_pages(count: int, pointer: str) -> None:
    if count == 0:
        _refuse(pointer, "the PDF has no pages", "has no pages")
    if count > MAX_PDF_PAGES:
        _refuse(pointer, f"the PDF has {count:,} pages, more than the {MAX_PDF_PAGES:,} one file may have: "
                "split it into several files", f"has more than {MAX_PDF_PAGES:,} pages")


# Images


PILLOW_FORMATS = {MediaType.JPEG: ("JPEG", "MPO"), MediaType.PNG: ("PNG",)}
"""What Pillow may call a file with each signature. MPO is a JPEG with extra images after the first, as
some cameras and phones write them."""


def _check_image(path: Path, kind: MediaType, pointer: str) -> None:
    from PIL import Image

    try:
        _check_image_content(path, kind, pointer)
    except UnsupportedFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse_pixels(pointer)
    except Exception as error:  # Pillow raises many kinds on damaged input; any means unreadable
        log.info("image refused as unreadable: %s", type(error).__name__)
        _refuse(pointer, f"the file starts like a {kind.name} image but cannot be read: it is "
                "damaged or incomplete; scan it again", f"is not a readable {kind.name} image")


def _check_image_content(path: Path, kind: MediaType, pointer: str) -> None:
    """Opening only reads the header; the pixel limit is checked before a single pixel is decoded."""
    formats = PILLOW_FORMATS[kind]
    with path.open("rb") as file, _open_image(file, formats) as image:
        if image.format not in formats:
            raise ValueError("Pillow disagrees with the signature")
        width, height = image.size
        if width * height > MAX_PIXELS:
            _refuse_pixels(pointer)
        if kind is MediaType.JPEG:
            image.draft("L", (1, 1))  # decode at 1/8 scale: every byte still read, little memory or time
            # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when it is imported (to print), which
            # would let a cut-off JPEG load as if whole; our printed forms embed no raster image.
            from PIL import ImageFile

            ImageFile.LOAD_TRUNCATED_IMAGES = False
            image.load()
        else:
            image.verify()  # every chunk's CRC, up to IEND, without inflating the pixels


def _open_image(file: IO[bytes], formats: tuple[str, ...]) -> Image.Image:
    """Pillow warns, rather than raises, between its own pixel limit and twice that; the warning is made an
    error here so that it never reaches the log (our lower limit refuses those images anyway) and so that
    tests run with warnings as errors see the same 415. Other Pillow warnings (a malformed MPO index read
    as a plain JPEG) are not about safety and are ignored."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(file, formats=formats)


def _refuse_pixels(pointer: str) -> NoReturn:
    _refuse(pointer, f"the image has more than {MAX_PIXELS // 1_000_000} megapixels: scan it at a lower "
            "resolution (300 dpi is enough)", f"has more than {MAX_PIXELS // 1_000_000} megapixels")
