"""The dossier package (docs/exchange.md): sealed and opened by the JWS codec, and every refusal of the
"Verification" list with its code; the container read as hostile input (zip bombs, traversal names, duplicates,
a JWS that names no algorithm or brings its own key)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws

from engine.adapters import package_container
from engine.adapters.dossier_package import JwsPackageCodec, digest, read_peers
from engine.adapters.exchange_certificates import read_certificate
from engine.domain.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    FileTooLargeError,
    ForbiddenError,
    ValidationFailedError,
)
from engine.domain.exchange import MEDIA_TYPE, Identity, Peer
from tests.fakes.exchange_keys import Made, a_file, deployment, manifest

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
HUE, DA_NANG, QUANG_NGAI = "46", "48", "51"
MOMENT = json.loads((Path(__file__).parents[2] / "engine/adapters/exchange_manifest.schema.json").read_text())[
    "$defs"]["moment"]["pattern"]
SCAN, PHOTO = a_file(b"%PDF-1.7 a scanned birth notice"), a_file(b"\x89PNG a photo", "image/png")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    folder = tmp_path_factory.mktemp("exchange")
    return {p: deployment(folder / p, p, now=NOW - timedelta(days=1)) for p in (HUE, DA_NANG, QUANG_NGAI)}


@pytest.fixture
def hue(made: dict[str, Made]) -> JwsPackageCodec:
    return JwsPackageCodec(made[HUE].identity, {DA_NANG: made[DA_NANG].peer})


@pytest.fixture
def da_nang(made: dict[str, Made]) -> JwsPackageCodec:
    return JwsPackageCodec(made[DA_NANG].identity, {HUE: made[HUE].peer, QUANG_NGAI: made[QUANG_NGAI].peer})


def sealed(codec: JwsPackageCodec, *, receiver: str = DA_NANG, now: datetime = NOW) -> bytes:
    return codec.seal(manifest(receiver, NOW, [SCAN[0], PHOTO[0]]),
                      {SCAN[0]["path"]: SCAN[1], PHOTO[0]["path"]: PHOTO[1]}, now=now)


def entries(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(raw: bytes, *, change: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
          add: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """`raw` with entries changed, dropped or added, `mimetype` still first and stored."""
    kept = {**entries(raw), **(change or {})}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", kept.pop("mimetype"), zipfile.ZIP_STORED)
        for name, data in [*kept.items(), *add]:
            if name not in drop:
                archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def refusal(codec: JwsPackageCodec, raw: bytes, *, now: datetime = NOW,
            client_certificate: bytes | None = None) -> DomainError:
    with pytest.raises(DomainError) as refused:
        codec.open(raw, client_certificate=client_certificate, now=now)
    return refused.value


def resigned(made: Made, manifest_bytes: bytes, header: dict[str, Any], *, key: jwk.JWK | None = None) -> bytes:
    """A detached compact JWS over `manifest_bytes` with `header`, by `made`'s key (or `key`)."""
    token = jws.JWS(manifest_bytes)
    token.allowed_algs = [header["alg"]]
    token.add_signature(key or jwk.JWK.from_pem(made.key_file.read_bytes()), None, json.dumps(header))
    protected, _, signature = token.serialize(compact=True).split(".")
    return f"{protected}..{signature}".encode()


