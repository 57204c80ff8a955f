"""The keys and certificates of the exchange between provinces (docs/exchange.md "Operations"): reading and
checking them, and making a deployment's own (the `exchange-certificate` command).

A peer is pinned by its certificate, not by a CA: its operators hand it over, ours register it, and every
comparison is by the SHA-256 of the certificate's DER bytes. Used by the package codec, the HTTPS client and the
settings check. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERTIFICATE_LIFETIME = timedelta(days=730)
"""Two years: long enough not to be a routine chore, short enough that a lost key does not live forever."""
MIN_RSA_BITS = 2048

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def read_certificate(pem: bytes) -> x509.Certificate:
    """The first certificate of `pem`; ValueError if there is none."""
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise ValueError("is not a PEM certificate") from None


def read_private_key(pem: bytes) -> PrivateKey:
    """An unencrypted PEM key that can sign packages: EC P-256 (ES256) or RSA of 2048 bits or more (PS256)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise ValueError("is not an unencrypted PEM private key") from None
    check_key_kind(key.public_key())
    return key  # type: ignore[return-value]  # check_key_kind refused every other kind


def check_key_kind(public_key: object) -> str:
    """The JWS algorithm of a key of this kind (ES256 or PS256); ValueError for any other kind."""
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= MIN_RSA_BITS:
        return "PS256"
    raise ValueError(f"holds a key of a kind the exchange does not use (EC P-256 or RSA of {MIN_RSA_BITS} bits "
                     "or more)")


def der_digest(certificate: x509.Certificate) -> bytes:
    """SHA-256 of the certificate's DER bytes: what `x5t#S256` carries and what two certificates are compared by."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()


def fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 fingerprint as operators read it to each other over the phone: AB:CD:…"""
    return ":".join(f"{b:02X}" for b in der_digest(certificate))


def validity_problem(certificate: x509.Certificate, now: datetime) -> str | None:
    """Why the certificate cannot be used at `now` (it expired), or None. Its start is not checked: a pinned
    certificate is trusted because operators registered it, and one registered ahead of its start (a renewal
    exchanged early) is as good as theirs; an expired one is refused, so a lost key stops working in the end."""
    if now > certificate.not_valid_after_utc:
        return f"expired on {certificate.not_valid_after_utc.isoformat()}"
    return None


def matches(key: PrivateKey, certificate: x509.Certificate) -> bool:
    """Whether the certificate is the key's (same public key)."""
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(*spki) == certificate.public_key().public_bytes(*spki)


def make_certificate(province: str, hosts: list[str], now: datetime) -> tuple[bytes, bytes]:
    """A new EC P-256 key and its self-signed certificate for province `province` (PEM key, PEM certificate):
    CN "onestop exchange <province>", valid two years from `now`, with `hosts` as DNS names, usable both to sign
    packages and as the TLS client and server certificate of the deployment."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"onestop exchange {province}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"onestop province {province}")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + CERTIFICATE_LIFETIME)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                                     ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]),
                                        critical=False)
    certificate = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
