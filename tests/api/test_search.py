"""Officer search through GET /api/v1/dossiers on both databases: a returning citizen's dossier found in one
step by code, QR text, name (accent-insensitive, partial), ID number or phone, never outside the officer's scope;
each filter and sort, whole-result totals; bad values refused with pointers; personal searches audited
(GET /audit/searches), code searches not; and the search text never in a log line."""

from __future__ import annotations

import logging
import threading
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.api.helpers import API, drive_to_result, received, return_result, sign_in
from tests.conftest import HUE, PHU_XUAN, THUAN_HOA, Clock, birth_application

AN = {"full_name": "Nguyễn Văn An", "id_number": "046190000123", "phone": "0912345678"}
LAN = {"full_name": "Trần Thị Lan", "id_number": "046192000456", "phone": "0905111222"}


def _application(residence: str, applicant: dict[str, str]) -> dict[str, Any]:
    application = birth_application(residence)
    application["applicant"].update(applicant)
    return application


@pytest.fixture
def world(client: Any, clock: Clock) -> dict[str, Any]:
    """At Phú Xuân: An's dossier on Monday 09:00 (same day, open), Lan's on Tuesday 09:00 by post, returned;
    at Thuận Hóa (out of Phú Xuân's scope): another dossier of An's."""
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    an = received(client, counter, application=_application(PHU_XUAN, AN))
    clock.now += timedelta(days=1)
    lan = received(client, counter, application=_application(PHU_XUAN, LAN), channel="post")
    drive_to_result(client, lan["code"], competent=PHU_XUAN)
    assert return_result(client, counter, lan["code"]).status_code == 200
    elsewhere = received(client, sign_in(client, f"reception.{THUAN_HOA}"),
                         application=_application(THUAN_HOA, AN))
    clock.now += timedelta(hours=1)  # Tuesday 10:00
    return {"counter": counter, "an": an["code"], "lan": lan["code"], "elsewhere": elsewhere["code"]}


