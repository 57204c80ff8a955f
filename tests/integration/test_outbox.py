"""The transactional outbox against a real database (SQLite file and PostgreSQL): messages are written with
the command that calls for them and never by one that rolls back; the worker delivers each stream in order,
retries a passing failure with back-off, parks a refused message (holding its stream) until an admin retries
it, survives a crash mid-delivery by delivering again under the same key once the dead worker's lease ends,
and two workers at once deliver every message once, each stream in order."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.wiring import Wiring
from engine.domain.dossier import EventKind
from engine.domain.outbound import Change
from engine.domain.outbox import MAX_ATTEMPTS, DeliveryFailed, Destination, MessageStatus, OutboundMessage
from engine.services import outbound
from tests.conftest import Clock
from tests.integration._support import Actors, receive


class Crash(BaseException):
    """The worker process dies here: nothing it did in the transaction is kept."""


class Recorder:
    """A receiver that keeps what arrived, in order, and fails as told."""

    def __init__(self) -> None:
        self.arrived: list[str] = []
        self.fail: dict[str, list[BaseException]] = {}
        self.lock = threading.Lock()

    def deliver(self, message: OutboundMessage) -> None:
        with self.lock:
            errors = self.fail.get(message.key)
            if errors:
                raise errors.pop(0)
            self.arrived.append(message.key)


def _message(stream: str, key: str, at: datetime) -> OutboundMessage:
    return OutboundMessage(Destination.DVCQG, "DongBoHoSoMC", stream, key, {"MaHoSo": key}, at)


def _write(wiring: Wiring, *messages: OutboundMessage) -> None:
    with wiring.uow() as uow:
        uow.outbox.add(list(messages))
        uow.commit()


def _deliver(wiring: Wiring, clock: Clock, receiver: Recorder) -> int:
    return outbound.deliver_due(wiring.uow, transports={Destination.DVCQG: receiver}, clock=clock)


def _statuses(wiring: Wiring) -> dict[str, tuple[MessageStatus, int]]:
    with wiring.uow() as uow:
        messages, _ = uow.outbox.listed(status=None, destination=None, limit=1000, offset=0)
    return {m.key: (m.status, m.attempts) for m in messages}


def test_a_passing_failure_waits_its_back_off_while_other_streams_go_on(wiring: Wiring, clock: Clock) -> None:
    now = clock()
    _write(wiring, _message("a", "a1", now), _message("a", "a2", now), _message("b", "b1", now))
    receiver = Recorder()
    receiver.fail["a1"] = [DeliveryFailed("portal busy")]
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == ["b1"]  # a2 waits behind a1
    assert _statuses(wiring)["a1"] == (MessageStatus.PENDING, 1)
    clock.now += timedelta(seconds=29)
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == ["b1"]
    clock.now += timedelta(seconds=1)
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == ["b1", "a1", "a2"]
    with wiring.uow() as uow:
        summary = {s.destination: s for s in uow.outbox.summary()}
    assert (summary[Destination.DVCQG].pending, summary[Destination.DVCQG].delivered) == (0, 3)


def test_a_refused_message_is_parked_and_holds_its_stream_until_an_admin_retries(wiring: Wiring,
                                                                                  clock: Clock) -> None:
    now = clock()
    _write(wiring, _message("a", "a1", now), _message("a", "a2", now))
    receiver = Recorder()
    receiver.fail["a1"] = [DeliveryFailed("NgayHenTra: not yyyyMMddHHmmss", permanent=True)]
    _deliver(wiring, clock, receiver)
    clock.now += timedelta(days=1)
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == []
    with wiring.uow() as uow:
        parked, total = uow.outbox.listed(status=MessageStatus.PARKED, destination=None, limit=10, offset=0)
        summary = {s.destination: s for s in uow.outbox.summary()}
    assert total == 1 and parked[0].key == "a1" and "yyyyMMddHHmmss" in (parked[0].last_error or "")
    assert (summary[Destination.DVCQG].parked, summary[Destination.DVCQG].pending) == (1, 1)
    assert summary[Destination.DVCQG].oldest_undelivered_at == now
    with wiring.uow() as uow:
        uow.outbox.retry(parked[0].id or 0, clock())
        uow.commit()
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == ["a1", "a2"]


def test_a_message_failing_every_time_is_parked_after_the_last_attempt(wiring: Wiring, clock: Clock) -> None:
    _write(wiring, _message("a", "a1", clock()))
    receiver = Recorder()
    receiver.fail["a1"] = [ConnectionError("refused")] * MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        _deliver(wiring, clock, receiver)
        clock.now += timedelta(hours=1)
    assert _statuses(wiring)["a1"] == (MessageStatus.PARKED, MAX_ATTEMPTS)


def test_a_crash_during_delivery_keeps_the_message_to_deliver_again_under_its_key(wiring: Wiring,
                                                                                 clock: Clock) -> None:
    _write(wiring, _message("a", "a1", clock()), _message("a", "a2", clock()))
    receiver = Recorder()

    class DiesAfterSending(Recorder):
        def deliver(self, message: OutboundMessage) -> None:
            receiver.arrived.append(message.key)  # it arrived, and the worker died before recording it
            raise Crash

    with pytest.raises(Crash):
        _deliver(wiring, clock, DiesAfterSending())
    assert _statuses(wiring)["a1"] == (MessageStatus.PENDING, 0)
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == ["a1"]  # leased to the dead worker: neither it nor a2 goes before the lease ends
    clock.now += outbound.LEASE
    _deliver(wiring, clock, receiver)
    assert receiver.arrived == ["a1", "a1", "a2"]  # the repeat carries the same key, for the receiver to drop


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Change]]:
    """An outbound policy that asks for one message per change, remembering the changes it saw."""
    seen: list[Change] = []

    def messages_for(change: Change, facts: Any, destinations: Any, now: datetime) -> list[OutboundMessage]:
        seen.append(change)
        kinds = "+".join(r.event.kind.value for r in change.recorded)
        return [OutboundMessage(Destination.DVCQG, "DongBoHoSoMC", f"dvcqg:dossier:{change.dossier.id}",
                                f"{change.dossier.code}/{change.last_seq}", {"events": kinds}, now,
                                dossier_id=change.dossier.id)]

    monkeypatch.setattr("engine.adapters.uow.messages_for", messages_for)
    yield seen


def test_messages_are_written_with_the_command_and_never_by_one_rolled_back(wiring: Wiring,
                                                                             policy: list[Change]) -> None:
    wiring = replace(wiring)
    wiring.settings = replace(wiring.settings, dvcqg_url="http://portal.invalid")
    dossier = receive(wiring, Actors(wiring)("reception.19768"))
    with wiring.uow() as uow:
        written = uow.outbox.of_dossier(dossier.id or 0)
    assert [m.key for m in written] == [f"{dossier.code}/{policy[0].last_seq}"]
    assert policy[0].recorded[0].event.kind == EventKind.RECEIVED and policy[0].recorded[0].seq == 1
    with wiring.uow() as uow:  # a command that does not commit
        loaded = uow.dossiers.get(dossier.code)
        assert loaded is not None
        loaded.record(EventKind.NEAR_DUE, wiring.clock(), None, None)
        uow.dossiers.update(loaded)
    with wiring.uow() as uow:
        assert len(uow.outbox.of_dossier(dossier.id or 0)) == 1


def test_two_workers_deliver_every_message_once_and_each_stream_in_order(wiring: Wiring, clock: Clock) -> None:
    now = clock()
    streams = {f"s{i}": [f"s{i}-{n}" for n in range(6)] for i in range(8)}
    _write(wiring, *[_message(s, key, now) for s, keys in streams.items() for key in keys])
    receiver = Recorder()
    for s in streams:
        receiver.fail[f"{s}-2"] = [DeliveryFailed("busy")]  # each stream waits once in the middle

    def work() -> None:
        for _ in range(20):
            _deliver(wiring, clock, receiver)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    clock.now += timedelta(minutes=1)
    work()
    assert sorted(receiver.arrived) == sorted(k for keys in streams.values() for k in keys)
    for s, keys in streams.items():
        assert [k for k in receiver.arrived if k.startswith(f"{s}-")] == keys