def thumbprint(made: Made) -> str:
    der = read_certificate(made.certificate_file.read_bytes()).public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def test_a_sealed_package_opens_with_its_manifest_files_and_digest(hue: JwsPackageCodec, da_nang: JwsPackageCodec,
                                                                   made: dict[str, Made]) -> None:
    raw = sealed(hue)
    opened = da_nang.open(raw, client_certificate=made[HUE].certificate_file.read_bytes(), now=NOW)
    assert opened.manifest["format"] == "onestop-dossier-package" and opened.manifest["version"] == "1.0"
    assert (opened.sender, opened.manifest["receiver"], opened.sent_at) == (HUE, DA_NANG, NOW)
    assert len(opened.nonce) == 32 and int(opened.nonce, 16) >= 0
    assert opened.files == {SCAN[0]["path"]: SCAN[1], PHOTO[0]["path"]: PHOTO[1]}
    assert opened.digest == digest(opened.manifest)
    # The container: mimetype first and stored, the manifest canonical, a detached ES256 JWS.
    assert raw[30:38] == b"mimetype" and raw[38:38 + len(MEDIA_TYPE)] == MEDIA_TYPE.encode()
    inside = entries(raw)
    assert sorted(inside) == sorted(["mimetype", "manifest.json", "META-INF/signature.jws", SCAN[0]["path"],
                                     PHOTO[0]["path"]])
    assert inside["manifest.json"] == json.dumps(opened.manifest, sort_keys=True, separators=(",", ":"),
                                                 ensure_ascii=False).encode()
    header, payload, _ = inside["META-INF/signature.jws"].split(b".")
    assert payload == b"" and json.loads(base64.urlsafe_b64decode(header + b"==")) == {
        "alg": "ES256", "typ": "onestop-package+jws", "x5t#S256": thumbprint(made[HUE])}


def test_the_digest_is_the_same_for_every_delivery_attempt_and_changes_with_the_content(
        hue: JwsPackageCodec, da_nang: JwsPackageCodec) -> None:
    first, again = sealed(hue), sealed(hue, now=NOW + timedelta(minutes=3))
    opened = [da_nang.open(raw, client_certificate=None, now=NOW) for raw in (first, again)]
    assert first != again and opened[0].nonce != opened[1].nonce
    assert opened[0].digest == opened[1].digest
    other = hue.seal(manifest(DA_NANG, NOW, unit={"id": "20195", "name": "another unit"}), {}, now=NOW)
    assert da_nang.open(other, client_certificate=None, now=NOW).digest != opened[0].digest


def test_seal_refuses_files_that_are_not_the_manifest_s(hue: JwsPackageCodec) -> None:
    with pytest.raises(ValueError, match="not given"):
        hue.seal(manifest(DA_NANG, NOW, [SCAN[0]]), {}, now=NOW)
    with pytest.raises(ValueError, match="not the ones the manifest lists"):
        hue.seal(manifest(DA_NANG, NOW, [SCAN[0]]), {SCAN[0]["path"]: b"other bytes"}, now=NOW)
    with pytest.raises(ValueError, match="does not list"):
        hue.seal(manifest(DA_NANG, NOW), {SCAN[0]["path"]: SCAN[1]}, now=NOW)
    with pytest.raises(ValueError, match="/body/unit/id is required"):
        hue.seal(manifest(DA_NANG, NOW, unit={"name": "no id"}), {}, now=NOW)


# --- the "Verification" list, in order ---

def test_what_is_not_a_zip_container_is_malformed(da_nang: JwsPackageCodec) -> None:
    for raw in (b"", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 100, json.dumps({"kind": "dossier"}).encode()):
        error = refusal(da_nang, raw)
        assert isinstance(error, ValidationFailedError) and error.code == "package_malformed"


@pytest.mark.parametrize("name", ["../etc/passwd", "files/../../etc/passwd", "/etc/passwd", "files/ABC",
                                  "META-INF/other.xml", "files/", "Manifest.json",
                                  "files/" + "a" * 63 + "/x"])
def test_an_entry_the_format_does_not_name_is_refused(name: str, hue: JwsPackageCodec,
                                                      da_nang: JwsPackageCodec) -> None:
    error = refusal(da_nang, rezip(sealed(hue), add=((name, b"x"),)))
    assert error.code == "package_malformed" and "does not allow" in str(error)