def _search(client: Any, headers: dict[str, str], **query: Any) -> Any:
    response = client.get(f"{API}/dossiers", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _codes(client: Any, headers: dict[str, str], **query: Any) -> list[str]:
    return [d["code"] for d in _search(client, headers, **query)["items"]]


@pytest.mark.parametrize(("q", "found", "kind"), [
    ("nguyen van an", ["an"], "name"),
    ("NGUYỄN văn AN", ["an"], "name"),
    ("nguyen an", ["an"], "name"),            # family and given name
    ("tran lan", ["lan"], "name"),
    ("nguyen van anh", [], "name"),
    ("046 190 000 123", ["an"], "id_number"),
    ("0905.111.222", ["lan"], "phone"),
    ("+84 905 111 222", ["lan"], "phone"),
    ("+84912345678", ["an"], "phone"),
])
def test_a_counter_officer_finds_a_returning_citizen(client: Any, world: dict[str, Any], q: str, found: list[str],
                                                    kind: str) -> None:
    answer = _search(client, world["counter"], q=q)
    assert [d["code"] for d in answer["items"]] == [world[k] for k in found]
    assert (answer["total"], answer["query_kind"]) == (len(found), kind)


def test_a_code_or_the_receipt_qr_text_finds_that_dossier_in_one_step(client: Any, world: dict[str, Any]) -> None:
    for typed in (world["an"], f"http://localhost/?code={world['an']}&secret=K7M4QX9TRB"):
        answer = _search(client, world["counter"], q=typed)
        assert ([d["code"] for d in answer["items"]], answer["query_kind"]) == ([world["an"]], "code")


def test_what_is_outside_the_officers_scope_is_never_found(client: Any, world: dict[str, Any]) -> None:
    for typed in (world["elsewhere"], AN["id_number"], AN["phone"], "Nguyễn Văn An"):
        assert world["elsewhere"] not in _codes(client, world["counter"], q=typed)
    other_counter = sign_in(client, f"reception.{THUAN_HOA}")
    assert _codes(client, other_counter, q=world["an"]) == []
    supervisor = sign_in(client, f"supervisor.{HUE}")
    assert sorted(_codes(client, supervisor, q=AN["id_number"])) == sorted([world["an"], world["elsewhere"]])


@pytest.mark.parametrize(("query", "found"), [
    ({"procedure": "1.001193"}, ["lan", "an"]),
    ({"procedure": "2.000000"}, []),
    ({"status": "returned"}, ["lan"]),
    ({"channel": "post"}, ["lan"]),
    ({"received_from": "2025-07-15"}, ["lan"]),
    ({"received_from": "2025-07-14", "received_to": "2025-07-14"}, ["an"]),
    ({"timeliness": "overdue"}, ["an"]),      # Monday's same-day dossier, still open on Tuesday
    ({"timeliness": "in_time"}, []),
    ({"timeliness": "near_due"}, []),
    ({"sort": "oldest"}, ["an", "lan"]),
    ({"sort": "due"}, ["an", "lan"]),
    ({"sort": "newest", "q": "nguyen"}, ["an"]),
])
def test_each_filter_and_sort(client: Any, world: dict[str, Any], query: dict[str, str], found: list[str]) -> None:
    assert _codes(client, world["counter"], **query) == [world[k] for k in found]


def test_finished_dossiers_are_filtered_by_their_final_class(client: Any, world: dict[str, Any]) -> None:
    """Lan's same-day dossier was finished on its day, by its deadline: on time."""
    counter = world["counter"]
    assert _codes(client, counter, timeliness="on_time") == [world["lan"]]
    assert _codes(client, counter, timeliness="late") == _codes(client, counter, timeliness="before_time") == []


def test_near_due_and_in_time_follow_the_dossiers_own_class(client: Any, world: dict[str, Any],
                                                            clock: Clock) -> None:
    """A same-day dossier received at 10:00 (6 office hours) is in time until the last quarter, then near due."""
    fresh = received(client, world["counter"], application=_application(PHU_XUAN, LAN))["code"]
    assert _codes(client, world["counter"], timeliness="in_time") == [fresh]
    clock.now += timedelta(hours=5, minutes=50)  # 15:50, 70 minutes left
    assert _codes(client, world["counter"], timeliness="near_due") == [fresh]
    assert _codes(client, world["counter"], timeliness="in_time") == []


def test_the_total_counts_the_whole_result(client: Any, world: dict[str, Any]) -> None:
    answer = _search(client, world["counter"], limit=1, offset=1)
    assert ([d["code"] for d in answer["items"]], answer["total"], answer["total_exact"]) == ([world["an"]], 2, True)


def test_a_broad_result_is_counted_up_to_the_cap_past_the_page(client: Any, world: dict[str, Any],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("engine.services.search.COUNT_CAP", 0)  # 500 in use; Phú Xuân's list holds 2 here
    first = _search(client, world["counter"], limit=1)
    assert (len(first["items"]), first["total"], first["total_exact"]) == (1, 1, False)  # "1+": more than one
    second = _search(client, world["counter"], limit=1, offset=1)
    assert (second["total"], second["total_exact"]) == (2, True)  # the count reached the end
    whole = _search(client, world["counter"], limit=5)
    assert (whole["total"], whole["total_exact"]) == (2, True)  # a page not full is the whole result


@pytest.mark.parametrize(("query", "pointers"), [
    ({"q": "x" * 201}, ["/q"]),
    ({"q": ""}, ["/q"]),
    ({"sort": "cheapest"}, ["/sort"]),
    ({"timeliness": "soon"}, ["/timeliness"]),
    ({"channel": "fax"}, ["/channel"]),
    ({"status": "lost"}, ["/status"]),
    ({"received_from": "14/07/2025"}, ["/received_from"]),
    ({"received_from": "2025-07-15", "received_to": "2025-07-14"}, ["/received_to"]),
    ({"procedure": "x" * 33}, ["/procedure"]),
    ({"received_from": "0001-01-01", "received_to": "9999-12-31"}, ["/received_from", "/received_to"]),
])
def test_bad_values_are_refused_with_a_pointer_each(client: Any, world: dict[str, Any], query: dict[str, str],
                                                    pointers: list[str]) -> None:
    response = client.get(f"{API}/dossiers", query_string=query, headers=world["counter"])
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert sorted(e["pointer"] for e in response.get_json()["errors"]) == pointers


def test_personal_searches_are_audited_and_code_searches_are_not(client: Any, world: dict[str, Any]) -> None:
    admin = sign_in(client, f"admin.{HUE}")
    assert client.get(f"{API}/audit/searches", headers=world["counter"]).status_code == 403
    _search(client, world["counter"], q=world["an"])
    _search(client, world["counter"], q=f"http://localhost/?code={world['lan']}&secret=X")
    _search(client, world["counter"], status="returned")
    assert client.get(f"{API}/audit/searches", headers=admin).get_json()["total"] == 0

    _search(client, world["counter"], q="nguyen van an")
    _search(client, world["counter"], q="046190000123")
    audit = client.get(f"{API}/audit/searches", headers=admin).get_json()
    assert audit["total"] == 2
    assert [(e["unit_id"], e["kind"], e["text"], e["found"]) for e in audit["items"]] == [
        (PHU_XUAN, "id_number", "046190000123", 1), (PHU_XUAN, "name", "nguyen van an", 1)]
    assert all(e["user_id"] and e["at"].endswith("+07:00") for e in audit["items"])


def test_a_search_leaves_no_trace_in_the_request_logs(app: Any, client: Any, world: dict[str, Any],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """A real server's request line (werkzeug's, as `flask run` logs it) and gunicorn's access line."""
    caplog.set_level(logging.INFO)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for q in ("Nguyễn Văn An", "046190000123", "tran thi lan"):
            url = f"http://127.0.0.1:{server.port}{API}/dossiers?limit=5&q={urllib.parse.quote(q)}"
            with urllib.request.urlopen(urllib.request.Request(url, headers=world["counter"])) as response:
                assert response.status == 200
    finally:
        server.shutdown()
        thread.join()
    logged = caplog.text
    assert f"{API}/dossiers?limit=5&q=[search]" in logged
    for secret in ("Nguy", "Nguyễn", "046190000123", "tran", "thi", "lan"):
        assert secret not in logged.replace("[search]", "")


def test_gunicorn_access_lines_are_masked(tmp_path: Any) -> None:
    from datetime import timedelta as elapsed

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from api import log_privacy

    log_privacy.install()
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", '"%(r)s" %(q)s "%(f)s"')
    logger = Logger(config)
    query = "q=Nguy%E1%BB%85n%20V%C4%83n%20An&limit=5"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/dossiers?{query}", "SERVER_PROTOCOL": "HTTP/1.1",
               "QUERY_STRING": query, "HTTP_REFERER": "http://localhost/dossiers?q=046190000123"}
    response = type("Response", (), {"status": "200 OK", "sent": 10, "headers": []})()
    logger.access(response, [], environ, elapsed(seconds=0))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert line.strip() == ('"GET /api/v1/dossiers?q=[search]&limit=5 HTTP/1.1" q=[search]&limit=5 '
                            '"http://localhost/dossiers?q=[search]"')
