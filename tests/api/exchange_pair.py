"""Two deployments in one process for the exchange between provinces (issue 26, docs/exchange.md): Huế (46, the
sender: its centres receive) and Đà Nẵng (48, the handler: its units handle), each a Flask app with its own
database, file store, key and certificate (EC P-256, self-signed, made here) and the other registered as its peer.

The worker's delivery (engine/services/outbound.deliver_due) runs with a transport that seals each package with
the sending deployment's codec, as the HTTPS client does, and POSTs it to the other app's test client, passing
the sender's certificate in the header a TLS-terminating proxy would fill (URL-escaped PEM, as nginx's
$ssl_client_escaped_cert)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from api import create_app
from api.wiring import Wiring
from engine.adapters.exchange_certificates import make_certificate
from engine.domain.exchange import MEDIA_TYPE
from engine.domain.outbox import DeliveryFailed, Destination, OutboundMessage
from engine.services import outbound
from tests.conftest import Clock, make_settings, seeded_database

HUE, DA_NANG = "46", "48"
HAI_VAN = "20195"  # Phường Hải Vân, Đà Nẵng: where the family lives, so its birth registration is Đà Nẵng's
CERT_HEADER = "X-SSL-Client-Cert"
PACKAGES = "/api/v1/exchange/packages"


def key_and_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """Province `name`'s exchange key and certificate, as the `exchange-certificate` command makes them, in PEM
    files `name`.key and `name`.pem."""
    key_pem, cert_pem = make_certificate(name, ["localhost"], datetime.now(UTC))
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.pem"
    key_path.write_bytes(key_pem)
    cert_path.write_bytes(cert_pem)
    return key_path, cert_path


def peers_file(folder: Path, name: str, peers: dict[str, Path]) -> Path:
    """ONESTOP_EXCHANGE_PEERS: a JSON list of {province, url, certificate} (paths relative to the file)."""
    path = folder / f"{name}-peers.json"
    path.write_text(json.dumps([{"province": province, "url": f"https://{province}.example{PACKAGES}",
                                 "certificate": cert.name} for province, cert in peers.items()]), encoding="utf-8")
    return path


@dataclasses.dataclass
class Deployment:
    """One province's deployment: its app, a test client, its wiring and its certificate's PEM."""

    province: str
    app: Any
    certificate: bytes

    @property
    def client(self) -> Any:
        return self.app.test_client()

    @property
    def wiring(self) -> Wiring:
        return self.app.extensions["onestop"]  # type: ignore[no-any-return]


class InProcessTransport:
    """The outbox's transport for Destination.PROVINCE, in-process: seal with the sender's codec (fresh nonce and
    sent_at at each attempt, the files read from its store by their SHA-256), POST to the receiver's test client;
    a 4xx parks the message, anything else is a passing failure, as engine/adapters/exchange_client.py says."""

    def __init__(self, sender: Deployment, receivers: dict[str, Deployment], clock: Clock):
        self.sender, self.receivers, self.clock = sender, receivers, clock
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.down = False
        """True: the receiver is unreachable (a connection failure, retried)."""

    def deliver(self, message: OutboundMessage) -> None:
        if self.down:
            raise ConnectionError("the peer cannot be reached")
        payload = message.payload
        store = self.sender.wiring.store
        files = {}
        for entry in payload["files"]:
            with store.open(entry["sha256"]) as stream:
                files[entry["path"]] = stream.read()
        raw = self.sender.wiring.codec.seal(payload, files, now=self.clock())
        response = self.receivers[payload["receiver"]].client.post(
            PACKAGES, data=raw, content_type=MEDIA_TYPE, headers={CERT_HEADER: quote(self.sender.certificate)})
        body = response.get_json(silent=True) or {}
        self.answers.append((response.status_code, body))
        if response.status_code >= 400:
            raise DeliveryFailed(f"{response.status_code} {body.get('code')}: {body.get('detail')}",
                                 permanent=response.status_code < 500)


@dataclasses.dataclass
class Pair:
    a: Deployment
    b: Deployment
    clock: Clock
    transports: dict[str, InProcessTransport] = dataclasses.field(default_factory=dict)

    def deliver(self, rounds: int = 10) -> int:
        """Run both workers' delivery until neither has a package due; how many were tried."""
        tried = 0
        for _ in range(rounds):
            now = sum(outbound.deliver_due(d.wiring.uow, transports={Destination.PROVINCE: self.transports[
                d.province]}, clock=self.clock) for d in (self.a, self.b))
            tried += now
            if not now:
                return tried
        raise AssertionError("packages kept coming for ten rounds")


def deployment(url: str, folder: Path, province: str, clock: Clock, peers: dict[str, bytes],
               **settings: Any) -> Deployment:
    """A deployment of `province` over the seeded database at `url`, with its key and certificate in `folder`
    and `peers` (province → certificate PEM) registered."""
    key, certificate = folder / f"{province}.key", folder / f"{province}.pem"
    for peer, pem in peers.items():
        (folder / f"peer-{peer}.pem").write_bytes(pem)
    chosen = dataclasses.replace(
        make_settings(url), exchange_province=province, exchange_key=key, exchange_certificate=certificate,
        exchange_peers=peers_file(folder, province, {p: folder / f"peer-{p}.pem" for p in peers}),
        exchange_client_cert_header=CERT_HEADER, **settings)
    app = create_app({"TESTING": True, "SETTINGS": chosen, "WIRING": {"clock": clock}})
    return Deployment(province, app, certificate.read_bytes())


def make_pair(a_url: str, b_url: str, folder: Path, clock: Clock) -> Pair:
    """Huế and Đà Nẵng, each the other's peer, Đà Nẵng with its demo accounts too."""
    made = {}
    for province in (HUE, DA_NANG):
        (folder / province).mkdir()
        made[province] = key_and_certificate(folder / province, province)[1].read_bytes()
    a = deployment(a_url, folder / HUE, HUE, clock, {DA_NANG: made[DA_NANG]})
    b = deployment(b_url, folder / DA_NANG, DA_NANG, clock, {HUE: made[HUE]})
    b.wiring.create_demo_accounts(int(DA_NANG))
    pair = Pair(a, b, clock)
    pair.transports = {HUE: InProcessTransport(a, {DA_NANG: b}, clock),
                       DA_NANG: InProcessTransport(b, {HUE: a}, clock)}
    return pair


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Pair]:
    """Huế and Đà Nẵng over two fresh seeded databases of one kind."""
    kind = request.param
    with seeded_database(request, tmp_path, kind, "a") as a_url, seeded_database(request, tmp_path, kind, "b") as b_url:
        made = make_pair(a_url, b_url, tmp_path, clock)
        yield made
        for side in (made.a, made.b):
            side.wiring.engine.dispose()
