"""Signing issued results as PAdES PDFs with the issuing unit's key, and verifying signed PDFs (pyHanko).

Why PAdES: the proof travels inside the file. Whoever holds the result (the citizen, a bank, another agency)
can check it in any PDF reader or with `verify`, offline, without asking the issuing unit's server.

Why incremental: the signature is appended to the PDF as a new revision, so the bytes that were rendered are
kept exactly as they were and the signature's byte range covers all of them; nothing is re-serialised.

What "valid" means here (`SignatureCheck.valid`): the file holds at least one PDF signature (*signed*); every
signature's digest matches the bytes it covers and its CMS signature verifies, the last one covers the whole
file and earlier ones are followed only by signing updates (*intact*: bytes appended after signing, even
harmless ones, break it); and every signer's certificate chains, now, to one of the configured trust roots with
the key usages of a signature (*trusted*). Revocation is not checked: nothing is fetched (no CRL or OCSP
request leaves the machine) and missing revocation data is tolerated ("soft-fail").

No timestamp server is reachable, so signatures are PAdES B-B: the signing time (/M) is the signer's own clock,
and once the unit's certificate expires its signatures no longer verify as trusted. A timestamp authority
(B-T) and embedded validation data (B-LT/B-LTA) are what long-lived results would need.

Key sources hand the unit's pyHanko `Signer` out inside a context (a PKCS#11 session must be closed after
signing): `DemoKeys` makes a local CA and unit keys on first use, `KeyFileKeys` reads production key files,
`Pkcs11Keys` signs on a token; `signer_from_config` builds one from a one-line setting.
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import logging
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol, TypeAlias, TypeVar
from urllib.parse import parse_qsl

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from engine.domain.errors import ConflictError
from engine.domain.ports import SignatureCheck

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA classes, which cryptography 51 deprecates with a warning at import (an
    # error under the tests' filterwarnings=error). Only that warning is silenced, and only while importing here.
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer, SimpleSigner
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "KetQua"
DEMO_CA_NAME = "Demo CA – một cửa"
DEMO_ORGANISATION = "Demo – Hệ thống một cửa liên thông"
PASSPHRASE_ENV = "ONESTOP_SIGNING_PASSPHRASE"

_UNIT_ID = re.compile(r"[A-Za-z0-9-]{1,40}")
_CN_MAX = 64
"""RFC 5280's upper bound on a common name; longer unit names are cut in demo certificates."""

# pyHanko logs each failed validation with a traceback and the certificate's subject, which on a personal
# certificate names a person; anyone can send a PDF to the signature check, so its findings are only reported
# through SignatureCheck.problems, never logged.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

T = TypeVar("T")
AnyCertificate: TypeAlias = "x509.Certificate | asn1_x509.Certificate"


def checked_unit_id(unit_id: str) -> str:
    """The unit id, refused unless letters, digits and '-' (at most 40): it names files and token labels."""
    if not _UNIT_ID.fullmatch(unit_id):
        raise ValueError(f"invalid unit id {unit_id!r}: letters, digits and '-' only, at most 40")
    return unit_id


