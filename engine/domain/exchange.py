"""Dossiers across provinces (issue 26): the words both deployments share.

Each province runs its own deployment and database (DESIGN.md, Scale). A dossier received at a centre of
province A whose competent unit is in province B travels to B's deployment as a signed **package** (the format:
docs/exchange.md, its manifest's JSON Schema: engine/adapters/exchange_manifest.schema.json); B handles it in its
competent unit's inbox and sends its status back the same way; A returns the result at its centre.

- The **sender** of a dossier is A (it received it, keeps the citizen's look-up, the receipt, the legal clock and
  the national portal's record); the **handler** is B (it runs the procedure's handling steps). Each side's
  dossier has the same code (A's centre numbered it; unit ids are national, so it is unique across provinces)
  and an `Exchange` saying which side it is.
- Every package is a message of the transactional outbox (Destination.PROVINCE), written in the command's
  transaction and delivered by the worker: retried, in order per dossier, exactly once in effect (the receiver
  keeps every `package_id` it applied and answers a repeat with its first acknowledgement).
- A package is sealed (signed) at each delivery attempt with a fresh `nonce` and `sent_at`: the receiver refuses
  a nonce it has seen (a replay) or a `sent_at` outside REPLAY_WINDOW, while the sender's own retry of the same
  `package_id` is acknowledged again without a second effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from engine.domain.files import Blob
from engine.domain.outbox import Destination, OutboundMessage

if TYPE_CHECKING:  # the dossier holds an Exchange
    from engine.domain.dossier import Dossier

FORMAT = "onestop-dossier-package"
FORMAT_VERSION = "1.0"
MEDIA_TYPE = "application/vnd.onestop.dossier-package+zip"

REPLAY_WINDOW = timedelta(minutes=10)
"""How far a package's `sent_at` may be from the receiver's clock; nonces are kept at least this long."""
MAX_PACKAGE_BYTES = 200 * 1024 * 1024
"""The largest package a receiver reads (20 components of 20 MB would not fit; no procedure has that many)."""


class PackageKind(StrEnum):
    """What a package says. The sender's kinds go to the handler, the handler's come back."""

    # sender (A) → handler (B)
    DOSSIER = "dossier"                            # a dossier received at A, for B's competent unit
    SUPPLEMENTED = "supplemented"                  # the applicant brought what B asked for, with its files
    RETURNED = "returned"                          # A handed the result to the applicant
    WITHDRAWN = "withdrawn"                        # the applicant withdrew the dossier at A
    # handler (B) → sender (A)
    ACCEPTED = "accepted"                          # B created the dossier in its competent unit's inbox
    SUPPLEMENT_REQUESTED = "supplement_requested"  # B asks, once, for what is missing: the clock stops
    RESULT_READY = "result_ready"                  # B's result, signed, is ready to return at A
    STOPPED = "stopped"                            # B stopped handling it (ineligible; supplement not made)


SENDER_KINDS = frozenset({PackageKind.DOSSIER, PackageKind.SUPPLEMENTED, PackageKind.RETURNED, PackageKind.WITHDRAWN})
HANDLER_KINDS = frozenset(PackageKind) - SENDER_KINDS


class ExchangeRole(StrEnum):
    SENDER = "sender"    # this deployment received the dossier; another province handles it
    HANDLER = "handler"  # another province received it; this deployment's unit handles it


@dataclass
class Exchange:
    """A dossier's part in an exchange, stored with it (`dossiers.exchange`, JSON)."""

    role: ExchangeRole
    peer: str
    """The other deployment's province id ("48")."""
    state: str = "sent"
    """The last package kind applied or sent (`dossier` while the handler has not acknowledged it)."""
    packages: list[str] = field(default_factory=list)
    """The `package_id`s applied to this dossier from the peer, in order (the audit trail; the receipts table
    holds the acknowledgements)."""
    return_data: dict[str, Any] | None = None
    """At the sender: what its centre recorded when it handed the result over (the return step's form; no step
    runs there, the handler's is completed with it through the `returned` package). Personal data."""

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role.value, "peer": self.peer, "state": self.state, "packages": list(self.packages),
                **({"return_data": self.return_data} if self.return_data is not None else {})}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        return cls(ExchangeRole(data["role"]), str(data["peer"]), str(data.get("state", "sent")),
                   list(data.get("packages", [])), data.get("return_data"))

    def applied(self, package: Package) -> None:
        """A package from the peer changed this dossier: its state, and the audit trail of what was applied."""
        self.state = package.kind.value
        self.packages.append(package.package_id)


