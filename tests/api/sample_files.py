"""Real files for the file tests, made on the spot (pypdf, Pillow), and small request helpers for uploads,
the dossier's files and its electronic result."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.api.helpers import API, complete, step_data, task_of

BIRTH = "1.001193"


def pdf(title: str = "Giấy chứng sinh", *, pages: int = 1, padding: int = 0) -> bytes:
    """A plain PDF; `title` makes its bytes (and digest) differ; `padding` adds that many bytes of metadata."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": title, **({"/Subject": "x" * padding} if padding else {})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('xin chào');"))  # pypdf 7's add_js
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="chủ", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(kind: str = "PNG", colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("giay-chung-sinh.pdf", pdf())
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script>%PDF-1.7</body></html>"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def multipart(client: Any, path: str, headers: dict[str, str], content: bytes, filename: str = "scan.pdf",
              content_type: str = "application/pdf", **fields: str) -> Any:
    """POST a multipart body, encoded in memory (the test client spools large ones to a file it never closes)."""
    values = MultiDict({**fields, "file": FileStorage(io.BytesIO(content), filename, content_type=content_type)})
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client: Any, headers: dict[str, str], content: bytes, filename: str = "scan.pdf",
           content_type: str = "application/pdf") -> Any:
    """POST /files, multipart `file`."""
    return multipart(client, f"{API}/files", headers, content, filename, content_type)


def staged(client: Any, headers: dict[str, str], content: bytes, filename: str = "scan.pdf",
           content_type: str = "application/pdf") -> dict[str, Any]:
    response = upload(client, headers, content, filename, content_type)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def attach(client: Any, headers: dict[str, str], code: str, content: bytes, *, document: int = 1,
           task_id: str | None = None, filename: str = "bo-sung.pdf") -> Any:
    """POST /dossiers/<code>/files, multipart `file`, `document` and (at a step) `task_id`."""
    fields = {"document": str(document), **({"task_id": task_id} if task_id is not None else {})}
    return multipart(client, f"{API}/dossiers/{code}/files", headers, content, filename, **fields)


def files_of(client: Any, headers: dict[str, str], code: str) -> dict[str, Any]:
    response = client.get(f"{API}/dossiers/{code}/files", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def review(client: Any, specialist: dict[str, str], code: str) -> None:
    """The competent unit's specialist completes the review: the dossier waits at the leader's signing step."""
    task = task_of(client, specialist, code, "review")
    assert task is not None
    response = complete(client, specialist, task["id"], step_data("review"))
    assert response.status_code == 200, response.get_json()


def issue(client: Any, leader: dict[str, str], code: str, content: bytes | None = None) -> Any:
    """POST /dossiers/<code>/result: made from the steps, or the PDF given signed as it is."""
    if content is None:
        return client.post(f"{API}/dossiers/{code}/result", headers=leader)
    return multipart(client, f"{API}/dossiers/{code}/result", leader, content, "ket-qua.pdf")


def sign(client: Any, leader: dict[str, str], code: str) -> None:
    task = task_of(client, leader, code, "sign")
    assert task is not None
    response = complete(client, leader, task["id"], step_data("sign"))
    assert response.status_code == 200, response.get_json()


def verify(client: Any, content: bytes) -> Any:
    return multipart(client, f"{API}/public/signatures/verify", {}, content, "ket-qua.pdf")


def open_file(client: Any, headers: dict[str, str], code: str, file_id: int) -> Any:
    """GET /dossiers/<code>/files/<id>, buffered (the streamed file is read and closed)."""
    return client.get(f"{API}/dossiers/{code}/files/{file_id}", headers=headers, buffered=True)
