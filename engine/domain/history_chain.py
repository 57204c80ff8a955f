"""The history hash chain: how an event is serialised and hashed, and how a stored chain is checked.

Each event of a dossier carries its number in the dossier's history (`seq`, from 1), the hash of the
event before it (`prev_hash`, GENESIS for the first) and its own hash over both and its content; the
dossier keeps the count and the last hash (its head), so deleting the newest events leaves a trace too.
Pure Python: the adapters store and read the fields, `check` says what was tampered with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = bytes(32)
"""The `prev_hash` of a dossier's first event, and the head of a dossier without events."""

# Names the format, so a hash of these bytes can never be mistaken for a hash of something else.
_FORMAT = b"onestop-history-v1\n"


def instant(at: datetime) -> str:
    """`at` in UTC to the microsecond, as both databases give it back (SQLite stores naive UTC text,
    PostgreSQL a timestamptz in the session's zone): the same instant always gives the same text."""
    if at.tzinfo is None:
        raise ValueError("a history event's time must carry a time zone")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, text as itself: equal JSON values give equal text. `value` must be what a
    JSON column gives back (the repository stores data after a JSON round trip, so it is)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def digest(*, dossier_id: int, seq: int, kind: str, at: datetime, actor_id: int | None, unit_id: str | None,
           data: Any, prev_hash: bytes) -> bytes:
    """SHA-256 of the event's canonical form; covers the previous hash, so it fixes the whole chain before."""
    body = {"dossier": dossier_id, "seq": seq, "kind": kind, "at": instant(at), "actor": actor_id,
            "unit": unit_id, "data": data, "prev": prev_hash.hex()}
    return hashlib.sha256(_FORMAT + canonical_json(body).encode("utf-8")).digest()


@dataclass(frozen=True)
class Head:
    """A dossier as the verifier reads it: how many events its history has and the hash of the last."""

    dossier_id: int
    code: str
    count: int
    hash: bytes


@dataclass(frozen=True)
class Link:
    """One stored event as the verifier reads it: the hashed fields as they are now, and its chain fields."""

    id: int
    seq: int
    kind: str
    at: datetime
    actor_id: int | None
    unit_id: str | None
    data: Any
    prev_hash: bytes
    hash: bytes


class Fault(StrEnum):
    EDITED = "edited"              # its content, number or link no longer match its own hash
    REORDERED = "reordered"        # intact, but its own link places it at another number
    INSERTED = "inserted"          # not part of the chain: a second event with a number, or past the head
    DELETED = "deleted"            # events missing before it (a gap in the numbers)
    UNLINKED = "unlinked"          # intact, but the event after it (or the dossier's head) names another hash
    MISSING_TAIL = "missing_tail"  # the dossier recorded more events than there are: the newest were deleted


@dataclass(frozen=True)
class Break:
    """One place where a dossier's stored history differs from what was written."""

    dossier_code: str
    fault: Fault
    seq: int
    event_id: int | None
    detail: str


def check(head: Head, links: Sequence[Link]) -> list[Break]:
    """Every break in one dossier's chain; `links` are its events ordered by (seq, id).

    One break per event at most: an event already found edited or moved is not blamed again for the
    broken link it leaves behind.
    """
    chain, breaks = _split(head, links)
    blamed: dict[int, Break] = {}
    expected, previous = 1, None
    for link in chain:
        found = _fault(head, link, expected, previous, blamed)
        if found is not None:
            blamed[link.id] = Break(head.code, found[0], link.seq, link.id, found[1])
        expected, previous = link.seq + 1, link
    if expected - 1 < head.count:
        breaks.append(Break(head.code, Fault.MISSING_TAIL, expected, None,
                            f"the dossier recorded {head.count} events; from number {expected} on they are missing"))
    elif previous is not None and previous.hash != head.hash and previous.id not in blamed:
        breaks.append(Break(head.code, Fault.UNLINKED, previous.seq, previous.id,
                            "the dossier recorded another last event: this one was replaced and re-hashed"))
    return sorted([*breaks, *_moved(head, chain, blamed).values()], key=lambda b: (b.seq, b.event_id or 0))