def _to_asn1(cert: AnyCertificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _to_asn1_key(key: PrivateKeyTypes) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


def _same_key(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    def spki(public: Any) -> bytes:
        return bytes(public.public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return spki(key.public_key()) == spki(cert.public_key())


def _simple_signer(key: PrivateKeyTypes, cert: x509.Certificate, chain: Sequence[x509.Certificate]) -> Signer:
    """A pyHanko signer on an in-memory key; the chain goes into every signature so verifiers can build the
    path to the root without fetching anything."""
    store = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    store.register_multiple([_to_asn1(c) for c in chain])
    return SimpleSigner(signing_cert=_to_asn1(cert), signing_key=_to_asn1_key(key), cert_registry=store)


class KeySource(Protocol):
    """Where a unit's signing key lives. The signer is lent inside a context: a token session closes after."""

    def signer(self, unit_id: str, unit_name: str) -> AbstractContextManager[Signer]: ...


# ------------------------------------------------------------------------------------------------ signing


class PadesSigner:
    """The DocumentSigner port: PAdES B-B signatures with the unit's key, verification against `trust_roots`."""

    def __init__(self, keys: KeySource, trust_roots: Sequence[AnyCertificate], *, location: str | None = None,
                 field_name: str = FIELD_NAME) -> None:
        self.keys = keys
        self.trust_roots = [_to_asn1(c) for c in trust_roots]
        self.location = location
        self.field_name = field_name

    def sign(self, pdf: bytes, *, unit_id: str, unit_name: str, reason: str) -> bytes:
        """The PDF with the unit's signature appended as an incremental update; the input bytes stay a prefix.

        Raises ConflictError when the unit has no usable key (none configured, certificate expired)."""
        checked_unit_id(unit_id)
        metadata = PdfSignatureMetadata(field_name=self.field_name, reason=reason, location=self.location,
                                        md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES)
        with self.keys.signer(unit_id, unit_name) as signer:
            _check_in_force(signer, unit_id)
            writer = IncrementalPdfFileWriter(BytesIO(pdf))
            output = _outside_event_loop(lambda: PdfSigner(metadata, signer=signer).sign_pdf(writer))
        return bytes(output.getvalue())

    def verify(self, pdf: bytes) -> SignatureCheck:
        """What the PDF's signatures prove; never raises, whatever the bytes (see the module docstring)."""
        try:
            signatures = list(PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures)
        except Exception:  # hostile or broken input: any parser failure means "not a signed PDF we can read"
            return SignatureCheck(signed=False, intact=False, trusted=False,
                                  problems=("the file cannot be read as a PDF",))
        if not signatures:
            return SignatureCheck(signed=False, intact=False, trusted=False, problems=("the PDF is not signed",))
        checks = _outside_event_loop(lambda: [self._check(signature, last=index == len(signatures) - 1)
                                              for index, signature in enumerate(signatures)])
        last = checks[-1]
        problems = tuple(dict.fromkeys(p for check in checks for p in check.problems))
        return SignatureCheck(signed=True, intact=all(c.intact for c in checks),
                              trusted=all(c.trusted for c in checks), signer=last.signer,
                              signed_at=last.signed_at, problems=problems)

    def _check(self, signature: EmbeddedPdfSignature, *, last: bool) -> SignatureCheck:
        """One signature. Only the last may (and must) cover the whole file, so it needs no difference analysis;
        earlier ones must be followed by nothing but signing updates, as pyHanko's difference analysis judges."""
        name = signature.field_name or "?"
        try:
            status = validate_pdf_signature(signature, self._validation_context(), skip_diff=last)
        except Exception as error:  # a malformed signature dictionary or CMS blob
            return SignatureCheck(signed=True, intact=False, trusted=False,
                                  problems=(f"signature {name} cannot be checked: {type(error).__name__}",))
        problems: list[str] = []
        intact = bool(status.intact and status.valid)
        if not intact:
            problems.append(f"signature {name}: the signed content was changed or the signature is corrupt")
        if last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            intact = False
            problems.append(f"signature {name} does not cover the whole file: bytes were added after signing")
        if not last and not (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok):
            intact = False
            problems.append(f"signature {name}: the document was changed after it was signed")
        if intact and not status.trusted:  # a broken signature is not judged on its certificate
            problems.append(_trust_problem(name, status))
        return SignatureCheck(signed=True, intact=intact, trusted=bool(status.trusted), signer=_common_name(status),
                              signed_at=_signed_at(status), problems=tuple(problems))

    def _validation_context(self) -> ValidationContext:
        # A fresh context per check: it caches paths and revocation data, and checks must not leak state.
        return ValidationContext(trust_roots=list(self.trust_roots), allow_fetching=False,
                                 revocation_mode="soft-fail")


def _outside_event_loop(call: Callable[[], T]) -> T:
    """pyHanko runs its asynchronous core with asyncio.run, which refuses to start inside a running event loop
    (an async server worker; Playwright driving a browser in the same process): there, it runs in a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _check_in_force(signer: Signer, unit_id: str) -> None:
    """Refuse to sign with a certificate outside its validity: the signature would never verify as trusted."""
    cert = signer.signing_cert
    if cert is None:
        raise ConflictError(f"unit {unit_id} has no signing certificate configured")
    now = datetime.now(UTC)
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if now < not_before or now > not_after:
        raise ConflictError(f"the signing certificate of unit {unit_id} is valid from {not_before:%Y-%m-%d} "
                            f"to {not_after:%Y-%m-%d}, not today")


def _common_name(status: PdfSignatureStatus) -> str | None:
    names = status.signing_cert.subject.native
    value = names.get("common_name") if isinstance(names, dict) else None
    return value if isinstance(value, str) else None


def _signed_at(status: PdfSignatureStatus) -> datetime | None:
    moment = status.signer_reported_dt
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_TRUST_PROBLEMS = {
    "EXPIRED": "the certificate has expired",
    "OUT_OF_BOUNDS_NO_POE": "the certificate has expired",
    "NOT_YET_VALID": "the certificate is not valid yet",
    "REVOKED_NO_POE": "the certificate was revoked",
    "REVOKED_CA_NO_POE": "the issuing authority's certificate was revoked",
    "CHAIN_CONSTRAINTS_FAILURE": "the certificate is not meant for signing documents",
    "SIG_CONSTRAINTS_FAILURE": "the certificate is not meant for signing documents",
}


def _trust_problem(name: str, status: PdfSignatureStatus) -> str:
    indication = status.trust_problem_indic
    code = str(indication.standard_name) if indication is not None else ""
    detail = _TRUST_PROBLEMS.get(code, "the certificate does not chain to a trusted root")
    return f"signature {name}: the signer is not trusted: {detail}" + (f" ({code})" if code else "")


# ------------------------------------------------------------------------------------------------ key material


@dataclass(frozen=True)
class KeyPair:
    """A unit's private key, its certificate, and the certificates up to the root (embedded when signing)."""

    key: PrivateKeyTypes
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def signer(self) -> Signer:
        return _simple_signer(self.key, self.cert, self.chain)


def _read_pair(key_path: Path, cert_path: Path) -> KeyPair | None:
    """The key and certificate at these paths if both exist and belong together; None otherwise."""
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except FileNotFoundError:
        return None
    return KeyPair(key, cert) if _same_key(key, cert) else None


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write to a temporary file beside `path`, then rename: readers see the old file or the whole new one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _pem_key(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _issue(subject: x509.Name, public: ec.EllipticCurvePublicKey, *, issuer: x509.Certificate | None,
           issuer_key: CertificateIssuerPrivateKeyTypes, days: int) -> x509.Certificate:
    """A certificate: a CA one when `issuer` is None (self-signed), else a signing one under `issuer`."""
    now = datetime.now(UTC)
    not_after = now + timedelta(days=days)
    if issuer is not None:
        not_after = min(not_after, issuer.not_valid_after_utc)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(subject if issuer is None else issuer.subject).public_key(public)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(not_after)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))
    if issuer is None:
        builder = (builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(_key_usage(cert_sign=True), critical=True))
    else:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = (builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(_key_usage(cert_sign=False), critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                                  critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    """keyCertSign + cRLSign for the CA; digitalSignature + nonRepudiation for a unit, which pyHanko's
    validator requires of a PDF signer."""
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=not cert_sign,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False, decipher_only=False)


class DemoKeys:
    """A local CA and per-unit keys, made on first use in `directory` (demo and tests; EC P-256).

    Layout: ca.key.pem, ca.cert.pem, units/<unit_id>.key.pem, units/<unit_id>.cert.pem (the units folder can
    serve as a KeyFileKeys directory). Creation happens under an exclusive lock on `directory/.lock`, with each
    file written to a temporary name and renamed: when several processes (gunicorn workers) meet a new unit at
    once, exactly one pair is made and all of them use it. The lock is flock(2), so the directory must be on a
    local file system shared only by processes of one machine. A certificate's CN is the unit's name when it was
    made (cut to 64 characters); renaming a unit later keeps the old name until its files are deleted.
    """

    def __init__(self, directory: Path, *, organisation: str = DEMO_ORGANISATION) -> None:
        self.directory = Path(directory)
        self.organisation = organisation
        self._cache: dict[str, KeyPair] = {}
        self._guard = threading.Lock()

    @contextmanager
    def signer(self, unit_id: str, unit_name: str) -> Iterator[Signer]:
        yield self.pair(unit_id, unit_name).signer()

    def trust_roots(self) -> list[x509.Certificate]:
        """The demo CA's certificate (made if missing)."""
        return [self._ca().cert]

    def unit_files(self, unit_id: str) -> tuple[Path, Path]:
        """Where the unit's key and certificate are (or will be) kept."""
        unit = self.directory / "units" / checked_unit_id(unit_id)
        return unit.with_name(f"{unit_id}.key.pem"), unit.with_name(f"{unit_id}.cert.pem")

    def pair(self, unit_id: str, unit_name: str) -> KeyPair:
        """The unit's key and certificate, with the CA as chain; made on first use."""
        key_path, cert_path = self.unit_files(unit_id)
        with self._guard:
            cached = self._cache.get(unit_id)
        if cached is not None:
            return cached
        found = _read_pair(key_path, cert_path)
        if found is None:
            with self._locked():
                found = _read_pair(key_path, cert_path) or self._make_unit(unit_id, unit_name)
        pair = KeyPair(found.key, found.cert, (self._ca().cert,))
        with self._guard:
            return self._cache.setdefault(unit_id, pair)

    def _ca(self) -> KeyPair:
        key_path, cert_path = self.directory / "ca.key.pem", self.directory / "ca.cert.pem"
        found = _read_pair(key_path, cert_path)
        if found is None:
            with self._locked():
                found = self._ca_locked()
        return found

    def _ca_locked(self) -> KeyPair:
        key_path, cert_path = self.directory / "ca.key.pem", self.directory / "ca.cert.pem"
        found = _read_pair(key_path, cert_path)
        if found is not None:
            return found
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation),
                             x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME)])
        cert = _issue(subject, key.public_key(), issuer=None, issuer_key=key, days=3652)
        _write_atomically(key_path, _pem_key(key), 0o600)
        _write_atomically(cert_path, _pem_cert(cert), 0o644)
        return KeyPair(key, cert)

    def _make_unit(self, unit_id: str, unit_name: str) -> KeyPair:
        """Called with the lock held and no usable pair on disk (none, or a key left without its certificate
        by a crash): the key is published before the certificate, and readers check that they match."""
        ca = self._ca_locked()
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation),
                             x509.NameAttribute(NameOID.USER_ID, unit_id),
                             x509.NameAttribute(NameOID.COMMON_NAME, unit_name.strip()[:_CN_MAX] or unit_id)])
        issuer_key = ca.key
        if not isinstance(issuer_key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"the demo CA key in {self.directory} is not an EC key")
        cert = _issue(subject, key.public_key(), issuer=ca.cert, issuer_key=issuer_key, days=3 * 365)
        key_path, cert_path = self.unit_files(unit_id)
        _write_atomically(key_path, _pem_key(key), 0o600)
        _write_atomically(cert_path, _pem_cert(cert), 0o644)
        return KeyPair(key, cert)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        (self.directory / "units").mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock


