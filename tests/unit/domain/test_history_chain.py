"""The history hash chain without a database: the canonical form is stable (one pinned digest), sees
every field, and `check` names the event behind each kind of tampering."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.domain.calendar import VN_TZ
from engine.domain.history_chain import GENESIS, Fault, Head, Link, canonical_json, check, digest, instant

AT = datetime(2025, 7, 14, 2, 0, 0, 123456, tzinfo=UTC)
FIELDS: dict[str, Any] = {"dossier_id": 7, "seq": 1, "kind": "received", "at": AT, "actor_id": 3,
                          "unit_id": "19768", "data": {"procedure": "1.001193", "due_at": "2025-07-14T10:00:00+00:00"},
                          "prev_hash": GENESIS}


def test_the_digest_of_a_known_event_never_changes() -> None:
    """Pinned: changing the canonical form would break every chain already stored."""
    text = ('onestop-history-v1\n{"actor":3,"at":"2025-07-14T02:00:00.123456+00:00","data":{"due_at":'
            '"2025-07-14T10:00:00+00:00","procedure":"1.001193"},"dossier":7,"kind":"received","prev":"'
            + "0" * 64 + '","seq":1,"unit":"19768"}')
    assert digest(**FIELDS) == hashlib.sha256(text.encode()).digest()
    assert digest(**FIELDS).hex() == "c2a056a1ded6b696e57becd5399f18ca7d2cf08a9bc4d7ce53f8f0b9254e95f1"


def test_the_canonical_form_ignores_key_order_zone_and_escapes() -> None:
    shuffled = {**FIELDS, "data": dict(reversed(list(FIELDS["data"].items()))), "at": AT.astimezone(VN_TZ)}
    assert digest(**shuffled) == digest(**FIELDS)
    assert canonical_json({"b": "Huế", "a": [1.5, None]}) == '{"a":[1.5,null],"b":"Huế"}'
    assert instant(AT.astimezone(VN_TZ)) == "2025-07-14T02:00:00.123456+00:00"
    assert instant(AT.replace(microsecond=0, year=999)) == "0999-07-14T02:00:00.000000+00:00"


@pytest.mark.parametrize(("name", "value"), [
    ("dossier_id", 8), ("seq", 2), ("kind", "status_changed"), ("at", AT + timedelta(microseconds=1)),
    ("actor_id", None), ("unit_id", "19777"), ("data", {"procedure": "1.001193"}), ("prev_hash", bytes(31) + b"\1"),
])
def test_every_field_is_covered(name: str, value: Any) -> None:
    assert digest(**{**FIELDS, name: value}) != digest(**FIELDS)


def test_naive_times_and_nan_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        digest(**{**FIELDS, "at": AT.replace(tzinfo=None)})
    with pytest.raises(ValueError):
        digest(**{**FIELDS, "data": {"x": float("nan")}})


# --- check ------------------------------------------------------------------------------------------

def _chain(count: int) -> tuple[Head, list[Link]]:
    links: list[Link] = []
    prev = GENESIS
    for seq in range(1, count + 1):
        fields = {"kind": "task_completed", "at": AT + timedelta(hours=seq), "actor_id": 3, "unit_id": "19777",
                  "data": {"step": f"s{seq}"}}
        hashed = digest(dossier_id=7, seq=seq, prev_hash=prev, **fields)
        links.append(Link(id=100 + seq, seq=seq, prev_hash=prev, hash=hashed, **fields))
        prev = hashed
    return Head(7, "19768-250714-0001", count, prev), links


def _found(head: Head, links: list[Link]) -> list[tuple[Fault, int, int | None]]:
    return [(b.fault, b.seq, b.event_id) for b in check(head, sorted(links, key=lambda link: (link.seq, link.id)))]


def _rehashed(link: Link, **changes: Any) -> Link:
    changed = dataclasses.replace(link, **changes)
    return dataclasses.replace(changed, hash=digest(dossier_id=7, seq=changed.seq, kind=changed.kind, at=changed.at,
                                                    actor_id=changed.actor_id, unit_id=changed.unit_id,
                                                    data=changed.data, prev_hash=changed.prev_hash))


def test_an_untouched_chain_and_an_empty_one_pass() -> None:
    assert _found(*_chain(5)) == []
    assert _found(Head(7, "x", 0, GENESIS), []) == []


def test_an_edited_event_is_named_alone() -> None:
    head, links = _chain(5)
    links[2] = dataclasses.replace(links[2], data={"step": "forged"})
    assert _found(head, links) == [(Fault.EDITED, 3, 103)]


def test_deleted_events_in_the_middle_at_the_start_and_at_the_end() -> None:
    head, links = _chain(5)
    assert _found(head, links[:2] + links[4:]) == [(Fault.DELETED, 5, 105)]
    assert _found(head, links[1:]) == [(Fault.DELETED, 2, 102)]
    assert _found(head, links[:4]) == [(Fault.MISSING_TAIL, 5, None)]
    assert _found(head, []) == [(Fault.MISSING_TAIL, 1, None)]


def test_an_event_after_a_gap_is_still_checked_on_its_own() -> None:
    head, links = _chain(5)
    edited = dataclasses.replace(links[3], data={"step": "forged"})
    assert _found(head, [*links[:2], edited, links[4]]) == [(Fault.EDITED, 4, 104)]


def test_inserted_events_past_the_head_and_with_a_taken_number() -> None:
    head, links = _chain(4)
    beyond = _rehashed(dataclasses.replace(links[3], id=200, seq=5, prev_hash=links[3].hash))
    assert _found(head, [*links, beyond]) == [(Fault.INSERTED, 5, 200)]
    # A second number 2, even re-hashed on the right predecessor and with a lower id, is the intruder:
    # event 3 names the genuine one.
    twin = _rehashed(dataclasses.replace(links[1], id=1, data={"step": "forged"}))
    assert _found(head, [*links, twin]) == [(Fault.INSERTED, 2, 1)]
    last_twin = _rehashed(dataclasses.replace(links[3], id=2, data={"step": "forged"}))
    assert _found(head, [*links, last_twin]) == [(Fault.INSERTED, 4, 2)]


def test_two_swapped_events_are_named_and_not_the_next() -> None:
    head, links = _chain(5)
    swapped = [links[0], dataclasses.replace(links[2], seq=2), dataclasses.replace(links[1], seq=3), *links[3:]]
    assert _found(head, swapped) == [(Fault.REORDERED, 2, 103), (Fault.REORDERED, 3, 102)]


def test_a_replaced_and_rehashed_event_breaks_the_next_link_or_the_head() -> None:
    head, links = _chain(5)
    forged = [*links[:2], _rehashed(links[2], data={"step": "forged"}), *links[3:]]
    assert _found(head, forged) == [(Fault.UNLINKED, 4, 104)]
    forged_last = [*links[:4], _rehashed(links[4], data={"step": "forged"})]
    assert _found(head, forged_last) == [(Fault.UNLINKED, 5, 105)]


def test_a_deleted_last_event_with_the_count_lowered_still_breaks_at_the_head() -> None:
    head, links = _chain(5)
    assert _found(dataclasses.replace(head, count=4), links[:4]) == [(Fault.UNLINKED, 4, 104)]


def test_links_that_go_round_in_a_circle_give_no_place() -> None:
    head, links = _chain(3)
    first = dataclasses.replace(links[0], prev_hash=links[1].hash)  # 1 → 2 → 1: edited, not "moved"
    assert _found(head, [first, *links[1:]]) == [(Fault.EDITED, 1, 101)]


@given(count=st.integers(2, 12), data=st.data())
def test_any_single_edit_deletion_or_swap_is_named_exactly(count: int, data: st.DataObject) -> None:
    head, links = _chain(count)
    k = data.draw(st.integers(0, count - 1))
    edited = [*links[:k], dataclasses.replace(links[k], unit_id="00000"), *links[k + 1:]]
    assert _found(head, edited) == [(Fault.EDITED, k + 1, links[k].id)]
    deleted = [*links[:k], *links[k + 1:]]
    assert _found(head, deleted) == ([(Fault.MISSING_TAIL, count, None)] if k == count - 1
                                     else [(Fault.DELETED, k + 2, links[k + 1].id)])
    j = data.draw(st.integers(0, count - 1).filter(lambda j: j != k))
    swapped = list(links)
    swapped[k], swapped[j] = dataclasses.replace(links[j], seq=k + 1), dataclasses.replace(links[k], seq=j + 1)
    assert _found(head, swapped) == sorted([(Fault.REORDERED, k + 1, links[j].id),
                                            (Fault.REORDERED, j + 1, links[k].id)], key=lambda f: f[1])