def _fault(head: Head, link: Link, expected: int, previous: Link | None,
           blamed: dict[int, Break]) -> tuple[Fault, str] | None:
    if not _intact(head, link, link.seq):
        return Fault.EDITED, "it no longer matches its hash: changed after it was written"
    if link.seq > expected:
        missing = str(expected) if link.seq == expected + 1 else f"{expected} to {link.seq - 1}"
        return Fault.DELETED, f"the event(s) numbered {missing} before it are missing"
    linked_to = previous.hash if previous is not None else GENESIS
    if link.prev_hash != linked_to and (previous is None or previous.id not in blamed):
        return Fault.UNLINKED, "it was chained to another event before it: that one was replaced and re-hashed"
    return None


def _moved(head: Head, chain: Sequence[Link], blamed: dict[int, Break]) -> dict[int, Break]:
    """The edited events that are intact at the number their own links give them: moved, not edited."""
    if not any(b.fault == Fault.EDITED for b in blamed.values()):
        return blamed
    places = _places(chain)
    for link in chain:
        found, place = blamed.get(link.id), places.get(link.id, link.seq)
        if found is not None and found.fault == Fault.EDITED and place != link.seq and _intact(head, link, place):
            blamed[link.id] = Break(head.code, Fault.REORDERED, link.seq, link.id, f"it was written as number {place}")
    return blamed


def _intact(head: Head, link: Link, seq: int) -> bool:
    return link.hash == digest(dossier_id=head.dossier_id, seq=seq, kind=link.kind, at=link.at,
                               actor_id=link.actor_id, unit_id=link.unit_id, data=link.data,
                               prev_hash=link.prev_hash)


def _split(head: Head, links: Sequence[Link]) -> tuple[list[Link], list[Break]]:
    """The chain (one event per number from 1 to the head's count) and the intruders. Of two events with
    the same number, the chain's is the one the next event (or the head) names."""
    by_seq: dict[int, list[Link]] = {}
    for link in links:
        by_seq.setdefault(link.seq, []).append(link)
    chain: list[Link] = []
    intruders: list[Break] = []
    for seq, group in sorted(by_seq.items()):
        if not 1 <= seq <= head.count:
            intruders += [Break(head.code, Fault.INSERTED, seq, link.id,
                                f"numbered {seq}, outside the {head.count} events the dossier recorded")
                          for link in group]
            continue
        named = {link.prev_hash for link in by_seq.get(seq + 1, [])} | ({head.hash} if seq == head.count else set())
        genuine = next((link for link in group if link.hash in named), group[0])
        chain.append(genuine)
        intruders += [Break(head.code, Fault.INSERTED, seq, link.id, f"a second event numbered {seq}")
                      for link in group if link is not genuine]
    return chain, intruders


def _places(chain: Sequence[Link]) -> dict[int, int]:
    """The number each event's own `prev_hash` gives it, following the links back to GENESIS: how a moved
    event is told from an edited one. Events whose links lead to a missing event or round in a circle
    have none."""
    by_hash = {link.hash: link for link in chain}
    places: dict[int, int | None] = {}
    for start in chain:
        path: list[Link] = []
        on_path: set[int] = set()
        link: Link | None = start
        while link is not None and link.id not in places and link.id not in on_path:
            path.append(link)
            on_path.add(link.id)
            link = by_hash.get(link.prev_hash)
        place: int | None
        if link is None:
            place = 0 if path[-1].prev_hash == GENESIS else None
        else:
            place = None if link.id in on_path else places[link.id]
        for step in reversed(path):
            place = None if place is None else place + 1
            places[step.id] = place
    return {event_id: place for event_id, place in places.items() if place is not None}