@dataclass(frozen=True)
class Peer:
    """Another province's deployment, as this one's operators registered it (ONESTOP_EXCHANGE_PEERS)."""

    province: str
    url: str
    """Where its packages go: `https://…/api/v1/exchange/packages`."""
    certificate_pem: bytes
    """Its registered certificate: its packages' signatures are verified against it, and its TLS client
    certificate must be this one."""
    server_ca: str | None = None
    """A CA file its HTTPS server's certificate must chain to; None: the system's CAs."""


@dataclass(frozen=True)
class Identity:
    """This deployment in the exchange: its province, and the key and certificate it signs and connects with."""

    province: str
    key_file: str
    certificate_file: str


@dataclass(frozen=True)
class Package:
    """An opened package whose signature, sender, receiver, freshness and file hashes were verified."""

    manifest: dict[str, Any]
    files: dict[str, bytes]
    """Its files by their path in the package (`files/<sha256>`)."""
    digest: str
    """SHA-256 of the manifest without `nonce`, `sent_at`: the same for every delivery attempt of one package."""

    @property
    def package_id(self) -> str:
        return str(self.manifest["package_id"])

    @property
    def sender(self) -> str:
        return str(self.manifest["sender"])

    @property
    def kind(self) -> PackageKind:
        return PackageKind(self.manifest["kind"])

    @property
    def nonce(self) -> str:
        return str(self.manifest["nonce"])

    @property
    def sent_at(self) -> datetime:
        return datetime.fromisoformat(self.manifest["sent_at"])


@dataclass(frozen=True)
class Acknowledgement:
    """The receiver's answer to a package it applied (and to every later delivery of the same package_id)."""

    package_id: str
    dossier_code: str
    state: str
    duplicate: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"package_id": self.package_id, "dossier_code": self.dossier_code, "state": self.state,
                "duplicate": self.duplicate}


def file_entry(blob: Blob) -> dict[str, Any]:
    """A file as the manifest's `files` lists it; its bytes travel as the package's entry `path`."""
    return {"path": f"files/{blob.digest}", "sha256": blob.digest, "size": blob.size,
            "media_type": str(blob.media_type)}


def clock_of(dossier: Dossier) -> dict[str, str | None]:
    """The dossier's clock as a package carries it; the receiver takes it as is."""
    return {"due_at": dossier.due_at.isoformat(),
            "deadline_at": (dossier.deadline_at or dossier.due_at).isoformat(),
            "paused_at": dossier.paused_at.isoformat() if dossier.paused_at else None}


def package_message(dossier: Dossier, kind: PackageKind, seq: int, *, at: datetime, now: datetime,
                    body: dict[str, Any], blobs: Sequence[Blob] = ()) -> OutboundMessage:
    """The outbox message of one package about `dossier` (its `exchange` names the peer), reporting what the
    history event `seq` recorded at `at`. The payload is the manifest but for what the codec adds at each
    delivery attempt (`format`, `version`, `sender`, `nonce`, `sent_at`); the transport reads the files'
    bytes from the file store by their SHA-256."""
    assert dossier.exchange is not None and dossier.id is not None
    package_id = f"{dossier.code}:{kind.value}:{seq}"
    unique = {b.digest: b for b in blobs}
    payload = {"package_id": package_id, "kind": kind.value, "receiver": dossier.exchange.peer,
               "dossier_code": dossier.code, "at": at.isoformat(), "clock": clock_of(dossier),
               "files": [file_entry(b) for b in unique.values()], "body": body}
    return OutboundMessage(Destination.PROVINCE, kind.value, f"{Destination.PROVINCE.value}:dossier:{dossier.id}",
                           package_id, payload, now, dossier_id=dossier.id)
