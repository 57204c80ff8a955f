"""Dossier packages between deployments (docs/exchange.md): a ZIP container signed with a detached JWS (jwcrypto).

To be written (issue 26): `JwsPackageCodec` (the PackageCodec port) and `read_peers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.domain.exchange import Identity, Package, Peer


class JwsPackageCodec:
    def __init__(self, identity: Identity, peers: Mapping[str, Peer]):
        self.identity, self.peers = identity, peers

    def seal(self, manifest: dict[str, Any], files: Mapping[str, bytes], *, now: datetime) -> bytes:
        raise NotImplementedError

    def open(self, raw: bytes, *, client_certificate: bytes | None, now: datetime) -> Package:
        raise NotImplementedError


def read_peers(path: Path) -> dict[str, Peer]:
    raise NotImplementedError
