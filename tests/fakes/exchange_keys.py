"""Deployments' exchange identities for tests of the package codec and its HTTPS client: a key and a self-signed
certificate per province, made by the same code as `flask --app api exchange-certificate`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.adapters.exchange_certificates import make_certificate
from engine.domain.exchange import Identity, Peer


@dataclass(frozen=True)
class Made:
    identity: Identity
    peer: Peer
    certificate_file: Path
    key_file: Path


def deployment(folder: Path, province: str, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
               now: datetime | None = None, url: str = "") -> Made:
    """Province `province`'s key and certificate in `folder`, as this deployment's identity and as the peer
    the others register."""
    key_pem, cert_pem = make_certificate(province, list(hosts), now or datetime.now(UTC))
    folder.mkdir(parents=True, exist_ok=True)
    key_file, cert_file = folder / f"exchange-{province}.key.pem", folder / f"exchange-{province}.cert.pem"
    key_file.write_bytes(key_pem)
    cert_file.write_bytes(cert_pem)
    peer = Peer(province, url or f"https://{province}.example/api/v1/exchange/packages", cert_pem,
                str(cert_file))
    return Made(Identity(province, str(key_file), str(cert_file)), peer, cert_file, key_file)


def a_file(content: bytes, media_type: str = "application/pdf") -> tuple[dict[str, Any], bytes]:
    """A manifest's `files` entry for `content`, and the content."""
    digest = hashlib.sha256(content).hexdigest()
    return {"path": f"files/{digest}", "sha256": digest, "size": len(content), "media_type": media_type}, content


def manifest(receiver: str, now: datetime, files: list[dict[str, Any]] | None = None,
             **body: Any) -> dict[str, Any]:
    """An `accepted` package's manifest as the engine makes it (without what `seal` adds)."""
    at = now.isoformat()
    return {"package_id": "46000-250714-0001:accepted:7", "kind": "accepted", "receiver": receiver,
            "dossier_code": "46000-250714-0001", "at": at,
            "clock": {"due_at": at, "deadline_at": at, "paused_at": None}, "files": files or [],
            "body": body or {"unit": {"id": "20195", "name": "Phường Hải Vân"}}}
