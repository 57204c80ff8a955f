"""Issue 26 with both deployments real (tests/deploy/_exchange.py): Huế (46, A) receives a birth registration for
a family living in Đà Nẵng (48, B); the dossier travels to B as a signed package over HTTPS with mutual TLS
(nginx in front of each, deploy/nginx/onestop-exchange.conf), B's unit handles it with a supplementation round
trip and issues the signed result, A returns it; each side's figures count it once, in its own part, and neither
side's logs hold the applicant's data. Then the faults of docs/exchange.md: a tampered file, a replayed package,
an unknown sender and a certificate that is not the sender's, B unreachable for a while, and kill -9 of either
worker in the middle of a burst. Everything goes through each side's HTTP API with the demo accounts, but
counting rows, the dossiers' exchange state (which their JSON does not carry) and reading the package A sent
(its outbox, its file store) to tamper with it.

Needs nginx; skipped without it unless ONESTOP_REQUIRE_DEPLOY is set (CI). One pair of deployments serves the
whole module, each test with dossiers of its own. The measurements (`-s`): a package's time end to end and its
size for a dossier with three scanned components.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageDraw

from api.settings import ROOT
from engine.adapters.dossier_package import JwsPackageCodec, read_peers
from engine.adapters.file_store import file_store_from_url
from engine.domain.calendar import VN_TZ
from engine.domain.exchange import Identity
from tests.deploy._exchange import Province, nginx_binary, pair, self_signed, wait_for

pytestmark = pytest.mark.fault

LOGS = ROOT / "build" / "cross-province"
CENTRE = "19768"  # Phường Phú Xuân, Huế: A's reception
RESIDENCE = "20242"  # Phường Hải Châu, Đà Nẵng: B's competent unit for the family's birth registration
BIRTH = "1.001193"
APPLICANT, ID_NUMBER = "Lê Thị Hồng Nhung", "048195001234"
ITEMS = [{"name": "Giấy chứng sinh (bản chính)", "form": "original", "copies": 1}]
BURST = 20
MEASURED: dict[str, Any] = {}


@pytest.fixture(scope="module")
def provinces() -> Iterator[tuple[Province, Province]]:
    if nginx_binary() is None:
        if os.environ.get("ONESTOP_REQUIRE_DEPLOY"):
            pytest.fail("nginx is missing, but ONESTOP_REQUIRE_DEPLOY is set: the cross-province test must run")
        pytest.skip("nginx is missing (Debian: apt-get install nginx-light)")
    started = time.monotonic()
    with pair(LOGS) as both:
        print(f"\ntwo deployments set up and running in {time.monotonic() - started:.1f}s")
        yield both
    if MEASURED:
        print("measured: " + json.dumps(MEASURED))


# -- the applicant's papers --------------------------------------------------------------------------------------
def scan(seed: int, kind: str, amount: float) -> bytes:
    """A scanned A4 page at 150 dpi (lines of text and the scanner's grain), as a PDF or a JPEG; `amount` of
    grain sets its size: 0.1 ≈ 430 KB, 0.2 ≈ 700 KB, 0.3 ≈ 850 KB."""
    rnd = random.Random(seed)
    size = (1240, 1754)
    page = Image.new("L", size, 235)
    draw = ImageDraw.Draw(page)
    for y in range(120, size[1] - 120, 38):
        draw.rectangle((100, y, 100 + rnd.randint(300, size[0] - 220), y + 14), fill=60)
    grain = Image.frombytes("L", size, rnd.randbytes(size[0] * size[1]))
    out = io.BytesIO()
    Image.blend(page, grain, amount).convert("RGB").save(out, kind, quality=80, resolution=150)
    return out.getvalue()


def application(residence: str = RESIDENCE, applicant: str = APPLICANT, id_number: str = ID_NUMBER) -> dict[str, Any]:
    return {
        "applicant": {"full_name": applicant, "id_number": id_number, "phone": "0905123456",
                      "relationship": "mother"},
        "child": {"full_name": "Phan Minh Châu", "sex": "female", "date_of_birth": "2026-11-20",
                  "place_of_birth": "Bệnh viện Trung ương Huế", "birth_notice_number": "CS-2026-118734"},
        "mother": {"full_name": applicant, "id_number": id_number, "date_of_birth": "1995-04-02"},
        "father": {"full_name": "Phan Văn Quốc", "id_number": "048193006789", "date_of_birth": "1993-01-15"},
        "residence": {"unit_id": residence, "address": "Số 8 đường Bạch Đằng, tổ 12"},
    }


# -- calls -------------------------------------------------------------------------------------------------------
def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.status_code} " \
                                           f"{response.text[:2000]}"
    return response.json() if response.content else None


def stage(province: Province, officer: requests.Session, content: bytes, name: str, media_type: str) -> int:
    return int(ok(officer.post(f"{province.api}/files", files={"file": (name, content, media_type)}), 201)["id"])


def receive(province: Province, officer: requests.Session, papers: Sequence[tuple[bytes, str, str]] = (),
            **overrides: Any) -> requests.Response:
    files = [{"file_id": stage(province, officer, content, name, media), "document": position}
             for position, (content, name, media) in enumerate(papers)]
    return officer.post(f"{province.api}/dossiers", json={
        "procedure_code": BIRTH, "application": application(**overrides), "files": files,
        "reception": {"documents_checked": True, "note": "Tiếp nhận hồ sơ phi địa giới"}}, timeout=60)


def dossier(province: Province, officer: requests.Session, code: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(officer.get(f"{province.api}/dossiers/{code}"))
    return found


def detail_or_none(province: Province, officer: requests.Session, code: str) -> dict[str, Any] | None:
    response = officer.get(f"{province.api}/dossiers/{code}")
    return response.json() if response.status_code == 200 else None


def task(province: Province, officer: requests.Session, code: str, step: str) -> dict[str, Any] | None:
    items = ok(officer.get(f"{province.api}/tasks", params={"limit": 100}))["items"]
    return next((t for t in items if t["dossier_code"] == code and t["step"] == step), None)


def complete(province: Province, officer: requests.Session, task_id: str, data: dict[str, Any]) -> Any:
    return ok(officer.post(f"{province.api}/tasks/{task_id}/complete", json={"data": data}))


def act(province: Province, officer: requests.Session, code: str, action: str, **body: Any) -> Any:
    return ok(officer.post(f"{province.api}/dossiers/{code}/{action}", json=body))


def status_of(found: dict[str, Any] | None) -> str | None:
    return found["dossier"]["status"] if found else None


def exchanges(province: Province, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The dossiers' part in the exchange (`dossiers.exchange`: the last package applied or sent, the packages
    applied from the peer), read in the database: the dossier's JSON does not carry it."""
    rows = province.query("SELECT code, exchange FROM dossiers WHERE code IN :codes", codes=tuple(codes))
    return {code: exchange if isinstance(exchange, dict) else json.loads(exchange)
            for code, exchange in rows if exchange is not None}


def exchange_state(province: Province, code: str) -> str | None:
    return exchanges(province, [code]).get(code, {}).get("state")


def codes_behind(province: Province, supervisor: requests.Session, group: str) -> list[str]:
    """The dossiers today's figure `total` counts in one cell of the figures (centre:<id>, competent_unit:<id>)."""
    today = datetime.now(VN_TZ).date().isoformat()
    query: dict[str, str | int] = {"figure": "total", "group": group, "from": today, "to": today, "limit": 100}
    page = ok(supervisor.get(f"{province.api}/stats/dossiers", params=query))
    return [item["code"] for item in page["items"]]


def handled_for_others(province: Province, supervisor: requests.Session, unit: str) -> tuple[int, int]:
    """Today's figures of the province: its own total (its centres'), and the dossiers `unit` handles that
    another province's centre received (`from_other_provinces`, counted there)."""
    today = datetime.now(VN_TZ).date().isoformat()
    report = ok(supervisor.get(f"{province.api}/stats/centres", params={"from": today, "to": today}))
    handled = next((g["figures"]["total"] for g in report["from_other_provinces"] if g["id"] == unit), 0)
    return report["totals"]["total"], handled


def province_outbox(province: Province, admin: requests.Session) -> list[dict[str, Any]]:
    query: dict[str, str | int] = {"destination": "province", "limit": 100}
    items: list[dict[str, Any]] = ok(admin.get(f"{province.api}/outbox", params=query))["items"]
    return items


# -- the scenario ------------------------------------------------------------------------------------------------
@pytest.mark.timeout(150)
def test_a_birth_registration_received_in_hue_is_handled_in_da_nang_and_returned_in_hue(
        provinces: tuple[Province, Province]) -> None:
    a, b = provinces
    counter = a.session(f"reception.{CENTRE}")
    specialist, leader = b.session(f"specialist.{RESIDENCE}"), b.session(f"leader.{RESIDENCE}")
    papers = [(scan(1, "PDF", 0.2), "to-khai.pdf", "application/pdf"),
              (scan(2, "JPEG", 0.1), "giay-chung-sinh.jpg", "image/jpeg"),
              (scan(3, "PDF", 0.3), "uy-quyen.pdf", "application/pdf")]
    MEASURED["scans_bytes"] = [len(content) for content, _, _ in papers]

    figures_before = handled_for_others(b, b.session("supervisor.48"), RESIDENCE)

    # A's centre receives it: the receipt is A's, the competent unit B's.
    received = receive(a, counter, papers)
    answered = time.monotonic()
    receipt = ok(received, 201)
    code, secret = receipt["code"], receipt["secret"]

    # The package reaches B: the dossier in its unit's inbox, with the three components, the same code and clock.
    wait_for("the review step in B's inbox", lambda: task(b, specialist, code, "review"), timeout=60, every=0.02)
    MEASURED["seconds_to_b_inbox"] = round(time.monotonic() - answered, 2)
    assert receipt["status"] == "processing"  # received and sent: A's part now is to follow B's packages
    wait_for("A's dossier accepted by B", lambda: exchange_state(a, code) == "accepted", timeout=60, every=0.02)
    MEASURED["seconds_to_a_accepted"] = round(time.monotonic() - answered, 2)
    at_a, at_b = dossier(a, counter, code), dossier(b, specialist, code)
    assert at_b["dossier"]["status"] == at_a["dossier"]["status"] == "processing"
    assert at_b["dossier"]["due_at"] == at_a["dossier"]["due_at"] == receipt["due_at"]
    b_files = ok(specialist.get(f"{b.api}/dossiers/{code}/files"))
    assert sorted(f["size"] for f in _file_list(b_files)) == sorted(MEASURED["scans_bytes"])
    request_bytes, body_bytes, seconds = _largest_package(b)
    manifest, files = _sent_package(a, code)
    sealed = _codec(a).seal(dict(manifest), files, now=datetime.now(UTC))
    assert abs(len(sealed) - body_bytes) < 1024  # the same package but for its nonce and sent_at
    MEASURED.update(dossier_package_bytes=body_bytes, dossier_package_request_bytes=request_bytes,
                    dossier_package_seconds_in_nginx_at_b=seconds, sealed_again_bytes=len(sealed))

    # B asks for a supplement: the clock stops on both sides at the same moment, with the same due time.
    asked = act(b, specialist, code, "supplement-request", reasons="Giấy chứng sinh chưa rõ", items=ITEMS)
    assert asked["status"] == "supplement_requested" and asked["paused_at"]
    paused = wait_for("A's dossier waiting for the supplement", lambda: (d := detail_or_none(a, counter, code))
                      and status_of(d) == "supplement_requested" and d, timeout=60)
    assert paused["dossier"]["paused_at"] == asked["paused_at"]
    assert paused["dossier"]["due_at"] == asked["due_at"]
    looked_up = ok(requests.get(f"{a.api}/public/dossiers/{code}", params={"secret": secret},
                                verify=str(a.tls_certificate), timeout=30))
    assert looked_up["clock_stopped"] and looked_up["supplement"]["items"] == ITEMS

    # A's centre records the supplement with a new scan: B resumes with it, the clock running again.
    new_scan = scan(4, "JPEG", 0.1)
    attached = counter.post(f"{a.api}/dossiers/{code}/files", data={"document": "1"},
                            files={"file": ("giay-chung-sinh-ban-chinh.jpg", new_scan, "image/jpeg")})
    assert attached.status_code in (200, 201), attached.text
    supplemented = act(a, counter, code, "supplement", note="Đã nộp bản chính")
    assert supplemented["status"] == "processing" and supplemented["paused_at"] is None
    resumed = wait_for("B's dossier resumed", lambda: (d := detail_or_none(b, specialist, code))
                       and status_of(d) == "processing" and d, timeout=60)
    assert resumed["dossier"]["due_at"] == supplemented["due_at"]
    assert resumed["dossier"]["paused_at"] is None
    assert len(new_scan) in [f["size"] for f in _file_list(ok(specialist.get(f"{b.api}/dossiers/{code}/files")))]

    # B's steps: the review, the signed electronic result, the leader's signature.
    review = wait_for("the review step again", lambda: task(b, specialist, code, "review"), timeout=30)
    complete(b, specialist, review["id"], {"register_book": "01/2026", "register_number": 311})
    ok(leader.post(f"{b.api}/dossiers/{code}/result"), 201)
    signing = wait_for("the signing step", lambda: task(b, leader, code, "sign"), timeout=30)
    complete(b, leader, signing["id"], {"decision": "approved"})

    # A's dossier is ready to return, with B's signed result; the citizen's look-up says so.
    ready = wait_for("A's dossier result_ready", lambda: (d := detail_or_none(a, counter, code))
                     and status_of(d) == "result_ready" and d, timeout=60)
    assert ready["dossier"]["status"] == "result_ready"
    public = ok(requests.get(f"{a.api}/public/dossiers/{code}", params={"secret": secret},
                             verify=str(a.tls_certificate), timeout=30))
    assert public["status"] == "result_ready" and public["has_result"] is True

    # A's centre returns it: the citizen downloads B's signed result from A, which verifies it; B is told.
    returned = act(a, counter, code, "return", data={"collected_by": APPLICANT})
    assert returned["status"] == "returned"
    result = requests.get(f"{a.api}/public/dossiers/{code}/result", params={"secret": secret},
                          verify=str(a.tls_certificate), timeout=30)
    assert result.status_code == 200 and result.content.startswith(b"%PDF"), result.text[:500]
    checked = ok(requests.post(f"{a.api}/public/signatures/verify", data=result.content,
                               headers={"Content-Type": "application/pdf"}, verify=str(a.tls_certificate),
                               timeout=30))
    assert checked["valid"] is True, checked
    wait_for("B's dossier returned", lambda: status_of(detail_or_none(b, specialist, code)) == "returned",
             timeout=60)

    # Each side's figures count it once: A's centre received it, B's unit handled it.
    assert codes_behind(a, a.session("supervisor.46"), f"centre:{CENTRE}").count(code) == 1
    own, handled = handled_for_others(b, b.session("supervisor.48"), RESIDENCE)
    assert (own, handled) == (figures_before[0], figures_before[1] + 1)

    # And neither side wrote the applicant's name, ID number or look-up secret in its logs.
    for province in (a, b):
        no_personal_data(province, ID_NUMBER, secret)


def no_personal_data(province: Province, *more: str) -> None:
    """None of its logs (gunicorn's, the workers', nginx's) holds the applicants' name, or any of `more`."""
    logs = province.logs()
    for text in (APPLICANT, json.dumps(APPLICANT)[1:-1], *more):
        assert text not in logs, f"{province.province}'s logs hold personal data"


def _file_list(answer: Any) -> list[dict[str, Any]]:
    """The files of GET /dossiers/<code>/files, whichever shape (a list, or grouped by component)."""
    if isinstance(answer, list):
        return answer
    found: list[dict[str, Any]] = []
    for value in answer.values() if isinstance(answer, dict) else ():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "size" in item:
                    found.append(item)
                elif isinstance(item, dict):
                    found += _file_list(item)
    return found


def _largest_package(receiver: Province) -> tuple[int, int, float]:
    """The largest package nginx let through to `receiver` so far (its access log): the request's length, its
    body's (Content-Length) and the seconds nginx took from its first byte to B's answer."""
    found = re.findall(r'"POST /api/v1/exchange/packages" 200 request_length=(\d+) content_length=(\d+) '
                       r'time=([\d.]+)', (receiver.log_dir / "nginx-access.log").read_text())
    assert found, "no package reached nginx"
    request, body, seconds = max(found, key=lambda row: int(row[0]))
    return int(request), int(body), float(seconds)


# -- the faults --------------------------------------------------------------------------------------------------
def _sent_package(a: Province, code: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """What A's outbox holds for the dossier package of `code` (the manifest but for what sealing adds), and its
    files from A's file store."""
    rows = a.query("SELECT payload FROM outbox WHERE destination = 'province' AND kind = 'dossier'")
    payloads = [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
    manifest = next(p for p in payloads if p["dossier_code"] == code)
    store = file_store_from_url(f"file://{a.folder / 'files'}")
    files = {}
    for entry in manifest["files"]:
        with store.open(entry["sha256"]) as stream:
            files[entry["path"]] = stream.read()
    return manifest, files


def _codec(province: Province) -> JwsPackageCodec:
    identity = Identity(province.province, str(province.key), str(province.certificate))
    return JwsPackageCodec(identity, read_peers(province.peers_file))


def _with_a_byte_flipped(raw: bytes) -> bytes:
    """The same container but one byte of its largest file changed (a valid ZIP: only the hash can tell)."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    target_name = max((i for i in source.infolist() if i.filename.startswith("files/")), key=lambda i: i.file_size)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as rewritten:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == target_name.filename:
                middle = len(content) // 2
                content = content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1:]
            rewritten.writestr(info, content)
    return out.getvalue()


@pytest.fixture(scope="module")
def delivered(provinces: tuple[Province, Province]) -> str:
    """A dossier of A accepted by B: the package to tamper with and replay."""
    a, _ = provinces
    counter = a.session(f"reception.{CENTRE}")
    code = str(ok(receive(a, counter, [(scan(5, "JPEG", 0.1), "to-khai.jpg", "image/jpeg")]), 201)["code"])
    wait_for("the dossier accepted", lambda: exchange_state(a, code) == "accepted")
    return code


@pytest.mark.timeout(60)
def test_a_tampered_file_a_replay_an_unknown_sender_and_a_stolen_name_are_refused(
        provinces: tuple[Province, Province], delivered: str, tmp_path: Path) -> None:
    a, b = provinces
    manifest, files = _sent_package(a, delivered)
    codec = _codec(a)
    own = (a.certificate, a.key)

    # The same package again, sealed afresh: a retry of a package applied before is acknowledged, not re-applied.
    again = codec.seal(dict(manifest), files, now=datetime.now(UTC))
    first = ok(b.post_package(again, certificate=own))
    assert first["duplicate"] is True and first["dossier_code"] == delivered
    # Those very bytes a second time: a replay.
    replayed = b.post_package(again, certificate=own)
    assert (replayed.status_code, replayed.json()["code"]) == (409, "package_replayed"), replayed.text

    # A byte of a file changed after sealing: its hash is not the manifest's.
    tampered = b.post_package(_with_a_byte_flipped(codec.seal(dict(manifest), files, now=datetime.now(UTC))),
                              certificate=own)
    assert (tampered.status_code, tampered.json()["code"]) == (422, "file_tampered"), tampered.text

    # A deployment B has not registered (Hà Nội's, say), with its own key and certificate.
    stranger_key, stranger_cert = self_signed(tmp_path, "stranger", "onestop exchange 01")
    stranger = JwsPackageCodec(Identity("01", str(stranger_key), str(stranger_cert)), read_peers(a.peers_file))
    unknown = b.post_package(stranger.seal(dict(manifest), files, now=datetime.now(UTC)),
                             certificate=(stranger_cert, stranger_key))
    assert (unknown.status_code, unknown.json()["code"]) == (401, "unknown_sender"), unknown.text
    # A's package, but over a connection with someone else's certificate.
    mismatch = b.post_package(codec.seal(dict(manifest), files, now=datetime.now(UTC)),
                              certificate=(stranger_cert, stranger_key))
    assert (mismatch.status_code, mismatch.json()["code"]) == (403, "certificate_mismatch"), mismatch.text
    # No client certificate at all; and the site's port, where a forged certificate header is dropped by nginx.
    bare = b.post_package(codec.seal(dict(manifest), files, now=datetime.now(UTC)), certificate=None)
    assert (bare.status_code, bare.json()["code"]) == (401, "client_certificate_required"), bare.text
    escaped = requests.utils.quote(a.certificate.read_text(), safe="")
    forged = b.post_package(codec.seal(dict(manifest), files, now=datetime.now(UTC)), certificate=None,
                            url=f"{b.api}/exchange/packages", headers={"X-Client-Cert": escaped})
    assert (forged.status_code, forged.json()["code"]) == (401, "client_certificate_required"), forged.text
    # The exchange's port serves nothing else.
    assert requests.get(f"https://127.0.0.1:{b.exchange_port}/api/v1/readyz", verify=str(b.tls_certificate),
                        timeout=10).status_code == 404

    # None of it reached B's dossiers: still the one dossier, accepted once.
    assert b.query("SELECT count(*) FROM dossiers WHERE code = :code", code=delivered)[0][0] == 1


@pytest.mark.timeout(90)
def test_a_package_waits_while_b_is_unreachable_and_arrives_once_when_it_is_back(
        provinces: tuple[Province, Province]) -> None:
    a, b = provinces
    counter, admin = a.session(f"reception.{CENTRE}"), a.session("admin.46")
    specialist = b.session(f"specialist.{RESIDENCE}")
    assert b.nginx is not None
    b.nginx.stop()
    try:
        code = ok(receive(a, counter, [(scan(6, "JPEG", 0.1), "to-khai.jpg", "image/jpeg")]), 201)["code"]
        failing = wait_for("a failed attempt in A's outbox", lambda: next(
            (m for m in province_outbox(a, admin) if m["dossier_code"] == code and m["attempts"] >= 1), None),
            timeout=30)
        assert failing["status"] == "pending" and failing["last_error"], failing
    finally:
        b.start_nginx()
    # The outbox's back-off (30 s after the first failure) then the package, once.
    wait_for("the package at B after its back-off", lambda: task(b, specialist, code, "review"), timeout=60)
    wait_for("A's dossier accepted", lambda: exchange_state(a, code) == "accepted", timeout=30)
    assert b.query("SELECT count(*) FROM dossiers WHERE code = :code", code=code)[0][0] == 1
    sent = [m for m in province_outbox(a, admin) if m["dossier_code"] == code and m["kind"] == "dossier"]
    assert [m["status"] for m in sent] == ["delivered"], sent


@pytest.mark.timeout(150)
def test_kill_9_of_either_worker_mid_exchange_loses_and_duplicates_nothing(
        provinces: tuple[Province, Province]) -> None:
    a, b = provinces
    assert a.worker is not None and b.worker is not None
    counters = [a.session(f"reception.{CENTRE}") for _ in range(4)]
    codes: list[str] = []
    lock = threading.Lock()

    id_numbers = [f"048195{number:06d}" for number in range(BURST)]  # each applicant their own

    def burst(officer: requests.Session, applicants: list[str]) -> None:
        for id_number in applicants:
            response = receive(a, officer, id_number=id_number)
            assert response.status_code == 201, response.text
            with lock:
                codes.append(response.json()["code"])

    threads = [threading.Thread(target=burst, args=(officer, id_numbers[i::len(counters)]))
               for i, officer in enumerate(counters)]
    a.worker.kill()  # the burst piles up first, so the restarted worker is in the middle of it when killed
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(codes) == BURST

    def at_b() -> int:
        return int(b.query("SELECT count(*) FROM dossiers WHERE code IN :codes",
                           codes=tuple(codes))[0][0]) if codes else 0

    a.worker.start()
    wait_for("some of the burst at B", lambda: at_b() >= 3, timeout=60, every=0.05)
    a.worker.kill()  # mid-delivery
    killed_at = at_b()
    assert killed_at < BURST, "A's worker delivered the whole burst before it could be killed"
    b.worker.kill()  # and B's, so its `accepted` packages pile up too
    a.worker.start()
    wait_for("the whole burst at B", lambda: at_b() >= BURST, timeout=90, every=0.2)

    def accepted() -> int:
        return sum(e["state"] == "accepted" for e in exchanges(a, codes).values())

    acknowledged = accepted()  # before B's worker was killed
    b.worker.start()
    wait_for("more accepted at A", lambda: accepted() >= acknowledged + 2, timeout=60, every=0.05)
    b.worker.kill()  # mid-delivery of the `accepted` packages
    MEASURED["burst_killed_b_worker_at"] = accepted()
    assert MEASURED["burst_killed_b_worker_at"] < BURST, "B's worker acknowledged the whole burst first"
    b.worker.start()
    wait_for("the whole burst accepted at A", lambda: accepted() == BURST, timeout=90)

    # B holds each dossier once; A's are all processing; no message parked or undelivered on either side.
    assert at_b() == BURST
    assert b.query("SELECT count(DISTINCT code), count(*) FROM dossiers WHERE code IN :codes",
                   codes=tuple(codes))[0] == (BURST, BURST)
    statuses = a.query("SELECT status, count(*) FROM dossiers WHERE code IN :codes GROUP BY status",
                       codes=tuple(codes))
    assert statuses == [("processing", BURST)]
    # Each package applied once on its side, whatever was delivered twice across the kills.
    for province, kind in ((b, "dossier"), (a, "accepted")):
        applied = {code: e["packages"] for code, e in exchanges(province, codes).items()}
        assert len(applied) == BURST and all(len(ids) == 1 and ids[0].startswith(f"{code}:{kind}:")
                                             for code, ids in applied.items()), applied
    assert b.query("SELECT count(*) FROM outbox WHERE destination = 'province' AND kind = 'accepted' "
                   "AND dossier_id IN (SELECT id FROM dossiers WHERE code IN :codes)", codes=tuple(codes)) == [(BURST,)]
    # A message whose delivery a kill cut after the peer applied it is sent again once its lease is over
    # (OUTBOX_LEASE_SECONDS): acknowledged as a duplicate, delivered. Nothing is left, nothing parked.
    for province in (a, b):
        wait_for(f"{province.province}'s outbox delivered", _drained(province), timeout=30)
    MEASURED["burst_killed_a_worker_at"] = killed_at  # dossiers at B when A's worker was killed
    for province in (a, b):
        no_personal_data(province, *id_numbers)


def _drained(province: Province) -> Callable[[], bool]:
    """Whether every package `province` wrote is delivered (none pending, none parked)."""
    return lambda: not province.query("SELECT id FROM outbox WHERE destination = 'province' "
                                      "AND status <> 'delivered'")


# -- the files an operator installs ------------------------------------------------------------------------------
def test_only_the_exchange_port_asks_for_a_certificate_and_passes_it_on() -> None:
    """The limits and headers the comments of deploy/nginx promise: the exchange server takes the largest package
    (engine/domain/exchange.py) and hands the client's certificate on; the site asks for none and drops a
    client's header of that name (the forged-header check above runs it)."""
    from engine.domain.exchange import MAX_PACKAGE_BYTES

    exchange = (ROOT / "deploy" / "nginx" / "onestop-exchange.conf").read_text()
    site = (ROOT / "deploy" / "nginx" / "onestop.conf").read_text()
    limit = re.search(r"^\s*client_max_body_size (\d+)m;", exchange, re.M)
    assert limit and int(limit[1]) * 1024 * 1024 > MAX_PACKAGE_BYTES
    assert re.search(r"^\s*ssl_verify_client optional_no_ca;", exchange, re.M)
    assert re.search(r"^\s*proxy_set_header X-Client-Cert \$ssl_client_escaped_cert;", exchange, re.M)
    assert "ssl_verify_client" not in site
    assert re.search(r'^\s*proxy_set_header X-Client-Cert "";', site, re.M)
