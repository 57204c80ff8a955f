"""Uploaded files: spooled to disk within the size limit, and accepted only when their content is a safe PDF,
JPEG or PNG. Every file here is generated (pypdf, Pillow) or assembled byte by byte, so each refusal is for the
reason the test names: the assertions check the message, not only the status."""

from __future__ import annotations

import hashlib
import io
import struct
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, cast

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.annotations import Link
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from engine.adapters import file_content
from engine.adapters.file_content import CHUNK_BYTES, Spooled, inspect, spool
from engine.domain.errors import FieldError, FileTooLargeError, UnsupportedFileError
from engine.domain.files import MediaType

# Building files


def pdf_bytes(change: Callable[[PdfWriter], None] | None = None, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if change is not None:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(*bodies: bytes) -> bytes:
    """A PDF assembled by hand (object 1 is the catalogue), with a correct cross-reference table: for what
    PdfWriter will not write, such as names spelled with #-escapes or objects nothing refers to."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, start)
    return bytes(out)


def packed_pdf(direct: list[bytes], packed: list[bytes]) -> bytes:
    """A PDF 1.5 file: objects 1..len(direct) written plainly, the next ones inside an object stream, and a
    cross-reference stream (how Word, Acrobat and most exporters write PDFs today)."""
    first_packed, stream_number = len(direct) + 1, len(direct) + len(packed) + 1
    xref_number = stream_number + 1
    header, bodies = b"", b""
    for index, body in enumerate(packed):
        header += b"%d %d " % (first_packed + index, len(bodies))
        bodies += body + b"\n"
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number, body in enumerate(direct, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[stream_number] = len(out)
    content = header + bodies
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (
        stream_number, len(packed), len(header), len(content), content)
    offsets[xref_number] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, xref_number + 1):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        else:
            rows.append(struct.pack(">BIH", 2, stream_number, number - first_packed))
    table = b"".join(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\n"
            b"endobj\nstartxref\n%d\n%%%%EOF\n") % (xref_number, xref_number + 1, len(table), table,
                                                  offsets[xref_number])
    return bytes(out)


CATALOGUE = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def image_bytes(kind: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, kind)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose IHDR announces width x height pixels: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + chunk(b"IEND", b""))


@pytest.fixture
def write(tmp_path: Path) -> Callable[[bytes, str], Path]:
    def write(data: bytes, name: str = "upload.part") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write


def refused(path: Path, *, pointer: str = "/file") -> UnsupportedFileError:
    with pytest.raises(UnsupportedFileError) as caught:
        inspect(path, pointer=pointer)
    assert [error.pointer for error in caught.value.errors] == [pointer]
    return caught.value


# Recognising the kind by content


def test_a_valid_pdf_jpeg_and_png_are_recognised(write: Callable[[bytes, str], Path]) -> None:
    assert inspect(write(pdf_bytes(pages=3), "a.bin")) is MediaType.PDF
    assert inspect(write(image_bytes("JPEG"), "b.bin")) is MediaType.JPEG
    assert inspect(write(image_bytes("PNG"), "c.bin")) is MediaType.PNG


def test_the_content_decides_not_the_name(write: Callable[[bytes, str], Path]) -> None:
    assert inspect(write(image_bytes("PNG"), "scan.pdf")) is MediaType.PNG
    assert inspect(write(pdf_bytes(), "photo.jpg")) is MediaType.PDF


@pytest.mark.parametrize("content", [
    b"Just some text, saved as scan.pdf\n",
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"  %PDF-1.7\n",  # a PDF header only counts at byte 0
    b"\xef\xbb\xbf%PDF-1.7\n",
], ids=["text", "html", "exe", "gif", "leading-blanks", "leading-bom"])
def test_anything_but_pdf_jpeg_or_png_is_refused(write: Callable[[bytes, str], Path], content: bytes) -> None:
    error = refused(write(content, "scan.pdf"), pointer="/documents/0/file")
    assert "PDF, JPEG or PNG" in str(error)
    assert error.errors == [FieldError("/documents/0/file", "must be a PDF, JPEG or PNG file")]


def test_a_zip_is_refused_even_holding_a_pdf(write: Callable[[bytes, str], Path]) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("scan.pdf", pdf_bytes())
    assert "PDF, JPEG or PNG" in str(refused(write(archive.getvalue(), "scan.pdf")))


def test_messages_never_quote_the_content(write: Callable[[bytes, str], Path]) -> None:
    secret = b"CCCD 046099001234 NGUYEN VAN A"
    for content in (secret, b"%PDF-1.7\n" + secret, b"\xff\xd8\xff" + secret, b"\x89PNG\r\n\x1a\n" + secret):
        error = refused(write(content, "x.part"))
        assert "046099001234" not in str(error) + repr(error.errors)


# PDF


def test_document_level_javascript_is_refused(write: Callable[[bytes, str], Path]) -> None:
    path = write(pdf_bytes(lambda writer: writer.add_open_action(JavaScript("app.alert('hi')"))), "js.pdf")
    assert refused(path).errors[0].message == "contains JavaScript"


def test_an_open_action_running_javascript_is_refused(write: Callable[[bytes, str], Path]) -> None:
    def open_action(writer: PdfWriter) -> None:
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("this.print()")}))
    assert "JavaScript" in str(refused(write(pdf_bytes(open_action), "open.pdf")))


def test_a_page_action_running_javascript_is_refused(write: Callable[[bytes, str], Path]) -> None:
    path = write(pdf_bytes(lambda writer: writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("1"))), "p.pdf")
    assert "JavaScript" in str(refused(path))


def test_an_annotation_launching_a_program_is_refused(write: Callable[[bytes, str], Path]) -> None:
    def launch(writer: PdfWriter) -> None:
        link = Link(rect=(50, 50, 200, 80), url="https://dichvucong.gov.vn")
        link[NameObject("/A")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
        writer.add_annotation(0, link)
    assert refused(write(pdf_bytes(launch), "launch.pdf")).errors[0].message == \
        "contains an action that starts a program"


def test_a_plain_web_link_is_accepted(write: Callable[[bytes, str], Path]) -> None:
    def link(writer: PdfWriter) -> None:
        writer.add_annotation(0, Link(rect=(50, 50, 200, 80), url="https://dichvucong.gov.vn"))
    assert inspect(write(pdf_bytes(link), "link.pdf")) is MediaType.PDF


def test_an_attached_file_is_refused(write: Callable[[bytes, str], Path]) -> None:
    def attach(writer: PdfWriter) -> None:
        writer.add_attachment("invoice.exe", b"MZ payload")
    path = write(pdf_bytes(attach), "att.pdf")
    assert refused(path).errors[0].message == "contains attached files"


@pytest.mark.parametrize("body, what", [
    (b"<< /S /SubmitForm /F (https://example.org/collect) >>", "a form that sends data"),
    (b"<< /S /ImportData /F (data.fdf) >>", "a form that loads data"),
    (b"<< /S /GoToR /F (\\\\\\\\host\\\\share\\\\a.pdf) /D [0 /Fit] >>", "a link that opens another file"),
    (b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>", "multimedia content"),
    (b"<< /Fields [] /XFA 5 0 R >>", "an XFA form"),
    (b"<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream", "attached files"),
], ids=["submit", "import", "gotor", "richmedia", "xfa", "embedded-stream"])
def test_other_active_content_is_refused(write: Callable[[bytes, str], Path], body: bytes, what: str) -> None:
    path = write(raw_pdf(CATALOGUE, PAGES, PAGE, body, b"<< >>"), "active.pdf")
    assert refused(path).errors[0].message == f"contains {what}"


def test_names_spelled_with_escapes_are_still_recognised(write: Callable[[bytes, str], Path]) -> None:
    catalogue = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    path = write(raw_pdf(catalogue, PAGES, PAGE, b"<< /S /L#61unch /F (calc.exe) >>"), "escaped.pdf")
    assert refused(path).errors[0].message == "contains an action that starts a program"


def test_an_action_type_given_by_reference_is_resolved(write: Callable[[bytes, str], Path]) -> None:
    catalogue = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
    path = write(raw_pdf(catalogue, PAGES, PAGE, b"<< /S 5 0 R /F (calc.exe) >>", b"/Launch"), "ref.pdf")
    assert refused(path).errors[0].message == "contains an action that starts a program"


def test_active_content_nothing_refers_to_is_still_found(write: Callable[[bytes, str], Path]) -> None:
    orphan = b"<< /Type /Action /S /Launch /F (calc.exe) >>"
    assert inspect(write(raw_pdf(CATALOGUE, PAGES, PAGE, b"<< /S /GoTo /D [3 0 R /Fit] >>"), "a.pdf")) \
        is MediaType.PDF
    assert "starts a program" in str(refused(write(raw_pdf(CATALOGUE, PAGES, PAGE, orphan), "b.pdf")))


def test_active_content_inside_an_object_stream_is_found(write: Callable[[bytes, str], Path]) -> None:
    inert = packed_pdf([CATALOGUE], [PAGES, PAGE])
    assert inspect(write(inert, "inert.pdf")) is MediaType.PDF
    scripted = packed_pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"],
                          [PAGES, PAGE, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"])
    assert refused(write(scripted, "scripted.pdf")).errors[0].message == "contains JavaScript"


def test_reference_cycles_are_walked_once(write: Callable[[bytes, str], Path]) -> None:
    catalogue = b"<< /Type /Catalog /Pages 2 0 R /Loop 4 0 R >>"
    path = write(raw_pdf(catalogue, PAGES, PAGE, b"<< /Next 5 0 R >>", b"<< /Next 4 0 R /Again 1 0 R >>"), "c.pdf")
    assert inspect(path) is MediaType.PDF


def test_a_page_tree_that_loops_is_refused(write: Callable[[bytes, str], Path]) -> None:
    looping = b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>"
    assert "cannot be read" in str(refused(write(raw_pdf(CATALOGUE, looping, PAGE), "loop.pdf")))


@pytest.mark.parametrize("user_password", ["", "secret"], ids=["empty-password", "real-password"])
def test_an_encrypted_pdf_is_refused(write: Callable[[bytes, str], Path], user_password: str) -> None:
    path = write(pdf_bytes(lambda writer: writer.encrypt(user_password, "owner", algorithm="AES-128")), "e.pdf")
    error = refused(path)
    assert str(error).startswith("an encrypted PDF cannot be read by the units that handle the dossier")


def test_an_encrypted_pdf_with_an_unknown_handler_is_still_called_encrypted(
        write: Callable[[bytes, str], Path]) -> None:
    plain = raw_pdf(CATALOGUE, PAGES, PAGE, b"<< /Filter /Adobe.PubSec /V 4 /Recipients [] >>")
    path = write(plain.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 4 0 R"), "pubsec.pdf")
    assert refused(path).errors[0].message == "is an encrypted PDF"


@pytest.mark.parametrize("keep", [lambda n: n // 2, lambda n: n * 9 // 10, lambda n: n - len(b"%%EOF\n")],
                         ids=["half", "most", "eof-marker"])
def test_a_truncated_pdf_is_refused(write: Callable[[bytes, str], Path], keep: Callable[[int], int]) -> None:
    whole = pdf_bytes(pages=5)
    assert whole.endswith(b"%%EOF\n")
    assert inspect(write(whole, "whole.pdf")) is MediaType.PDF
    assert refused(write(whole[: keep(len(whole))], "cut.pdf")).errors[0].message == "is not a readable PDF"


def test_a_pdf_whose_offsets_are_wrong_is_refused_not_repaired(write: Callable[[bytes, str], Path]) -> None:
    # Viewers each rebuild a broken cross-reference table their own way and may find objects this check did not.
    whole = raw_pdf(CATALOGUE, PAGES, PAGE)
    assert inspect(write(whole, "whole.pdf")) is MediaType.PDF
    shifted = whole.replace(b"%PDF-1.7\n", b"%PDF-1.7\n%" + b"x" * 40 + b"\n", 1)
    assert refused(write(shifted, "shifted.pdf")).errors[0].message == "is not a readable PDF"


def test_garbage_after_a_pdf_header_is_refused(write: Callable[[bytes, str], Path]) -> None:
    garbage = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    assert refused(write(garbage, "garbage.pdf")).errors[0].message == "is not a readable PDF"


def test_a_pdf_without_pages_is_refused(write: Callable[[bytes, str], Path]) -> None:
    assert refused(write(pdf_bytes(pages=0), "empty.pdf")).errors[0].message == "has no pages"


def test_a_pdf_with_too_many_pages_is_refused(write: Callable[[bytes, str], Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_content, "MAX_PDF_PAGES", 3)
    assert inspect(write(pdf_bytes(pages=3), "three.pdf")) is MediaType.PDF
    assert refused(write(pdf_bytes(pages=4), "four.pdf")).errors[0].message == "has more than 3 pages"


def test_a_pdf_with_too_many_objects_is_refused_before_it_is_walked(
        write: Callable[[bytes, str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(raw_pdf(CATALOGUE, PAGES, PAGE, b"<< >>", b"<< /S /Launch >>"), "many.pdf")
    monkeypatch.setattr(file_content, "MAX_PDF_OBJECTS", 4)
    assert refused(path).errors[0].message == "has too many objects"  # not "starts a program": never walked


def test_a_pdf_too_complex_to_walk_is_refused(write: Callable[[bytes, str], Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(raw_pdf(CATALOGUE, PAGES, PAGE, b"[" + b"<< /A 1 >> " * 500 + b"]"), "deep.pdf")
    assert inspect(path) is MediaType.PDF
    monkeypatch.setattr(file_content, "MAX_PDF_NODES", 400)
    assert refused(path).errors[0].message == "is too complex"


# Images


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(write: Callable[[bytes, str], Path], kind: str) -> None:
    import weasyprint  # noqa: F401  (its import makes Pillow load truncated images, as printing does in the server)

    whole = image_bytes(kind, (400, 300))
    assert inspect(write(whole, "whole.img")) is MediaType[kind]
    error = refused(write(whole[: len(whole) * 2 // 3], "cut.img"))
    assert error.errors[0].message == f"is not a readable {kind} image"


def test_a_png_with_a_damaged_chunk_is_refused(write: Callable[[bytes, str], Path]) -> None:
    whole = bytearray(image_bytes("PNG", (200, 200)))
    whole[len(whole) // 2] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert refused(write(bytes(whole), "bitrot.png")).errors[0].message == "is not a readable PNG image"


def test_a_signature_pillow_does_not_confirm_is_refused(write: Callable[[bytes, str], Path]) -> None:
    assert "JPEG" in str(refused(write(b"\xff\xd8\xff" + b"not really a jpeg" * 10, "fake.jpg")))
    assert "PNG" in str(refused(write(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "fake.png")))


@pytest.mark.parametrize("width, height", [(20_000, 20_000), (10_000, 10_000), (8_000, 7_000)],
                         ids=["pillow-error", "pillow-warning", "our-limit"])
def test_a_png_claiming_too_many_pixels_is_refused(write: Callable[[bytes, str], Path],
                                                   width: int, height: int) -> None:
    path = write(png_claiming(width, height), "bomb.png")
    assert path.stat().st_size < 1_000
    error = refused(path)
    assert error.errors[0].message == "has more than 50 megapixels"
    assert "lower resolution" in str(error)


def test_pillow_bomb_warnings_never_escape(write: Callable[[bytes, str], Path]) -> None:
    path = write(png_claiming(10_000, 10_000), "bomb.png")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        refused(path)
    assert [warning.category for warning in seen] == []


def test_a_png_just_under_the_pixel_limit_is_not_refused_for_its_size(write: Callable[[bytes, str], Path]) -> None:
    # 7,000 x 7,000 = 49 megapixels. Its pixel data is a stub, but PNG pixels are not inflated (only the chunks'
    # CRCs are checked), so it passes: the limit is where the test above puts it, not lower.
    assert inspect(write(png_claiming(7_000, 7_000), "big.png")) is MediaType.PNG


def test_a_jpeg_claiming_too_many_pixels_is_refused(write: Callable[[bytes, str], Path]) -> None:
    real = bytearray(image_bytes("JPEG", (64, 48)))
    sof = real.index(b"\xff\xc0")
    real[sof + 5: sof + 9] = struct.pack(">HH", 9_000, 9_000)  # height, width in the frame header
    assert refused(write(bytes(real), "bomb.jpg")).errors[0].message == "has more than 50 megapixels"


# Spooling


class CountingStream:
    """An upload of `total` bytes (100 MB here: reading it all would be noticed) that counts what it serves."""

    def __init__(self, total: int) -> None:
        self.total, self.served = total, 0

    def read(self, size: int = -1) -> bytes:
        size = self.total - self.served if size < 0 else min(size, self.total - self.served)
        self.served += size
        return b"\x01" * size

    def stream(self) -> IO[bytes]:
        return cast(IO[bytes], self)


@pytest.fixture
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files go here, so tests can see that none is left behind."""
    directory = tmp_path / "spool"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def test_spool_copies_the_bytes_and_gives_their_digest_and_size(spool_dir: Path) -> None:
    data = bytes(range(256)) * 1_000 + b"tail"  # several chunks, the last one short
    with spool(io.BytesIO(data)) as spooled:
        assert isinstance(spooled, Spooled)
        assert spooled.digest == hashlib.sha256(data).hexdigest()
        assert spooled.size == len(data) > 3 * CHUNK_BYTES
        assert spooled.path.read_bytes() == data
        assert spooled.path.parent == spool_dir
    assert not spooled.path.exists()
    assert list(spool_dir.iterdir()) == []


def test_spool_accepts_exactly_the_limit(spool_dir: Path) -> None:
    with spool(io.BytesIO(b"x" * 1000), limit=1000) as spooled:
        assert spooled.size == 1000


def test_spool_stops_reading_as_soon_as_the_limit_is_passed(spool_dir: Path) -> None:
    upload = CountingStream(total=100 * 1024 * 1024)
    with pytest.raises(FileTooLargeError) as caught:
        spool(upload.stream(), limit=1024 * 1024, pointer="/documents/2/file")
    assert upload.served <= 1024 * 1024 + CHUNK_BYTES
    assert "1 MB" in str(caught.value)
    assert caught.value.errors == [FieldError("/documents/2/file", "is larger than 1 MB")]
    assert list(spool_dir.iterdir()) == []


def test_spool_states_the_default_limit_in_megabytes(spool_dir: Path) -> None:
    with pytest.raises(FileTooLargeError, match="larger than 20 MB"):
        spool(CountingStream(total=21 * 1024 * 1024).stream())


def test_spool_refuses_an_empty_file(spool_dir: Path) -> None:
    with pytest.raises(UnsupportedFileError) as caught:
        spool(io.BytesIO(b""))
    assert str(caught.value) == "the file is empty"
    assert caught.value.errors == [FieldError("/file", "is empty")]
    assert list(spool_dir.iterdir()) == []


def test_spool_removes_its_file_when_the_block_fails(spool_dir: Path) -> None:
    with pytest.raises(UnsupportedFileError), spool(io.BytesIO(b"plain text")) as spooled:
        assert list(spool_dir.iterdir()) == [spooled.path]
        inspect(spooled.path)
    assert list(spool_dir.iterdir()) == []


def test_spool_then_inspect(spool_dir: Path) -> None:
    with spool(io.BytesIO(pdf_bytes())) as spooled:
        assert inspect(spooled.path) is MediaType.PDF