class KeyFileKeys:
    """Production keys as files in `directory`, one unit each: `<unit_id>.p12` (PKCS#12 with its chain), or
    `<unit_id>.key.pem` + `<unit_id>.cert.pem` with the chain in `<unit_id>.chain.pem` or a shared `chain.pem`.
    Files are read again when they change, so a renewed key needs no restart."""

    def __init__(self, directory: Path, passphrase: bytes | None = None) -> None:
        self.directory = Path(directory)
        self.passphrase = passphrase
        self._cache: dict[str, tuple[tuple[int, ...], KeyPair]] = {}
        self._guard = threading.Lock()

    def signer(self, unit_id: str, unit_name: str) -> AbstractContextManager[Signer]:
        return nullcontext(self.pair(unit_id).signer())

    def pair(self, unit_id: str) -> KeyPair:
        files = self._files(checked_unit_id(unit_id))
        stamp = tuple(path.stat().st_mtime_ns for path in files)
        with self._guard:
            cached = self._cache.get(unit_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        pair = self._load(unit_id, files)
        with self._guard:
            self._cache[unit_id] = (stamp, pair)
        return pair

    def _files(self, unit_id: str) -> list[Path]:
        p12 = self.directory / f"{unit_id}.p12"
        if p12.is_file():
            return [p12]
        key, cert = self.directory / f"{unit_id}.key.pem", self.directory / f"{unit_id}.cert.pem"
        if not (key.is_file() and cert.is_file()):
            raise ConflictError(f"unit {unit_id} has no signing key configured")
        chains = [self.directory / f"{unit_id}.chain.pem", self.directory / "chain.pem"]
        return [key, cert, *[chain for chain in chains if chain.is_file()][:1]]

    def _load(self, unit_id: str, files: list[Path]) -> KeyPair:
        try:
            pair = self._load_p12(files[0]) if files[0].suffix == ".p12" else self._load_pem(files)
        except (ValueError, TypeError) as error:
            raise ConflictError(f"the signing key of unit {unit_id} cannot be read (wrong passphrase or damaged "
                                f"file: {type(error).__name__})") from error
        if not _same_key(pair.key, pair.cert):
            raise ConflictError(f"the signing key and certificate of unit {unit_id} do not belong together")
        return pair

    def _load_p12(self, path: Path) -> KeyPair:
        key, cert, chain = pkcs12.load_key_and_certificates(path.read_bytes(), self.passphrase)
        if key is None or cert is None:
            raise ValueError("the PKCS#12 file holds no key or no certificate")
        return KeyPair(key, cert, tuple(chain))

    def _load_pem(self, files: list[Path]) -> KeyPair:
        key = serialization.load_pem_private_key(files[0].read_bytes(), self.passphrase)
        cert = x509.load_pem_x509_certificate(files[1].read_bytes())
        chain = x509.load_pem_x509_certificates(files[2].read_bytes()) if len(files) > 2 else []
        return KeyPair(key, cert, tuple(chain))


_PKCS11_LIBRARIES: dict[str, tuple[int, Any]] = {}
_PKCS11_LOCK = threading.Lock()
_PKCS11_SIGNING = threading.Lock()
"""Serialises PKCS#11 signing in a process: a token accepts one login per process (UserAlreadyLoggedIn)."""


class Pkcs11Keys:
    """Keys on a PKCS#11 token (HSM, USB token), one key + certificate per unit, both labelled
    `key_label_template.format(unit_id=...)`. A session is opened and logged in for each signature and closed
    after; signatures in one process are serialised, since a token's login is shared by a process. Needs the
    optional python-pkcs11 package (`pip install 'pyHanko[pkcs11]'`)."""

    def __init__(self, module_path: str | Path, token_label: str, pin: str, key_label_template: str = "{unit_id}",
                 *, chain: Sequence[AnyCertificate] = ()) -> None:
        try:
            self._pkcs11 = importlib.import_module("pyhanko.sign.pkcs11")
            self._p11 = importlib.import_module("pkcs11")
        except ImportError as error:
            raise RuntimeError("PKCS#11 signing needs the python-pkcs11 package: "
                               "pip install 'pyHanko[pkcs11]'") from error
        self.module_path = str(module_path)
        self.token_label = token_label
        self.key_label_template = key_label_template
        self.chain = [_to_asn1(c) for c in chain]
        self._pin = pin

    @contextmanager
    def signer(self, unit_id: str, unit_name: str) -> Iterator[Signer]:
        label = self.key_label_template.format(unit_id=checked_unit_id(unit_id))
        with _PKCS11_SIGNING:
            session = self._open()
            try:
                signer = self._pkcs11.PKCS11Signer(session, key_label=label, cert_label=label, ca_chain=self.chain)
                try:
                    self._load(signer)
                except self._p11.PKCS11Error as error:
                    raise ConflictError(f"unit {unit_id} has no signing key on token {self.token_label} "
                                        f"(label {label})") from error
                yield signer
            finally:
                session.close()

    @staticmethod
    def _load(signer: Any) -> None:
        """Fetch the key and certificate now, so that a missing one is reported as such. EC keys sign with raw
        CKM_ECDSA over a digest made here: tokens (SoftHSM among them) often lack CKM_ECDSA_SHA256."""
        if signer.signing_cert.public_key.algorithm == "ec":
            signer.use_raw_mechanism = True

    def _open(self) -> Any:
        try:
            token = self._library().get_token(token_label=self.token_label)
        except (self._p11.NoSuchToken, self._p11.MultipleTokensReturned) as error:
            raise ConflictError(f"the signing token {self.token_label} is not available") from error
        try:
            return token.open(user_pin=self._pin)
        except self._p11.UserAlreadyLoggedIn:  # another session of this process logged in: the login is shared
            return token.open()

    def _library(self) -> Any:
        """One loaded module per path and process: C_Initialize may run once, and a forked worker needs its own."""
        with _PKCS11_LOCK:
            found = _PKCS11_LIBRARIES.get(self.module_path)
            if found is None or found[0] != os.getpid():
                found = (os.getpid(), self._p11.lib(self.module_path))
                _PKCS11_LIBRARIES[self.module_path] = found
            return found[1]


# ------------------------------------------------------------------------------------------------ configuration


def load_certificates(files: Sequence[Path]) -> list[x509.Certificate]:
    """Every certificate in these PEM (one or more each) or DER files."""
    certificates: list[x509.Certificate] = []
    for path in files:
        try:
            data = Path(path).read_bytes()
            found = (x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data
                     else [x509.load_der_x509_certificate(data)])
        except (OSError, ValueError) as error:
            raise ValueError(f"signing: cannot read trust root file {path}: {error}") from error
        certificates.extend(found)
    return certificates


def signer_from_config(spec: str, trust_root_files: Sequence[Path] = ()) -> PadesSigner:
    """A PadesSigner from a setting:

    - `demo:<dir>`: DemoKeys in <dir>; its CA is trusted besides the files given;
    - `keyfile:<dir>`: KeyFileKeys in <dir>, passphrase from the environment variable ONESTOP_SIGNING_PASSPHRASE;
    - `pkcs11:<module path>?token=<label>&pin_env=<ENV NAME>[&key_label=<template with {unit_id}>]`.

    Production kinds need at least one trust root file. Raises ValueError for a bad setting."""
    kind, _, rest = spec.partition(":")
    roots = load_certificates(trust_root_files)
    builders: dict[str, Callable[[str, list[x509.Certificate]], tuple[KeySource, list[x509.Certificate]]]] = {
        "demo": _demo_from_config, "keyfile": _keyfile_from_config, "pkcs11": _pkcs11_from_config}
    builder = builders.get(kind)
    if builder is None or not rest:
        raise ValueError(f"signing: unknown setting {spec!r}; expected demo:<dir>, keyfile:<dir> or "
                         "pkcs11:<module>?token=<label>&pin_env=<variable>")
    keys, trusted = builder(rest, roots)
    return PadesSigner(keys, trusted)


def _demo_from_config(rest: str, roots: list[x509.Certificate]) -> tuple[KeySource, list[x509.Certificate]]:
    keys = DemoKeys(Path(rest))
    return keys, [*keys.trust_roots(), *roots]


def _keyfile_from_config(rest: str, roots: list[x509.Certificate]) -> tuple[KeySource, list[x509.Certificate]]:
    directory = Path(rest)
    if not directory.is_dir():
        raise ValueError(f"signing: key directory {directory} does not exist")
    _need_roots(roots, "keyfile")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    return KeyFileKeys(directory, passphrase.encode() if passphrase else None), roots


def _pkcs11_from_config(rest: str, roots: list[x509.Certificate]) -> tuple[KeySource, list[x509.Certificate]]:
    module, _, query = rest.partition("?")
    try:
        options = dict(parse_qsl(query, strict_parsing=True))
    except ValueError as error:
        raise ValueError(f"signing: bad PKCS#11 options {query!r}") from error
    unknown = set(options) - {"token", "pin_env", "key_label"}
    if unknown or "token" not in options or "pin_env" not in options:
        raise ValueError("signing: pkcs11 needs ?token=<label>&pin_env=<variable> (and optionally key_label=); "
                         f"got {sorted(options)}")
    if not Path(module).is_file():
        raise ValueError(f"signing: PKCS#11 module {module} does not exist")
    pin = os.environ.get(options["pin_env"])
    if not pin:
        raise ValueError(f"signing: the token PIN variable {options['pin_env']} is not set")
    _need_roots(roots, "pkcs11")
    template = options.get("key_label", "{unit_id}")
    if "{unit_id}" not in template:
        raise ValueError("signing: key_label must contain {unit_id}")
    return Pkcs11Keys(module, options["token"], pin, template, chain=roots), roots


def _need_roots(roots: list[x509.Certificate], kind: str) -> None:
    if not roots:
        raise ValueError(f"signing: {kind} keys need at least one trust root file, or nothing would verify")
