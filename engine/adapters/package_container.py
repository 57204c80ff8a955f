"""The ZIP container of a dossier package (docs/exchange.md "Container"), written and read as hostile input.

Reading never trusts what the archive declares: the whole is capped at MAX_PACKAGE_BYTES, each file at the
upload limit, the manifest and the signature far lower, and each entry is read in chunks that stop as soon as it
holds more than it declared (a zip bomb costs at most the caps). Only the exact entry names of the format are
accepted, once each, so no name can mean a path. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from engine.domain.errors import FieldError, FileTooLargeError, ValidationFailedError
from engine.domain.exchange import MAX_PACKAGE_BYTES, MEDIA_TYPE
from engine.domain.files import MAX_FILE_BYTES

MIMETYPE, MANIFEST, SIGNATURE = "mimetype", "manifest.json", "META-INF/signature.jws"
FILE_ENTRY = re.compile(r"files/[0-9a-f]{64}")
MAX_MANIFEST_BYTES = 5 * 1024 * 1024
"""A manifest with a long history and a large application is some tens of kilobytes."""
MAX_SIGNATURE_BYTES = 16 * 1024
MAX_ENTRIES = 3 + 1000
"""The fixed entries and at most as many files as a manifest may list."""
_LIMITS = {MIMETYPE: len(MEDIA_TYPE), MANIFEST: MAX_MANIFEST_BYTES, SIGNATURE: MAX_SIGNATURE_BYTES}
_CHUNK = 1024 * 1024
_EPOCH = (1980, 1, 1, 0, 0, 0)
"""Every entry's time: the same package content gives the same archive bytes."""


@dataclass(frozen=True)
class Container:
    entries: dict[str, bytes]
    """`mimetype`, `manifest.json` and `META-INF/signature.jws`."""
    files: dict[str, bytes]
    """The `files/<sha256>` entries, by name."""


def write_container(manifest: bytes, signature: str, files: Mapping[str, bytes]) -> bytes:
    """The package's bytes: `mimetype` first and stored (so the first bytes say what the file is, as in
    ASiC-E and EPUB), then the manifest, the signature and the files, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        _write(archive, MIMETYPE, MEDIA_TYPE.encode("ascii"), zipfile.ZIP_STORED)
        _write(archive, MANIFEST, manifest, zipfile.ZIP_DEFLATED)
        _write(archive, SIGNATURE, signature.encode("ascii"), zipfile.ZIP_DEFLATED)
        for path in sorted(files):
            _write(archive, path, files[path], zipfile.ZIP_DEFLATED)
    return out.getvalue()


def read_container(raw: bytes) -> Container:
    """The entries of `raw`; ValidationFailedError `package_malformed`, or FileTooLargeError, for anything
    but a well-formed container within the limits."""
    if len(raw) > MAX_PACKAGE_BYTES:
        raise _too_large(f"the package is larger than {MAX_PACKAGE_BYTES // (1024 * 1024)} MB")
    if not raw.startswith(b"PK\x03\x04"):
        raise malformed("the package is not a ZIP container starting with its mimetype entry")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = _checked_listing(archive.infolist())
            entries = {info.filename: _read(archive, info) for info in infos}
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise malformed(f"the package is not a readable ZIP container ({type(error).__name__})") from None
    if entries[MIMETYPE] != MEDIA_TYPE.encode("ascii"):
        raise malformed(f"the mimetype entry must be {MEDIA_TYPE}")
    return Container({name: entries[name] for name in _LIMITS},
                     {name: data for name, data in entries.items() if name not in _LIMITS})


def _checked_listing(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The archive's entries once their names, order, count, methods and declared sizes are the format's."""
    if len(infos) > MAX_ENTRIES:
        raise malformed(f"the package has more than {MAX_ENTRIES} entries")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise malformed("an entry name appears twice in the package")
    if unexpected := [n for n in names if n not in _LIMITS and not FILE_ENTRY.fullmatch(n)]:
        raise malformed(f"the package holds an entry the format does not allow: {unexpected[0][:80]!r}")
    if missing := [n for n in _LIMITS if n not in names]:
        raise malformed(f"the package has no {missing[0]} entry")
    if infos[0].filename != MIMETYPE or infos[0].compress_type != zipfile.ZIP_STORED or infos[0].header_offset:
        raise malformed("the mimetype entry must come first, stored (not compressed)")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise malformed(f"{info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise malformed(f"{info.filename} is compressed with a method other than stored or deflated")
        limit = _LIMITS.get(info.filename, MAX_FILE_BYTES)
        if info.file_size > limit:
            raise _too_large(f"{info.filename} declares {info.file_size} bytes, more than the {limit} allowed")
        total += info.file_size
    if total > MAX_PACKAGE_BYTES:
        raise _too_large(f"the package's entries declare more than {MAX_PACKAGE_BYTES // (1024 * 1024)} MB")
    return infos


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, read no further than one byte past what it declared."""
    chunks, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(min(_CHUNK, info.file_size + 1 - size)):
            size += len(chunk)
            if size > info.file_size:
                raise malformed(f"{info.filename} holds more bytes than it declares")
            chunks.append(chunk)
    if size != info.file_size:
        raise malformed(f"{info.filename} holds fewer bytes than it declares")
    return b"".join(chunks)


def _write(archive: zipfile.ZipFile, name: str, data: bytes, method: int) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def malformed(message: str, pointer: str = "") -> ValidationFailedError:
    """A `package_malformed` refusal; `pointer` into the manifest when the problem is there."""
    return ValidationFailedError(message, [FieldError(pointer or "/", message)], code="package_malformed")


def _too_large(message: str) -> FileTooLargeError:
    return FileTooLargeError(message, [FieldError("/", message)], code="package_too_large")
