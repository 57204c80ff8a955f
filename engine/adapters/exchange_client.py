"""Delivers dossier packages to other provinces' deployments over HTTPS with mutual TLS (the outbox's Transport
for Destination.PROVINCE). To be written (issue 26)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from engine.domain.exchange import Identity, Peer
from engine.domain.outbox import OutboundMessage
from engine.domain.ports import FileStore, PackageCodec


class ExchangeClient:
    def __init__(self, codec: PackageCodec, identity: Identity, peers: Mapping[str, Peer], store: FileStore, *,
                 clock: Callable[[], datetime]):
        self.codec, self.identity, self.peers, self.store, self.clock = codec, identity, peers, store, clock

    def deliver(self, message: OutboundMessage) -> None:
        raise NotImplementedError
