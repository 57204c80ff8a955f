"""POST /api/v1/exchange/packages (docs/exchange.md): what the endpoint itself decides before the engine opens a
package (not configured, the wrong media type, too large, the client certificate missing), and what the real
codec answers through it (garbage, an unknown sender, a tampered file, a replay)."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import quote

from engine.domain.exchange import MAX_PACKAGE_BYTES, MEDIA_TYPE
from tests.api.exchange_pair import CERT_HEADER, DA_NANG, HUE, PACKAGES, Pair, key_and_certificate


def post(client: Any, body: bytes, *, content_type: str = MEDIA_TYPE, **headers: str) -> Any:
    return client.post(PACKAGES, data=body, content_type=content_type, headers=headers)


def test_a_deployment_that_takes_no_part_answers_404(client: Any) -> None:
    answer = post(client, b"PK\x03\x04 anything")

    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == "exchange_not_configured"


def test_the_endpoint_is_documented_with_its_binary_body(client: Any) -> None:
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][PACKAGES]["post"]

    assert operation["requestBody"]["content"][MEDIA_TYPE]["schema"] == {"type": "string", "format": "binary"}
    assert set(operation["responses"]) >= {"200", "401", "403", "404", "409", "413", "415", "422"}


def test_another_media_type_is_415(pair: Pair) -> None:
    for content_type in ("application/json", "application/zip", "multipart/form-data"):
        answer = post(pair.b.client, b'{"package": 1}', content_type=content_type,
                      **{CERT_HEADER: quote(pair.a.certificate)})
        assert answer.status_code == 415, (content_type, answer.get_json())
        assert answer.get_json()["code"] == "package_media_type"


def test_a_package_larger_than_the_limit_is_413_before_it_is_read(pair: Pair) -> None:
    answer = pair.b.client.post(PACKAGES, data=b"PK", content_type=MEDIA_TYPE,
                                environ_overrides={"CONTENT_LENGTH": str(MAX_PACKAGE_BYTES + 1)})

    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["code"] == "package_too_large"


def test_the_body_is_never_logged(pair: Pair, caplog: Any) -> None:
    caplog.set_level("DEBUG")
    for body in (b"PK\x03\x04 marker-of-the-body", b"marker-of-the-body"):
        post(pair.b.client, body, **{CERT_HEADER: quote(pair.a.certificate)})

    assert "marker-of-the-body" not in caplog.text


def test_the_client_certificate_is_required_when_the_proxy_passes_it(pair: Pair) -> None:
    answer = post(pair.b.client, b"PK\x03\x04")

    assert answer.status_code == 401 and answer.get_json()["code"] == "client_certificate_required"


def test_garbage_is_422_malformed(pair: Pair) -> None:
    for body in (b"not a zip at all", b"PK\x03\x04" + b"\x00" * 64, _zip({"mimetype": MEDIA_TYPE.encode()})):
        answer = post(pair.b.client, body, **{CERT_HEADER: quote(pair.a.certificate)})
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["code"] == "package_malformed"


def test_an_unknown_sender_is_401(pair: Pair, tmp_path: Any) -> None:
    """A package sealed by a deployment the receiver never registered (another key, another province)."""
    from engine.adapters.dossier_package import JwsPackageCodec
    from engine.domain.exchange import Identity

    key, certificate = key_and_certificate(tmp_path, "01")
    stranger = JwsPackageCodec(Identity("01", str(key), str(certificate)), pair.a.wiring.peers)
    raw = stranger.seal(_manifest(DA_NANG), {}, now=pair.clock())
    answer = post(pair.b.client, raw, **{CERT_HEADER: quote(certificate.read_bytes())})

    assert answer.status_code == 401 and answer.get_json()["code"] == "unknown_sender"


def test_a_package_signed_by_another_key_than_the_registered_one_is_401(pair: Pair, tmp_path: Any) -> None:
    from engine.adapters.dossier_package import JwsPackageCodec
    from engine.domain.exchange import Identity

    key, certificate = key_and_certificate(tmp_path, HUE)  # claims to be Huế, with a key Đà Nẵng never registered
    impostor = JwsPackageCodec(Identity(HUE, str(key), str(certificate)), pair.a.wiring.peers)
    raw = impostor.seal(_manifest(DA_NANG), {}, now=pair.clock())
    answer = post(pair.b.client, raw, **{CERT_HEADER: quote(pair.a.certificate)})

    assert answer.status_code == 401 and answer.get_json()["code"] == "bad_signature"


def test_a_tls_certificate_other_than_the_senders_is_403(pair: Pair) -> None:
    raw = pair.a.wiring.codec.seal(_manifest(DA_NANG), {}, now=pair.clock())
    answer = post(pair.b.client, raw, **{CERT_HEADER: quote(pair.b.certificate)})

    assert answer.status_code == 403 and answer.get_json()["code"] == "certificate_mismatch"


def test_a_status_package_for_a_dossier_the_receiver_does_not_hold_is_404(pair: Pair) -> None:
    raw = pair.a.wiring.codec.seal(_manifest(DA_NANG), {}, now=pair.clock())
    answer = post(pair.b.client, raw, **{CERT_HEADER: quote(pair.a.certificate)})
    again = post(pair.b.client, raw, **{CERT_HEADER: quote(pair.a.certificate)})

    assert answer.status_code == 404 and answer.get_json()["code"] == "dossier_not_found"
    assert again.status_code in (404, 409)  # never applied: nothing to acknowledge twice


def _manifest(receiver: str) -> dict[str, Any]:
    """A withdrawal of a dossier the receiver does not hold: well formed, with no file."""
    at = "2025-07-14T09:00:00+07:00"
    return {"package_id": "19768-250714-0999:withdrawn:9", "kind": "withdrawn", "receiver": receiver,
            "dossier_code": "19768-250714-0999", "at": at,
            "clock": {"due_at": at, "deadline_at": at, "paused_at": None}, "files": [],
            "body": {"reasons": "Người nộp rút hồ sơ"}}


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()
