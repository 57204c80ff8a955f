"""The exchange of dossiers between provinces' deployments (docs/exchange.md): a peer deployment POSTs a signed
package here. No token and no session (so no CSRF either): the sender is its TLS client certificate, checked by
the proxy and passed on in a header, and the package's signature, checked by engine/services/exchange.py.

The body is never logged: it holds the applicant's data and files."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import request
from flask_smorest import Blueprint

from api.errors import problems
from api.schemas.exchange import PACKAGE_BODY, AcknowledgementSchema
from api.wiring import wiring
from engine.domain import exchange as words
from engine.domain.errors import AuthenticationError, FileTooLargeError, NotFoundError, UnsupportedFileError
from engine.services import exchange

blp = Blueprint("exchange", __name__, url_prefix="/api/v1/exchange",
                description="Dossier packages from other provinces' deployments (mutual TLS and a signed package)")


@blp.url_value_preprocessor
def _package_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """A package is larger than a JSON body: its own limit, set before anything reads the body, so a larger one
    is refused (413) by its Content-Length, or as soon as the stream passes the limit, never read whole."""
    if request.method == "POST" and endpoint == "exchange.receive":
        request.max_content_length = words.MAX_PACKAGE_BYTES
        if (request.content_length or 0) > words.MAX_PACKAGE_BYTES:  # said by its length: refused unread
            raise FileTooLargeError(f"a package may be at most {words.MAX_PACKAGE_BYTES} bytes", [],
                                    code="package_too_large")


def client_certificate() -> bytes | None:
    """The TLS client certificate (PEM) the proxy passes in ONESTOP_EXCHANGE_CLIENT_CERT_HEADER, URL-escaped as
    nginx's $ssl_client_escaped_cert is; None when no proxy is configured to say (the signature alone judges)."""
    header = wiring().settings.exchange_client_cert_header
    if not header:
        return None
    escaped = request.headers.get(header, "")
    if not escaped.strip():
        raise AuthenticationError("the TLS client certificate is required", code="client_certificate_required")
    return unquote_to_bytes(escaped)


def package_body() -> bytes:
    """The request's bytes, once it says it is a package (the limit is `_package_limit`'s)."""
    if request.mimetype != words.MEDIA_TYPE:
        raise UnsupportedFileError(f"send the package as {words.MEDIA_TYPE}", [], code="package_media_type")
    return request.get_data(cache=False)


@blp.post("/packages")
@problems(401, 403, 404, 409, 413, 415, 422)
@blp.doc(requestBody=PACKAGE_BODY)
@blp.response(200, AcknowledgementSchema)
def receive() -> Any:
    """Receive a package from a registered peer (docs/exchange.md): verified, applied once, acknowledged; a
    repeat of a package applied before answers its first acknowledgement with `duplicate: true`."""
    w = wiring()
    identity = w.identity
    if identity is None:
        raise NotFoundError("this deployment takes no part in the exchange between provinces",
                            code="exchange_not_configured")
    raw, certificate = package_body(), client_certificate()  # the request's own faults first (415, 401)
    return exchange.receive_package(w.uow(), codec=w.codec, store=w.store, catalogue=w.catalogue,
                                    calendar=w.calendar, clock=w.clock, province=identity.province,
                                    peers=tuple(w.peers), raw=raw, client_certificate=certificate)