def test_a_name_twice_a_missing_entry_or_mimetype_not_first_is_refused(hue: JwsPackageCodec,
                                                                       da_nang: JwsPackageCodec) -> None:
    raw = sealed(hue)
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = rezip(raw, add=(("manifest.json", b"{}"),))
    assert "twice" in str(refusal(da_nang, twice))
    assert "no META-INF/signature.jws" in str(refusal(da_nang, rezip(raw, drop=("META-INF/signature.jws",))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in reversed(entries(raw).items()):
            archive.writestr(name, data)
    assert "must come first" in str(refusal(da_nang, out.getvalue()))
    assert "mimetype entry must be" in str(refusal(da_nang, rezip(raw, change={"mimetype": b"application/zip"})))


def test_a_zip_bomb_is_refused_from_its_declared_size_or_as_it_is_read(
        hue: JwsPackageCodec, da_nang: JwsPackageCodec, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = sealed(hue)
    bomb = "files/" + "b" * 64  # 21 MB of zeros deflate to 21 KB
    error = refusal(da_nang, rezip(raw, add=((bomb, bytes(21 * 1024 * 1024)),)))
    assert isinstance(error, FileTooLargeError) and "declares 22020096 bytes" in str(error)
    # An archive that lies: it declares 10 bytes and holds 1 MB. Reading stops one byte past the declared size.
    liar = bytearray(rezip(raw, add=((bomb, bytes(1024 * 1024)),)))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # the uncompressed size, both headers
        struct.pack_into("<I", liar, _header_of(liar, signature, bomb) + offset, 10)
    error = refusal(da_nang, bytes(liar))  # zipfile stops at the declared size too, and then finds a bad CRC
    assert error.code == "package_malformed" and "not a readable ZIP container" in str(error)
    monkeypatch.setattr(package_container, "MAX_PACKAGE_BYTES", 1000)
    assert isinstance(refusal(da_nang, raw), FileTooLargeError)


def _header_of(data: bytearray, signature: bytes, name: str) -> int:
    """Where the local (PK\\x03\\x04) or central (PK\\x01\\x02) header of entry `name` starts."""
    name_at = {b"PK\x03\x04": 30, b"PK\x01\x02": 46}[signature]
    at = -1
    while (at := data.index(signature, at + 1)) >= 0:
        if data[at + name_at:at + name_at + len(name)] == name.encode():
            return at
    raise AssertionError(name)


def test_a_manifest_that_is_not_a_json_object_or_too_large_or_too_deep_is_refused(
        hue: JwsPackageCodec, da_nang: JwsPackageCodec) -> None:
    raw = sealed(hue)
    for text in (b"[1, 2]", b"\"a string\"", b"{\"sender\": NaN}", b"{" * 2000, b"\xff\xfe"):
        error = refusal(da_nang, rezip(raw, change={"manifest.json": text}))
        assert error.code == "package_malformed", text[:10]
    huge = b"{\"padding\": \"" + b"x" * (6 * 1024 * 1024) + b"\"}"
    assert isinstance(refusal(da_nang, rezip(raw, change={"manifest.json": huge})), FileTooLargeError)


def test_an_unknown_sender_is_refused(made: dict[str, Made], da_nang: JwsPackageCodec) -> None:
    stranger = JwsPackageCodec(deployment(made[HUE].key_file.parent.parent / "01", "01").identity, {})
    error = refusal(da_nang, sealed(stranger))
    assert isinstance(error, AuthenticationError) and error.code == "unknown_sender" and "'01'" in str(error)


def test_a_tls_client_certificate_other_than_the_sender_s_is_refused(
        hue: JwsPackageCodec, da_nang: JwsPackageCodec, made: dict[str, Made]) -> None:
    raw = sealed(hue)
    for presented in (made[QUANG_NGAI].certificate_file.read_bytes(), b"not a certificate"):
        error = refusal(da_nang, raw, client_certificate=presented)
        assert isinstance(error, ForbiddenError) and error.code == "certificate_mismatch"
    da_nang.open(raw, client_certificate=made[HUE].certificate_file.read_bytes(), now=NOW)


def test_a_sender_whose_registered_certificate_expired_is_refused_saying_so(
        hue: JwsPackageCodec, made: dict[str, Made], tmp_path: Path) -> None:
    old = deployment(tmp_path, HUE, now=NOW - timedelta(days=900))
    raw = JwsPackageCodec(old.identity, {}).seal(manifest(DA_NANG, NOW), {}, now=NOW - timedelta(days=200))
    receiver = JwsPackageCodec(made[DA_NANG].identity, {HUE: old.peer})
    error = refusal(receiver, raw, now=NOW - timedelta(days=100))  # expired 170 days before NOW
    assert isinstance(error, AuthenticationError) and error.code == "certificate_expired"
    assert "expired on" in str(error)
    with pytest.raises(ValueError, match="certificate expired"):
        JwsPackageCodec(old.identity, {}).seal(manifest(DA_NANG, NOW), {}, now=NOW)


def test_a_manifest_changed_after_signing_does_not_verify(hue: JwsPackageCodec, da_nang: JwsPackageCodec) -> None:
    raw = sealed(hue)
    changed = entries(raw)["manifest.json"].replace("Phường Hải Vân".encode(), b"Phuong Hai Van")
    error = refusal(da_nang, rezip(raw, change={"manifest.json": changed}))
    assert isinstance(error, AuthenticationError) and error.code == "bad_signature"


def test_a_signature_by_another_registered_peer_s_key_is_refused(made: dict[str, Made],
                                                                 da_nang: JwsPackageCodec) -> None:
    # Quảng Ngãi, registered at Đà Nẵng too, seals a package that claims to come from Huế.
    impostor = JwsPackageCodec(Identity(HUE, made[QUANG_NGAI].identity.key_file,
                                        made[QUANG_NGAI].identity.certificate_file), {})
    error = refusal(da_nang, sealed(impostor))
    assert error.code == "bad_signature" and "not signed with the certificate registered" in str(error)
    # Even with the thumbprint of Huë's certificate in its header, Quảng Ngãi's key does not verify.
    raw = sealed(impostor)
    token = resigned(made[QUANG_NGAI], entries(raw)["manifest.json"],
                     {"alg": "ES256", "typ": "onestop-package+jws", "x5t#S256": thumbprint(made[HUE])})
    error = refusal(da_nang, rezip(raw, change={"META-INF/signature.jws": token}))
    assert error.code == "bad_signature" and "does not verify" in str(error)


def test_alg_none_hmac_and_a_key_in_the_header_are_refused(hue: JwsPackageCodec, da_nang: JwsPackageCodec,
                                                           made: dict[str, Made]) -> None:
    raw = sealed(hue)
    body = entries(raw)["manifest.json"]
    typ, x5t = "onestop-package+jws", thumbprint(made[HUE])

    def b64(value: Any) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")

    none = b64({"alg": "none", "typ": typ, "x5t#S256": x5t}) + b".."
    public_pem = made[HUE].certificate_file.read_bytes()
    hmac_key = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(public_pem).rstrip(b"=").decode())
    hmac = resigned(made[HUE], body, {"alg": "HS256", "typ": typ, "x5t#S256": x5t}, key=hmac_key)
    own_key = jwk.JWK.generate(kty="EC", crv="P-256")
    with_jwk = resigned(made[HUE], body, {"alg": "ES256", "typ": typ, "x5t#S256": x5t,
                                          "jwk": own_key.export_public(as_dict=True)}, key=own_key)
    attached = resigned(made[HUE], body, {"alg": "ES256", "typ": typ, "x5t#S256": x5t}).replace(
        b"..", b"." + base64.urlsafe_b64encode(body).rstrip(b"=") + b".")
    deep = base64.urlsafe_b64encode(b"[" * 12000).rstrip(b"=") + b"..c2ln"
    for token in (none, none + b"c2ln", hmac, with_jwk, attached, deep, b"garbage", b"\xff..\xff", b""):
        error = refusal(da_nang, rezip(raw, change={"META-INF/signature.jws": token}))
        assert isinstance(error, AuthenticationError) and error.code == "bad_signature", token[:40]


def test_a_package_for_another_province_is_refused(hue: JwsPackageCodec, da_nang: JwsPackageCodec,
                                                   made: dict[str, Made]) -> None:
    to_quang_ngai = JwsPackageCodec(made[HUE].identity, {QUANG_NGAI: made[QUANG_NGAI].peer})
    error = refusal(da_nang, sealed(to_quang_ngai, receiver=QUANG_NGAI))
    assert isinstance(error, ForbiddenError) and error.code == "wrong_receiver" and "'51'" in str(error)


def test_a_manifest_that_breaks_the_schema_is_refused_with_pointers(hue: JwsPackageCodec,
                                                                    da_nang: JwsPackageCodec,
                                                                    made: dict[str, Made]) -> None:
    bad = {**manifest(DA_NANG, NOW), "format": "onestop-dossier-package", "version": "1.0", "sender": HUE,
           "nonce": "0" * 32, "sent_at": NOW.isoformat(), "clock": {"due_at": "tomorrow"}, "extra": 1,
           "at": "2026-13-01T24:00:00+25:00",  # the pattern's shape, but no instant
           "kind": "dossier", "body": {"procedure": {"code": "1.001193"}}}
    manifest_bytes = json.dumps(bad).encode()
    token = resigned(made[HUE], manifest_bytes, {"alg": "ES256", "typ": "onestop-package+jws",
                                                 "x5t#S256": thumbprint(made[HUE])})
    raw = rezip(sealed(hue), change={"manifest.json": manifest_bytes, "META-INF/signature.jws": token},
                drop=(SCAN[0]["path"], PHOTO[0]["path"]))
    error = refusal(da_nang, raw)
    assert isinstance(error, ValidationFailedError) and error.code == "package_malformed"
    said = {e.pointer: e.message for e in error.errors}
    assert {"/clock/due_at", "/clock/deadline_at", "/body/procedure/version", "/body/application"} <= set(said)
    assert ("/clock/due_at", "does not match the pattern " + MOMENT) in [(e.pointer, e.message) for e in error.errors]
    assert "['extra']" in said["/"]
    assert said["/at"] == "is not a valid date-time"


@pytest.mark.parametrize("late", [timedelta(minutes=11), -timedelta(minutes=11)])
def test_a_package_sent_more_than_ten_minutes_from_the_receiver_s_clock_is_expired(
        late: timedelta, hue: JwsPackageCodec, da_nang: JwsPackageCodec) -> None:
    raw = sealed(hue)
    error = refusal(da_nang, raw, now=NOW + late)
    assert isinstance(error, ConflictError) and error.code == "package_expired"
    da_nang.open(raw, client_certificate=None, now=NOW + late * 9 / 11)


def test_a_listed_file_missing_or_changed_and_a_file_not_listed_are_refused(hue: JwsPackageCodec,
                                                                            da_nang: JwsPackageCodec) -> None:
    raw = sealed(hue)
    error = refusal(da_nang, rezip(raw, drop=(PHOTO[0]["path"],)))
    assert error.code == "file_missing" and [e.pointer for e in error.errors] == ["/files/1"]  # type: ignore[attr-defined]
    tampered = bytearray(SCAN[1])
    tampered[5] ^= 1
    error = refusal(da_nang, rezip(raw, change={SCAN[0]["path"]: bytes(tampered)}))
    assert error.code == "file_tampered" and [e.pointer for e in error.errors] == ["/files/0"]  # type: ignore[attr-defined]
    extra = a_file(b"%PDF-1.7 slipped in")
    error = refusal(da_nang, rezip(raw, add=((extra[0]["path"], extra[1]),)))
    assert error.code == "package_malformed" and "does not list" in str(error)


def test_the_first_failing_check_is_the_answer(hue: JwsPackageCodec, da_nang: JwsPackageCodec,
                                               made: dict[str, Made]) -> None:
    """A stale package with a tampered file, for another province, on the wrong TLS certificate: the certificate
    is what is said (check 2 comes before 3 to 6)."""
    to_quang_ngai = JwsPackageCodec(made[HUE].identity, {QUANG_NGAI: made[QUANG_NGAI].peer})
    raw = rezip(sealed(to_quang_ngai, receiver=QUANG_NGAI), change={SCAN[0]["path"]: b"changed"})
    error = refusal(da_nang, raw, now=NOW + timedelta(hours=1),
                    client_certificate=made[QUANG_NGAI].certificate_file.read_bytes())
    assert error.code == "certificate_mismatch"
    assert refusal(da_nang, raw, now=NOW + timedelta(hours=1)).code == "wrong_receiver"


# --- the peers file ---

def test_the_peers_file_is_read_with_paths_relative_to_it(made: dict[str, Made], tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "48.pem").write_bytes(made[DA_NANG].certificate_file.read_bytes())
    path = tmp_path / "peers.json"
    path.write_text(json.dumps([{"province": "48", "url": "https://dn.example/api/v1/exchange/packages",
                                 "certificate": "certs/48.pem", "server_ca": "certs/48.pem"}]))
    peers = read_peers(path)
    assert list(peers) == ["48"] and peers["48"].certificate_pem == made[DA_NANG].certificate_file.read_bytes()
    assert peers["48"].server_ca == str(tmp_path / "certs" / "48.pem")


@pytest.mark.parametrize(("entries_", "problem"), [
    ({"province": "48"}, "a JSON list"),
    ([{"province": "Đà Nẵng", "url": "https://x", "certificate": "c.pem"}], "peer 1: province must be"),
    ([{"province": "48", "url": "http://x", "certificate": "c.pem"}], "peer 1 (province 48): url must be"),
    ([{"province": "48", "url": "https://x", "certificate": "none.pem"}], "certificate cannot be read"),
    ([{"province": "48", "url": "https://x", "certificate": "peers.json"}], "certificate is not a PEM"),
    ([{"province": "48", "url": "https://x", "certificate": "c.pem", "server_ca": "none.pem"}], "server_ca"),
    ([{"province": "48", "url": "https://x", "certificate": "c.pem", "key": "k.pem"}], "must be an object"),
    ([{"province": "48", "url": "https://x", "certificate": "c.pem"}] * 2, "peer 2: province 48 is registered twice"),
])
def test_a_bad_peers_file_names_the_entry_and_field(entries_: Any, problem: str, made: dict[str, Made],
                                                    tmp_path: Path) -> None:
    (tmp_path / "c.pem").write_bytes(made[DA_NANG].certificate_file.read_bytes())
    (tmp_path / "peers.json").write_text(json.dumps(entries_))
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_peers(tmp_path / "peers.json")
    (tmp_path / "peers.json").write_text("[{")
    with pytest.raises(ValueError, match="cannot be read as JSON"):
        read_peers(tmp_path / "peers.json")


# --- the example of docs/exchange.md ---

def test_the_documented_example_opens_with_its_certificate_and_matches_the_schema(made: dict[str, Made]) -> None:
    """docs/exchange/example.zip, made by docs/exchange/make_example.py with the real codec, still opens: the
    format and the code have not drifted apart."""
    folder = Path(__file__).parents[2] / "docs" / "exchange"
    shown = json.loads((folder / "example" / "manifest.json").read_text(encoding="utf-8"))
    sender = Peer(HUE, "https://exchange.hue.example", (folder / "example-46.cert.pem").read_bytes())
    receiver = JwsPackageCodec(made[DA_NANG].identity, {HUE: sender})
    sent_at = datetime.fromisoformat(shown["sent_at"])
    package = receiver.open((folder / "example.zip").read_bytes(), client_certificate=sender.certificate_pem,
                            now=sent_at)
    assert package.manifest == shown and package.kind == "dossier"
    components = package.manifest["body"]["components"]
    assert len(components) == 3 and sorted(p for c in components for p in c["files"]) == sorted(package.files)
    assert all(data.startswith(b"%PDF-") for data in package.files.values())
    with pytest.raises(ConflictError):
        receiver.open((folder / "example.zip").read_bytes(), client_certificate=None, now=sent_at + timedelta(hours=1))
