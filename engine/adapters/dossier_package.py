"""Dossier packages between deployments (docs/exchange.md): a ZIP container signed with a detached JWS (jwcrypto).

`JwsPackageCodec` is the PackageCodec port: `seal` writes a package, `open` verifies one that arrived, check by
check in the order docs/exchange.md "Verification" gives, raising the DomainError of the first that fails. The
container is read as hostile input (engine/adapters/package_container.py); only the registered certificate of
the sender is ever trusted, never a key or certificate the package carries. `read_peers` reads the registered
peers. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from jsonschema import Draft202012Validator, FormatChecker
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from engine.adapters import exchange_certificates as certs
from engine.adapters.package_container import MANIFEST, SIGNATURE, malformed, read_container, write_container
from engine.domain import json_codec
from engine.domain.errors import AuthenticationError, ConflictError, FieldError, ForbiddenError, ValidationFailedError
from engine.domain.exchange import FORMAT, FORMAT_VERSION, REPLAY_WINDOW, Identity, Package, Peer
from engine.domain.forms import check_form

JWS_TYPE = "onestop-package+jws"
HEADER_MEMBERS = frozenset({"alg", "typ", "x5t#S256"})
"""The only members a package's JWS header may have: no `jwk`, `x5c`, `jku`, `x5u` (a key the package brings
is never trusted) and no `crit` (no extension to understand)."""
PER_ATTEMPT = ("nonce", "sent_at")
"""Fresh at each delivery attempt, so left out of the package's digest."""
SCHEMA_FILE = Path(__file__).with_name("exchange_manifest.schema.json")


class JwsPackageCodec:
    """Seals with this deployment's key; opens what its registered peers sealed."""

    def __init__(self, identity: Identity, peers: Mapping[str, Peer]):
        self.identity, self.peers = identity, peers
        self._key_pem = Path(identity.key_file).read_bytes()
        self._certificate = certs.read_certificate(Path(identity.certificate_file).read_bytes())
        self._alg = certs.check_key_kind(certs.read_private_key(self._key_pem).public_key())

    def seal(self, manifest: dict[str, Any], files: Mapping[str, bytes], *, now: datetime) -> bytes:
        """The package, signed. ValueError when the manifest and `files` disagree or the manifest breaks its
        schema (a bug here must not reach a peer as a broken package), or when this deployment's certificate
        cannot be used now."""
        if problem := certs.validity_problem(self._certificate, now):
            raise ValueError(f"this deployment's exchange certificate {problem}: make a new one and register it")
        sealed = {**manifest, "format": FORMAT, "version": FORMAT_VERSION, "sender": self.identity.province,
                  "nonce": secrets.token_hex(16), "sent_at": now.isoformat()}
        _check_own_files(sealed, files)
        try:
            check_form(_validator(), sealed, form_id="manifest")
        except ValidationFailedError as error:
            raise ValueError("the manifest breaks its schema: " + "; ".join(
                f"{e.pointer} {e.message}" for e in error.errors)) from None
        try:
            body = json_codec.canonical(sealed)
        except json_codec.UnstorableValueError as error:
            raise ValueError(f"the manifest cannot be written as JSON: {error}") from None
        return write_container(body, self._sign(body), files)

    def open(self, raw: bytes, *, client_certificate: bytes | None, now: datetime) -> Package:
        """Verify and open `raw` (docs/exchange.md "Verification", checks 1 to 6 but the nonce's, which the
        caller records), raising the port's DomainError for the first check that fails."""
        container = read_container(raw)                                      # 1. container, sizes, JSON
        manifest = _parse_manifest(container.entries[MANIFEST])
        peer = self._sender(manifest, client_certificate, now)               # 2. sender, TLS certificate
        _verify_signature(container.entries[SIGNATURE], container.entries[MANIFEST], peer)  # 3.
        if manifest.get("receiver") != self.identity.province:              # 4. receiver, schema
            raise ForbiddenError(f"the package is for province {_shown(manifest.get('receiver'))}, this deployment "
                                 f"is province {self.identity.province}", code="wrong_receiver")
        _check_schema(manifest)
        _check_fresh(manifest, now)                                          # 5. sent_at
        files = _check_files(manifest, container.files)                      # 6. files
        return Package(manifest, files, digest(manifest))

    def _sign(self, payload: bytes) -> str:
        header = {"alg": self._alg, "typ": JWS_TYPE, "x5t#S256": _b64(certs.der_digest(self._certificate))}
        token = jws.JWS(payload)
        token.add_signature(jwk.JWK.from_pem(self._key_pem), None, json.dumps(header, sort_keys=True))
        protected, _, signature = token.serialize(compact=True).split(".")
        return f"{protected}..{signature}"  # detached (RFC 7515 Appendix F): the payload is manifest.json

    def _sender(self, manifest: dict[str, Any], client_certificate: bytes | None, now: datetime) -> Peer:
        sender = manifest.get("sender")
        peer = self.peers.get(sender) if isinstance(sender, str) else None
        if peer is None:
            raise AuthenticationError(f"province {_shown(sender)} is not a registered peer of this deployment",
                                      code="unknown_sender")
        registered = certs.read_certificate(peer.certificate_pem)
        if client_certificate is not None and not _same_certificate(client_certificate, registered):
            raise ForbiddenError(f"the TLS client certificate is not the one registered for province {sender}",
                                 code="certificate_mismatch")
        if problem := certs.validity_problem(registered, now):
            raise AuthenticationError(f"the certificate registered for province {sender} {problem}: its operators "
                                      "must send a new one", code="certificate_expired")
        return peer


def digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical manifest without `nonce` and `sent_at`: equal for every delivery attempt
    of one package, different as soon as anything it says differs."""
    return hashlib.sha256(json_codec.canonical(
        {k: v for k, v in manifest.items() if k not in PER_ATTEMPT})).hexdigest()


def read_peers(path: Path) -> dict[str, Peer]:
    """The peers registered in `path`: a JSON list of {"province", "url", "certificate", "server_ca"?}, the
    files relative to it. ValueError naming the entry and field of the first problem."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"the peers file cannot be read as JSON ({type(error).__name__})") from None
    if not isinstance(entries, list):
        raise ValueError("the peers file must hold a JSON list of peers")
    peers: dict[str, Peer] = {}
    for number, entry in enumerate(entries, 1):
        peer = _peer(entry, Path(path).parent, f"peer {number}")
        if peer.province in peers:
            raise ValueError(f"peer {number}: province {peer.province} is registered twice")
        peers[peer.province] = peer
    return peers


def _peer(entry: Any, folder: Path, where: str) -> Peer:
    if not isinstance(entry, dict) or set(entry) - {"province", "url", "certificate", "server_ca"}:
        raise ValueError(f"{where}: must be an object of province, url, certificate and server_ca")
    province, url, certificate = entry.get("province"), entry.get("url"), entry.get("certificate")
    if not (isinstance(province, str) and len(province) == 2 and province.isdigit()):
        raise ValueError(f"{where}: province must be a two-digit province id such as \"48\"")
    where = f"{where} (province {province})"
    if not (isinstance(url, str) and url.startswith("https://")):
        raise ValueError(f"{where}: url must be an https:// URL")
    if not isinstance(certificate, str):
        raise ValueError(f"{where}: certificate must name a PEM certificate file")
    try:
        pem = (folder / certificate).read_bytes()
        certs.check_key_kind(certs.read_certificate(pem).public_key())
    except (OSError, ValueError) as error:
        raise ValueError(f"{where}: certificate {error if isinstance(error, ValueError) else 'cannot be read'}") \
            from None
    server_ca = entry.get("server_ca")
    if server_ca is not None:
        if not isinstance(server_ca, str) or not (folder / server_ca).is_file():
            raise ValueError(f"{where}: server_ca must name a readable CA file")
        server_ca = str(folder / server_ca)
    return Peer(province, url, pem, server_ca)


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json_codec.parse(raw)
    except json_codec.RefusedJSONError as error:
        raise malformed(f"manifest.json is not valid JSON: {error}", "") from None
    if not isinstance(manifest, dict):
        raise malformed("manifest.json must hold a JSON object", "")
    return manifest


def _verify_signature(token: bytes, payload: bytes, peer: Peer) -> None:
    registered = certs.read_certificate(peer.certificate_pem)
    alg = certs.check_key_kind(registered.public_key())
    header = _header(token)
    if header.get("alg") != alg or header.get("typ") != JWS_TYPE:
        raise _bad_signature(f"the signature must be {alg} with typ {JWS_TYPE} for province {peer.province}")
    if header.get("x5t#S256") != _b64(certs.der_digest(registered)):
        raise _bad_signature(f"the package was not signed with the certificate registered for province "
                             f"{peer.province}")
    verifier = jws.JWS()
    verifier.allowed_algs = [alg]  # pinned: never `none`, never an HMAC keyed with the public key
    try:
        verifier.deserialize(token.decode("ascii"))
        verifier.verify(jwk.JWK.from_pyca(registered.public_key()), alg=alg, detached_payload=payload)
    except (JWException, ValueError):
        raise _bad_signature(f"the signature does not verify with the certificate registered for province "
                             f"{peer.province}") from None


