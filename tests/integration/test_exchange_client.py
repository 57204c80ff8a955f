"""The exchange's HTTPS client (engine/adapters/exchange_client.py): what each answer of a receiver means for the
outbox (delivered, retried, parked) with an httpx MockTransport, personal data masked in every reason, and one
real round trip with mutual TLS on loopback: a server of the standard library that requires a client certificate,
so the client is proved to present its own and to check the server's."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.adapters.dossier_package import JwsPackageCodec
from engine.adapters.exchange_client import ExchangeClient
from engine.adapters.file_store import LocalFileStore
from engine.domain.exchange import MEDIA_TYPE, Package, Peer
from engine.domain.outbox import DeliveryFailed, Destination, OutboundMessage
from tests.fakes.exchange_keys import Made, a_file, deployment, manifest

HUE, DA_NANG = "46", "48"
SCAN = a_file(b"%PDF-1.7 the birth notice, scanned")


@pytest.fixture
def made(tmp_path: Path) -> dict[str, Made]:
    return {p: deployment(tmp_path / p, p) for p in (HUE, DA_NANG)}


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStore:
    store = LocalFileStore(tmp_path / "files")
    source = tmp_path / "scan.pdf"
    source.write_bytes(SCAN[1])
    store.put(SCAN[0]["sha256"], source)
    return store


def message(receiver: str = DA_NANG, files: list[dict[str, Any]] | None = None) -> OutboundMessage:
    payload = manifest(receiver, datetime.now(UTC), [SCAN[0]] if files is None else files)
    return OutboundMessage(Destination.PROVINCE, "accepted", "province:dossier:1", payload["package_id"], payload,
                           datetime.now(UTC), dossier_id=1)


def client(made: dict[str, Made], store: LocalFileStore, handler: Callable[[httpx.Request], httpx.Response],
           peer: Peer | None = None) -> ExchangeClient:
    peers = {DA_NANG: peer or made[DA_NANG].peer}
    return ExchangeClient(JwsPackageCodec(made[HUE].identity, peers), made[HUE].identity, peers, store,
                          clock=lambda: datetime.now(UTC), transport=httpx.MockTransport(handler))


def test_a_package_is_sealed_with_its_files_and_posted_to_the_peer(made: dict[str, Made],
                                                                   store: LocalFileStore) -> None:
    received: list[Package] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        assert request.url == made[DA_NANG].peer.url and request.headers["Content-Type"] == MEDIA_TYPE
        codec = JwsPackageCodec(made[DA_NANG].identity, {HUE: made[HUE].peer})
        received.append(codec.open(request.content, client_certificate=None, now=datetime.now(UTC)))
        return httpx.Response(200, json={"package_id": "p", "dossier_code": "c", "state": "accepted",
                                         "duplicate": len(received) > 1})

    sender, once = client(made, store, receiver), message()
    sender.deliver(once)
    sender.deliver(once)  # the retry of a package delivered before: acknowledged again
    assert [p.files for p in received] == [{SCAN[0]["path"]: SCAN[1]}] * 2
    assert received[0].nonce != received[1].nonce and received[0].digest == received[1].digest


@pytest.mark.parametrize(("status", "body", "permanent"), [
    (409, {"code": "package_replayed"}, False),  # a copy of this attempt got there first: ask again, fresh
    (401, {"code": "unknown_sender", "title": "Unauthorized", "detail": "province '46' is not a registered peer"},
     True),
    (403, {"code": "certificate_mismatch"}, True),
    (409, {"code": "package_conflict", "detail": "applied with other content"}, True),
    (409, {"code": "package_expired"}, True),
    (413, {}, True),
    (422, {"code": "package_malformed", "detail": "the manifest does not match",
           "errors": [{"pointer": "/body/application/applicant/phone", "detail": "0912345678 is not allowed"}]},
     True),
    (429, {"title": "Too Many Requests"}, False),
    (500, {"title": "Internal Server Error"}, False),
    (503, {}, False),
    (502, "<html>bad gateway</html>", False),
])
def test_each_refusal_is_retried_or_parked(status: int, body: Any, permanent: bool, made: dict[str, Made],
                                           store: LocalFileStore) -> None:
    answer = httpx.Response(status, json=body) if isinstance(body, dict) else httpx.Response(status, text=body)
    sender = client(made, store, lambda request: answer)
    with pytest.raises(DeliveryFailed) as failed:
        sender.deliver(message())
    assert failed.value.permanent is permanent and f"HTTP {status}" in str(failed.value)
    if isinstance(body, dict) and body.get("code"):
        assert body["code"] in str(failed.value)


def test_a_refusal_quoting_personal_data_is_masked(made: dict[str, Made], store: LocalFileStore) -> None:
    detail = ("applicant Nguyễn Văn An, ID 046190000123, phone 0912 345 678, mail an.nguyen@example.vn: "
              "the birth notice is not readable")
    sender = client(made, store, lambda request: httpx.Response(422, json={
        "title": "Unprocessable Content", "detail": detail, "code": "file_tampered",
        "errors": [{"pointer": "/files/0", "detail": "CCCD 046190000123"}]}))
    with pytest.raises(DeliveryFailed) as failed:
        sender.deliver(message())
    reason = str(failed.value)
    assert failed.value.permanent and "file_tampered" in reason and "the birth notice is not readable" in reason
    for personal in ("046190000123", "0912 345 678", "an.nguyen@example.vn"):
        assert personal not in reason
    assert "[id-number]" in reason and "[phone]" in reason and "[email]" in reason


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                                   httpx.RemoteProtocolError("closed")])
def test_a_peer_unreachable_is_a_passing_failure(error: Exception, made: dict[str, Made],
                                                 store: LocalFileStore) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(DeliveryFailed) as failed:
        client(made, store, down).deliver(message())
    assert not failed.value.permanent and type(error).__name__ in str(failed.value)


def test_what_cannot_be_sent_is_parked_at_once(made: dict[str, Made], store: LocalFileStore) -> None:
    sent: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    sender = client(made, store, receiver)
    absent = a_file(b"%PDF-1.7 never stored")[0]
    for refused, problem in ((message(receiver="51"), "province '51' is not a registered peer"),
                             (message(files=[absent]), "is not in the file store"),
                             (message(files=[{**SCAN[0], "media_type": "text/html"}]), "breaks its schema")):
        with pytest.raises(DeliveryFailed, match=problem) as failed:
            sender.deliver(refused)
        assert failed.value.permanent
    assert sent == []


# --- a real round trip with mutual TLS on loopback ---

class _Receiver(http.server.BaseHTTPRequestHandler):
    codec: JwsPackageCodec
    seen: list[tuple[bytes, Package]]

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        presented = ssl.DER_cert_to_PEM_cert(self.connection.getpeercert(binary_form=True)).encode()
        package = self.codec.open(raw, client_certificate=presented, now=datetime.now(UTC))
        self.seen.append((presented, package))
        body = json.dumps({"package_id": package.package_id, "dossier_code": "x", "state": "accepted",
                           "duplicate": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def tls_receiver(made: dict[str, Made]) -> Iterator[tuple[str, list[tuple[bytes, Package]]]]:
    """Đà Nẵng's server on loopback: its exchange certificate as the server's, and only Huế's certificate as a
    client CA, with the client certificate required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(made[DA_NANG].certificate_file, made[DA_NANG].key_file)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(made[HUE].certificate_file)
    seen: list[tuple[bytes, Package]] = []
    handler = type("Receiver", (_Receiver,), {"codec": JwsPackageCodec(made[DA_NANG].identity,
                                                                       {HUE: made[HUE].peer}), "seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/api/v1/exchange/packages", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_package_crosses_mutual_tls(made: dict[str, Made], store: LocalFileStore,
                                      tls_receiver: tuple[str, list[tuple[bytes, Package]]]) -> None:
    url, seen = tls_receiver
    peer = Peer(DA_NANG, url, made[DA_NANG].peer.certificate_pem, str(made[DA_NANG].certificate_file))
    sender = ExchangeClient(JwsPackageCodec(made[HUE].identity, {DA_NANG: peer}), made[HUE].identity,
                            {DA_NANG: peer}, store, clock=lambda: datetime.now(UTC))
    try:
        sender.deliver(message())
    finally:
        sender.close()
    [(presented, package)] = seen
    assert presented == made[HUE].certificate_file.read_bytes()  # the client presented Huế's certificate
    assert package.sender == HUE and package.files == {SCAN[0]["path"]: SCAN[1]}


def test_a_server_not_the_peer_s_is_not_trusted(made: dict[str, Made], store: LocalFileStore,
                                                tls_receiver: tuple[str, list[tuple[bytes, Package]]],
                                                tmp_path: Path) -> None:
    url, seen = tls_receiver
    impostor_ca = deployment(tmp_path / "other", DA_NANG).certificate_file  # another key, same name
    peer = Peer(DA_NANG, url, made[DA_NANG].peer.certificate_pem, str(impostor_ca))
    sender = ExchangeClient(JwsPackageCodec(made[HUE].identity, {DA_NANG: peer}), made[HUE].identity,
                            {DA_NANG: peer}, store, clock=lambda: datetime.now(UTC))
    try:
        with pytest.raises(DeliveryFailed, match="unreachable: ConnectError") as failed:
            sender.deliver(message())
    finally:
        sender.close()
    assert not failed.value.permanent and seen == []


def test_a_client_without_the_registered_certificate_is_turned_away_by_tls(
        made: dict[str, Made], tls_receiver: tuple[str, list[tuple[bytes, Package]]]) -> None:
    url, seen = tls_receiver
    context = ssl.create_default_context(cafile=made[DA_NANG].certificate_file)  # trusts the server, no client cert
    with httpx.Client(verify=context) as anonymous, pytest.raises(httpx.HTTPError):
        anonymous.post(url, content=b"PK", headers={"Content-Type": MEDIA_TYPE})
    assert seen == []
