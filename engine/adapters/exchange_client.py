"""Delivers dossier packages to other provinces' deployments over HTTPS with mutual TLS: the outbox's Transport for
Destination.PROVINCE (docs/exchange.md "Transport").

Each delivery attempt seals the package afresh (a new nonce and `sent_at`; the same `package_id`), with the files'
bytes read from the file store by their SHA-256, presents this deployment's certificate as the TLS client and
checks the peer's server certificate against the CA registered for it (or the system's). A refusal's reason keeps
the receiver's code and words with personal data masked: its detail may quote the manifest. No Flask, no
SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx

from engine.domain.exchange import MEDIA_TYPE, Identity, Peer
from engine.domain.files import MAX_FILE_BYTES
from engine.domain.outbox import DeliveryFailed, OutboundMessage, without_personal_data
from engine.domain.ports import FileStore, PackageCodec

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""Connecting is quick or the peer is down (5 s, as for the portal); sending a package of many scans and having it
applied in one transaction takes longer than a portal record, so reads and writes wait a minute."""
MAX_REASON_CHARS = 300
PASSING = frozenset({408, 429})
"""4xx answers that say "not now" rather than "not this package": retried like a 5xx."""


class ExchangeClient:
    """One HTTPS client per peer (each has its own server CA), made on first use and kept."""

    def __init__(self, codec: PackageCodec, identity: Identity, peers: Mapping[str, Peer], store: FileStore, *,
                 clock: Callable[[], datetime], transport: httpx.BaseTransport | None = None):
        self.codec, self.identity, self.peers, self.store, self.clock = codec, identity, peers, store, clock
        self._transport = transport
        self._clients: dict[str, httpx.Client] = {}

    def deliver(self, message: OutboundMessage) -> None:
        """Seal and send `message`'s package; raise DeliveryFailed (permanent when the receiver refused it as
        it is, or it cannot be made)."""
        receiver = str(message.payload.get("receiver", ""))
        peer = self.peers.get(receiver)
        if peer is None:
            raise DeliveryFailed(f"province {receiver[:10]!r} is not a registered peer", permanent=True)
        files = self._files(message.payload)
        try:
            raw = self.codec.seal(message.payload, files, now=self.clock())
        except ValueError as error:  # our own bug or an expired certificate: resending the same cannot help
            raise DeliveryFailed(_short(f"the package {message.key} cannot be sealed: {error}"),
                                 permanent=True) from None
        try:
            response = self._client(peer).post(peer.url, content=raw, headers={"Content-Type": MEDIA_TYPE})
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"province {receiver} unreachable: {type(error).__name__}") from None
        if response.status_code == 200:
            if _answer(response).get("duplicate"):
                log.info("province %s had package %s already", receiver, message.key)
            return
        problem = _answer(response)
        # Our nonce is fresh at every attempt, so `package_replayed` means a copy of this very attempt got there
        # first (a proxy sent it twice): the next attempt, with a new nonce, gets the receiver's real answer (the
        # acknowledgement, `duplicate: true`, if that copy was applied). Retried, never parked.
        refused = 400 <= response.status_code < 500 and response.status_code not in PASSING and \
            problem.get("code") != "package_replayed"
        raise DeliveryFailed(_reason(receiver, message.key, response.status_code, problem), permanent=refused)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def _files(self, payload: dict[str, Any]) -> dict[str, bytes]:
        """The bytes of every file the manifest lists, read from the store and checked against their digest."""
        files: dict[str, bytes] = {}
        for entry in payload.get("files", []):
            digest = str(entry.get("sha256", ""))
            try:
                with self.store.open(digest) as stream:
                    data = stream.read(MAX_FILE_BYTES + 1)
            except (FileNotFoundError, ValueError):
                raise DeliveryFailed(f"file {digest[:16]}… of the package is not in the file store",
                                     permanent=True) from None
            if hashlib.sha256(data).hexdigest() != digest:
                raise DeliveryFailed(f"file {digest[:16]}… in the file store is not the bytes of its name",
                                     permanent=True)
            files[str(entry.get("path"))] = data
        return files

    def _client(self, peer: Peer) -> httpx.Client:
        if peer.province not in self._clients:
            context = ssl.create_default_context(cafile=peer.server_ca)
            context.load_cert_chain(self.identity.certificate_file, self.identity.key_file)
            self._clients[peer.province] = httpx.Client(timeout=TIMEOUT, verify=context, transport=self._transport)
        return self._clients[peer.province]


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _reason(receiver: str, key: str, status: int, problem: dict[str, Any]) -> str:
    """What the admin reads at /admin/outbox: the status, the receiver's code, title and detail, and the first
    field errors, every one masked (the detail of a refused manifest may quote an ID number or a phone)."""
    words = [str(problem.get(name)) for name in ("code", "title", "detail") if problem.get(name)]
    errors = problem.get("errors")
    if isinstance(errors, list):
        words += [f"{e.get('pointer')} {e.get('detail')}" for e in errors[:3] if isinstance(e, dict)]
    said = ": ".join(words) if words else "no problem details"
    return _short(f"province {receiver} refused {key} (HTTP {status}): {said}")


def _short(text: str) -> str:
    return without_personal_data(text)[:MAX_REASON_CHARS]