def _header(token: bytes) -> dict[str, Any]:
    """The compact JWS's protected header, once the token has the detached form `header..signature` and the
    header only the members allowed."""
    parts = token.strip().split(b".")
    if len(parts) != 3 or parts[1] or not parts[0] or not parts[2]:
        raise _bad_signature("META-INF/signature.jws must be a compact JWS with a detached payload (header..signature)")
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + b"=" * (-len(parts[0]) % 4)))
    except (ValueError, RecursionError):  # RecursionError: 16 KB of "[" nest deeper than json can read
        raise _bad_signature("the signature's header is not base64url JSON") from None
    if not isinstance(header, dict) or set(header) - HEADER_MEMBERS:
        raise _bad_signature(f"the signature's header may hold only {', '.join(sorted(HEADER_MEMBERS))}: a key "
                             "or certificate it carries is never trusted")
    return header


def _check_schema(manifest: dict[str, Any]) -> None:
    try:
        check_form(_validator(), manifest, form_id="manifest")
    except ValidationFailedError as error:
        raise ValidationFailedError(f"the manifest does not match the format {FORMAT_VERSION} schema",
                                    error.errors, code="package_malformed") from None


def _check_fresh(manifest: dict[str, Any], now: datetime) -> None:
    sent_at = datetime.fromisoformat(manifest["sent_at"])  # the schema checked that it reads
    if abs(now - sent_at) > REPLAY_WINDOW:
        raise ConflictError(f"the package was sent at {sent_at.isoformat()}, more than "
                            f"{int(REPLAY_WINDOW.total_seconds() // 60)} minutes from this deployment's clock "
                            f"({now.isoformat()})", code="package_expired", sent_at=sent_at)


def _check_files(manifest: dict[str, Any], present: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files the manifest lists, each present and with its hash; no entry it does not list."""
    listed = manifest["files"]
    paths = [entry["path"] for entry in listed]
    for index, entry in enumerate(listed):
        data = present.get(entry["path"])
        if data is None:
            raise _file_error(f"{entry['path']} is listed but not in the package", index, "file_missing")
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry["sha256"] or entry["path"] != f"files/{actual}" or len(data) != entry["size"]:
            raise _file_error(f"{entry['path']}'s bytes are not the ones the manifest lists (SHA-256 {actual})",
                              index, "file_tampered")
    if len(set(paths)) != len(paths):
        raise malformed("the manifest lists a file twice", "/files")
    if extra := sorted(set(present) - set(paths)):
        raise malformed(f"the package holds {extra[0]}, which the manifest does not list", "/files")
    return {path: present[path] for path in paths}


def _check_own_files(manifest: dict[str, Any], files: Mapping[str, bytes]) -> None:
    listed = manifest.get("files")
    if not isinstance(listed, list):
        raise ValueError("the manifest's files must be a list")
    for entry in listed:
        data = files.get(entry.get("path", "")) if isinstance(entry, dict) else None
        if data is None:
            raise ValueError(f"the manifest lists a file whose bytes were not given: {entry!r:.100}")
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
            raise ValueError(f"the bytes given for {entry['path']} are not the ones the manifest lists")
    if extra := set(files) - {entry["path"] for entry in listed}:
        raise ValueError(f"files given that the manifest does not list: {sorted(extra)[:3]}")


def _same_certificate(pem: bytes, registered: x509.Certificate) -> bool:
    try:
        presented = certs.read_certificate(pem)
    except ValueError:
        return False
    return secrets.compare_digest(certs.der_digest(presented), certs.der_digest(registered))


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=_FORMATS)


def _moment(value: object) -> bool:
    """A real instant: the schema's pattern lets 2026-13-01 or an offset of +25:00 through."""
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_FORMATS = FormatChecker(())
_FORMATS.checks("date-time")(_moment)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _shown(value: Any) -> str:
    """A province id as read from the manifest, safe to print (the value is not trusted yet)."""
    return repr(value)[:20]


def _file_error(message: str, index: int, code: str) -> ValidationFailedError:
    return ValidationFailedError(message, [FieldError(f"/files/{index}", message)], code=code)


def _bad_signature(message: str) -> AuthenticationError:
    return AuthenticationError(message, code="bad_signature")

