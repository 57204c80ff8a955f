"""Checks every request passes before a handler runs: input the databases cannot store is refused
with 400 here, rather than failing deep in a query (PostgreSQL rejects NUL characters in text) or being
stored in a form that cannot be read back (an unpaired UTF-16 surrogate, an integer beyond 64 bits).

Werkzeug decodes the path, query and form fields leniently (bad bytes become U+FFFD or stay
percent-encoded), so their raw bytes are checked here; header values are Latin-1 text and the one
header stored (Idempotency-Key) must be printable ASCII. A JSON body is read once with the stored
data's own strict reader (engine/domain/json_codec.py).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, request

from api.errors import problem
from engine.domain import json_codec
from engine.domain.exchange import MEDIA_TYPE as PACKAGE

_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_BINARY = ("application/pdf", "application/octet-stream", PACKAGE)  # a package is checked by its signature


def _refuse_unstorable_input() -> Response | None:
    if request.mimetype in (_MULTIPART, *_BINARY):
        # Files are binary (a JPEG holds NUL bytes) and are checked by their content where they are received
        # (engine/adapters/file_content.py); a form's text fields are checked here like any other text.
        texts = [value for values in request.form.listvalues() for value in values]
        if _nul_in_url() or any("\x00" in text for text in texts):
            return problem(400, "Bad Request", "NUL characters are not accepted in any part of a request")
        detail = _not_utf8(b"")
        return problem(400, "Bad Request", detail) if detail else None
    raw = request.get_data(cache=True)
    if _nul_in_url() or b"\x00" in raw or b"\\u0000" in raw:
        return problem(400, "Bad Request", "NUL characters are not accepted in any part of a request")
    detail = _not_utf8(raw) or _refused_json(raw)
    return problem(400, "Bad Request", detail) if detail else None


def _nul_in_url() -> bool:
    """A NUL in the path (decoded by werkzeug) or in the query string, percent-encoded (`?code=%00`) or not."""
    return "\x00" in request.path or b"\x00" in unquote_to_bytes(request.query_string)


def _not_utf8(raw: bytes) -> str | None:
    """Which part of the request is not UTF-8 text (percent-decoded), if one is not."""
    parts = {"path": _raw_path(),
             "query string": unquote_to_bytes(request.query_string),
             "form": unquote_to_bytes(raw) if request.mimetype == _FORM else b""}
    for name, value in parts.items():
        try:
            value.decode("utf-8")  # strict: refuses encoded surrogates (ED A0 80...) as well
        except UnicodeDecodeError:
            return (f"the {name} is not valid UTF-8 text (an unpaired UTF-16 surrogate, U+D800 to U+DFFF, "
                    "or other bad bytes)")
    return None


def _raw_path() -> bytes:
    # The URI as sent, where the server gives it: PATH_INFO is already decoded, by some servers leniently.
    # WSGI strings hold bytes as Latin-1 characters.
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if uri:
        return unquote_to_bytes(uri.partition("?")[0].encode("latin-1", "replace"))
    return str(request.environ.get("PATH_INFO", "")).encode("latin-1", "replace")


def _refused_json(raw: bytes) -> str | None:
    if not request.is_json or not raw.strip():
        return None  # no JSON body: the handler's own parsing says whether one was needed
    try:
        json_codec.parse(raw)
    except json_codec.RefusedJSONError as error:
        return f"the JSON body was refused: {error}"
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_unstorable_input)
