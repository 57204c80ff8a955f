"""Files on dossiers (issue 20) through the JSON API: files are staged (`POST /files`) and attached by the
reception that names them, or attached at a step; their kind comes from their content, never from their
name or declared type; anything but a clean PDF, JPEG or PNG is refused (415), anything too large is 413;
only the officers of the units involved open them; online submissions bring theirs to the dossier;
results issued earlier to the same applicant are re-used."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from api import create_app
from engine.adapters.records import FileRecord
from tests.api.helpers import API, receive, received, sign_in, task_of
from tests.api.sample_files import (
    EXE,
    HTML,
    attach,
    encrypted_pdf,
    files_of,
    image,
    issue,
    open_file,
    pdf,
    pdf_with_javascript,
    review,
    sha256,
    sign,
    staged,
    upload,
    zip_archive,
)
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application, make_settings

INTAKE = f"{API}/intake/submissions"


@pytest.fixture
def counter(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


@pytest.fixture
def specialist(client: Any) -> dict[str, str]:
    return sign_in(client, f"specialist.{VY_DA}")


@pytest.fixture
def leader(client: Any) -> dict[str, str]:
    return sign_in(client, f"leader.{VY_DA}")


def file_rows(app: Any) -> int:
    with app.extensions["onestop"].uow() as uow:
        return int(uow._session.scalar(select(func.count()).select_from(FileRecord)) or 0)


def blobs(app: Any) -> list[str]:
    return [digest for digest, _ in app.extensions["onestop"].store.listing()]


def dossier_count(client: Any, headers: dict[str, str]) -> int:
    return int(client.get(f"{API}/dossiers", headers=headers).get_json()["total"])


def history(client: Any, headers: dict[str, str], code: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/dossiers/{code}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["history"]  # type: ignore[no-any-return]


def received_event(client: Any, headers: dict[str, str], code: str) -> dict[str, Any]:
    return next(e["data"] for e in history(client, headers, code) if e["kind"] == "received")


def assert_problem(response: Any, status: int, pointer: str = "/file") -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert pointer in [e["pointer"] for e in body.get("errors", [])], body


# --- staging and reception -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "filename", "media_type"), [
    (pdf("Tờ khai"), "to-khai.pdf", "application/pdf"),
    (image("JPEG"), "giay-chung-sinh.jpg", "image/jpeg"),
    (image("PNG"), "giay-chung-sinh.png", "image/png"),
], ids=["pdf", "jpeg", "png"])
def test_a_staged_file_named_by_the_reception_is_the_dossiers_with_its_digest_and_bytes(
        client: Any, counter: dict[str, str], content: bytes, filename: str, media_type: str) -> None:
    upload_ = staged(client, counter, content, filename, media_type)
    assert upload_["digest"] == sha256(content) and upload_["size"] == len(content)
    assert (upload_["media_type"], upload_["source"], upload_["document"]) == (media_type, "counter", None)

    receipt = received(client, counter, files=[{"file_id": upload_["id"], "document": 1}])

    listing = files_of(client, counter, receipt["code"])
    [listed] = listing["files"]
    assert (listed["id"], listed["digest"], listed["media_type"]) == (upload_["id"], sha256(content), media_type)
    assert (listed["document"], listed["source"], listed["size"]) == (1, "counter", len(content))
    assert listed["filename"] == filename and listing["result_file_id"] is None
    opened = open_file(client, counter, receipt['code'], listed['id'])
    assert opened.status_code == 200
    assert opened.mimetype == media_type and opened.data == content
    assert opened.headers["X-Content-Type-Options"] == "nosniff"


def test_the_kind_comes_from_the_content_not_the_name_or_the_declared_type(
        client: Any, counter: dict[str, str]) -> None:
    png = image("PNG")
    spoofed = staged(client, counter, png, "scan.pdf", "application/pdf")
    assert (spoofed["media_type"], spoofed["filename"]) == ("image/png", "scan.png")

    receipt = received(client, counter, files=[{"file_id": spoofed["id"], "document": 0}])

    opened = open_file(client, counter, receipt['code'], spoofed['id'])
    assert opened.mimetype == "image/png" and opened.data == png


@pytest.mark.parametrize(("content", "filename", "content_type"), [
    (HTML, "to-khai.pdf", "application/pdf"),
    (b"Giay chung sinh so CS-2025-004512\n", "giay-chung-sinh.pdf", "application/pdf"),
    (EXE, "scan.pdf", "application/pdf"),
    (EXE, "setup.exe", "application/octet-stream"),
    (zip_archive(), "ho-so.zip", "application/zip"),
    (zip_archive(), "scan.pdf", "application/pdf"),
    (pdf_with_javascript(), "to-khai.pdf", "application/pdf"),
    (encrypted_pdf(), "to-khai.pdf", "application/pdf"),
    (pdf()[:-200], "cut.pdf", "application/pdf"),
    (image("PNG")[:-20], "cut.png", "image/png"),
], ids=["html", "text", "exe-as-pdf", "exe", "zip", "zip-as-pdf", "javascript", "encrypted", "cut-pdf", "cut-png"])
def test_anything_but_a_clean_pdf_jpeg_or_png_is_refused_and_nothing_is_kept(
        app: Any, client: Any, counter: dict[str, str], content: bytes, filename: str, content_type: str) -> None:
    response = upload(client, counter, content, filename, content_type)

    assert_problem(response, 415)
    assert file_rows(app) == 0 and blobs(app) == []


def test_an_upload_without_a_file_part_is_422(client: Any, counter: dict[str, str]) -> None:
    response = client.post(f"{API}/files", data={"other": "x"}, headers=counter, content_type="multipart/form-data")

    assert_problem(response, 422)


def test_an_empty_file_is_refused(app: Any, client: Any, counter: dict[str, str]) -> None:
    response = upload(client, counter, b"")

    assert response.status_code in (415, 422), response.get_json()
    assert file_rows(app) == 0


@pytest.fixture
def small_app(database_url: str, clock: Clock) -> Any:
    """The app with uploads limited to 10 kB."""
    settings = replace(make_settings(database_url), max_upload_bytes=10_000)
    flask_app = create_app({"TESTING": True, "SETTINGS": settings, "WIRING": {"clock": clock}})
    yield flask_app
    flask_app.extensions["onestop"].engine.dispose()


@pytest.mark.parametrize("extra", [1, 200_000], ids=["just-over", "far-over"])
def test_a_file_over_the_limit_is_413_and_nothing_is_staged(small_app: Any, extra: int) -> None:
    client = small_app.test_client()
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    big = pdf(padding=10_000 + extra)
    assert len(big) > 10_000

    response = upload(client, counter, big)

    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert file_rows(small_app) == 0 and blobs(small_app) == []
    fits = staged(client, counter, pdf())  # the limit is the file's, not the account's: the next one goes in
    assert fits["size"] < 10_000


def test_files_above_the_json_body_limit_but_within_the_upload_limit_go_in(
        client: Any, counter: dict[str, str], specialist: dict[str, str]) -> None:
    """JSON bodies are capped at 2 MB; uploads have their own, larger limit, also when attached at a step."""
    big = pdf("Bản quét 300 dpi", padding=3 * 1024 * 1024)

    upload_ = staged(client, counter, big)
    receipt = received(client, counter, files=[{"file_id": upload_["id"], "document": 0}])
    task = task_of(client, specialist, receipt["code"], "review")
    assert task is not None
    at_step = attach(client, specialist, receipt["code"], pdf("Biên bản", padding=3 * 1024 * 1024),
                     task_id=task["id"])

    assert upload_["size"] == len(big)
    assert at_step.status_code == 201, at_step.get_data(as_text=True)


def test_another_accounts_staged_file_is_refused_and_no_dossier_is_made(
        app: Any, client: Any, counter: dict[str, str]) -> None:
    colleague = sign_in(client, f"reception.{THUAN_HOA}")
    theirs = staged(client, colleague, pdf())
    before = dossier_count(client, counter)

    response = receive(client, counter, files=[{"file_id": theirs["id"], "document": 0}])

    assert_problem(response, 422, "/files/0/file_id")
    assert dossier_count(client, counter) == before
    mine = received(client, colleague, files=[{"file_id": theirs["id"], "document": 0}])  # still staged, theirs
    assert [f["id"] for f in files_of(client, colleague, mine["code"])["files"]] == [theirs["id"]]


def test_naming_one_file_twice_is_422_and_it_stays_staged(client: Any, counter: dict[str, str]) -> None:
    once = staged(client, counter, pdf())
    before = dossier_count(client, counter)

    response = receive(client, counter, files=[{"file_id": once["id"], "document": 0},
                                               {"file_id": once["id"], "document": 1}])

    assert_problem(response, 422, "/files")
    assert dossier_count(client, counter) == before
    receipt = received(client, counter, files=[{"file_id": once["id"], "document": 0}])
    assert len(files_of(client, counter, receipt["code"])["files"]) == 1


def test_an_attached_file_cannot_be_attached_again(client: Any, counter: dict[str, str]) -> None:
    once = staged(client, counter, pdf())
    received(client, counter, files=[{"file_id": once["id"], "document": 0}])

    response = receive(client, counter, files=[{"file_id": once["id"], "document": 0}])

    assert_problem(response, 422, "/files/0/file_id")


def test_a_document_outside_the_procedures_list_is_422(client: Any, counter: dict[str, str]) -> None:
    upload_ = staged(client, counter, pdf())

    response = receive(client, counter, files=[{"file_id": upload_["id"], "document": 3}])

    assert_problem(response, 422, "/files/0/document")


def test_a_retried_reception_with_the_same_files_gives_the_same_dossier(
        client: Any, counter: dict[str, str]) -> None:
    upload_ = staged(client, counter, pdf())
    files = [{"file_id": upload_["id"], "document": 0}]

    first = receive(client, counter, key="quay-1-0001", files=files)
    again = receive(client, counter, key="quay-1-0001", files=files)

    assert first.status_code == 201, first.get_json()
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["code"] == first.get_json()["code"]
    assert [f["id"] for f in files_of(client, counter, first.get_json()["code"])["files"]] == [upload_["id"]]
    other = receive(client, counter, key="quay-1-0001", files=[])  # the key with other content is refused
    assert other.status_code == 422, other.get_json()
    assert dossier_count(client, counter) == 1


@pytest.mark.parametrize(("documents", "expected"), [([0, 1], "all"), ([0, 1, 2], "all"), ([1], "some"),
                                                     ([2], "some"), ([], "none")])
def test_the_received_event_says_how_far_the_components_were_digitised(
        client: Any, counter: dict[str, str], documents: list[int], expected: str) -> None:
    files = [{"file_id": staged(client, counter, pdf(f"Thành phần {d}"))["id"], "document": d} for d in documents]

    receipt = received(client, counter, files=files)

    assert received_event(client, counter, receipt["code"])["digitised"] == expected


# --- who opens a dossier's files -----------------------------------------------------------------------------


@pytest.fixture
def with_file(client: Any, counter: dict[str, str]) -> dict[str, Any]:
    upload_ = staged(client, counter, pdf("Giấy chứng sinh CS-2025-004512"))
    receipt = received(client, counter, files=[{"file_id": upload_["id"], "document": 1}])
    return {**receipt, "file": upload_}


@pytest.mark.parametrize(("username", "status"), [
    (f"reception.{PHU_XUAN}", 200), (f"specialist.{VY_DA}", 200), (f"leader.{VY_DA}", 200),
    (f"reception.{THUAN_HOA}", 403), (f"specialist.{THUAN_HOA}", 403), ("supervisor.46", 403), ("admin.46", 403),
])
def test_only_officers_of_the_units_involved_list_and_open_the_files(
        client: Any, with_file: dict[str, Any], username: str, status: int) -> None:
    headers = sign_in(client, username)
    code, file_id = with_file["code"], with_file["file"]["id"]

    listing = client.get(f"{API}/dossiers/{code}/files", headers=headers)
    opened = open_file(client, headers, code, file_id)

    assert (listing.status_code, opened.status_code) == (status, status)
    if status == 403:
        assert with_file["file"]["digest"] not in listing.get_data(as_text=True) + opened.get_data(as_text=True)


def test_the_supervisor_reads_the_dossier_but_not_its_files(client: Any, with_file: dict[str, Any]) -> None:
    supervisor = sign_in(client, "supervisor.46")

    assert client.get(f"{API}/dossiers/{with_file['code']}", headers=supervisor).status_code == 200
    assert client.get(f"{API}/dossiers/{with_file['code']}/files", headers=supervisor).status_code == 403


def test_a_file_of_another_dossier_is_404_through_this_one(client: Any, counter: dict[str, str],
                                                           with_file: dict[str, Any]) -> None:
    other = received(client, counter)

    response = open_file(client, counter, other['code'], with_file['file']['id'])

    assert response.status_code == 404
    assert client.get(f"{API}/dossiers/{other['code']}/files/2147483647", headers=counter).status_code == 404


def test_a_staged_file_is_nobodys_to_open(client: Any, counter: dict[str, str], with_file: dict[str, Any]) -> None:
    loose = staged(client, counter, pdf("chưa đính kèm"))

    response = open_file(client, counter, with_file['code'], loose['id'])

    assert response.status_code == 404


def test_the_public_look_up_never_shows_files(client: Any, with_file: dict[str, Any]) -> None:
    response = client.get(f"{API}/public/dossiers/{with_file['code']}", query_string={"secret": with_file["secret"]})

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert with_file["file"]["digest"] not in text and "file" not in text.lower()
    assert "giay-chung-sinh" not in text and "scan.pdf" not in text


def test_the_portal_and_the_supervisor_cannot_stage(client: Any) -> None:
    supervisor, admin = sign_in(client, "supervisor.46"), sign_in(client, "admin.46")

    assert upload(client, supervisor, pdf()).status_code == 403
    assert upload(client, admin, pdf()).status_code == 403
    assert upload(client, {}, pdf()).status_code == 401
    assert staged(client, sign_in(client, "portal.46"), pdf())["source"] == "online"


# --- attaching at a step -------------------------------------------------------------------------------------


def test_the_competent_specialist_attaches_at_their_step(client: Any, counter: dict[str, str],
                                                        specialist: dict[str, str]) -> None:
    receipt = received(client, counter)
    task = task_of(client, specialist, receipt["code"], "review")
    assert task is not None
    content = pdf("Biên bản xác minh")

    response = attach(client, specialist, receipt["code"], content, document=1, task_id=task["id"])

    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert (added["source"], added["task_id"], added["document"]) == ("step", task["id"], 1)
    assert added["unit_id"] == VY_DA and added["digest"] == sha256(content)
    [listed] = files_of(client, counter, receipt["code"])["files"]
    assert listed["id"] == added["id"]
    event = next(e for e in history(client, counter, receipt["code"]) if e["kind"] == "file_attached")
    assert event["data"]["file"] == added["id"] and event["data"]["step_task"] == task["id"]
    assert "bo-sung" not in str(event["data"])  # the history never holds a file's name


@pytest.mark.parametrize("username", [f"specialist.{THUAN_HOA}", f"reception.{THUAN_HOA}", f"leader.{THUAN_HOA}",
                                      "supervisor.46", "admin.46", f"leader.{VY_DA}", f"reception.{PHU_XUAN}"])
def test_nobody_else_attaches_at_the_specialists_step(client: Any, counter: dict[str, str],
                                                      specialist: dict[str, str], username: str) -> None:
    receipt = received(client, counter)
    task = task_of(client, specialist, receipt["code"], "review")
    assert task is not None

    response = attach(client, sign_in(client, username), receipt["code"], pdf(), task_id=task["id"])

    assert response.status_code == 403, response.get_json()
    assert files_of(client, counter, receipt["code"])["files"] == []


def test_a_step_already_completed_or_of_another_dossier_takes_no_file(
        client: Any, counter: dict[str, str], specialist: dict[str, str], leader: dict[str, str]) -> None:
    receipt, other = received(client, counter), received(client, counter)
    task = task_of(client, specialist, receipt["code"], "review")
    assert task is not None
    review(client, specialist, receipt["code"])

    done = attach(client, specialist, receipt["code"], pdf(), task_id=task["id"])
    elsewhere = attach(client, specialist, other["code"], pdf(), task_id=task["id"])

    assert done.status_code == 409, done.get_json()
    assert elsewhere.status_code == 404, elsewhere.get_json()
    assert files_of(client, counter, receipt["code"])["files"] == []
    assert files_of(client, counter, other["code"])["files"] == []


def test_a_returned_dossiers_files_are_closed(client: Any, counter: dict[str, str], specialist: dict[str, str],
                                              leader: dict[str, str]) -> None:
    receipt = received(client, counter)
    review(client, specialist, receipt["code"])
    sign(client, leader, receipt["code"])
    assert client.post(f"{API}/dossiers/{receipt['code']}/return", headers=counter,
                       json={"data": {"collected_by": "Nguyễn Văn An"}}).status_code == 200

    response = attach(client, counter, receipt["code"], pdf())

    assert response.status_code == 409, response.get_json()


def test_a_bad_file_at_a_step_is_415_and_the_dossier_is_unchanged(
        client: Any, counter: dict[str, str], specialist: dict[str, str]) -> None:
    receipt = received(client, counter)
    task = task_of(client, specialist, receipt["code"], "review")
    assert task is not None
    before = client.get(f"{API}/dossiers/{receipt['code']}", headers=counter).get_json()

    response = attach(client, specialist, receipt["code"], pdf_with_javascript(), task_id=task["id"])

    assert_problem(response, 415)
    after = client.get(f"{API}/dossiers/{receipt['code']}", headers=counter).get_json()
    assert after["history"] == before["history"] and files_of(client, counter, receipt["code"])["files"] == []


# --- online intake -------------------------------------------------------------------------------------------


def submission(reference: str, files: list[dict[str, int]], documents: list[int] | None = None) -> dict[str, Any]:
    components = [{"name": f"Thành phần {d}", "form": "electronic", "document": d}
                  for d in (documents if documents is not None else [0, 1])]
    return {"reference": reference, "centre_id": PHU_XUAN, "procedure_code": "1.001193",
            "application": birth_application(VY_DA), "components": components, "files": files}


@pytest.mark.parametrize(("documents", "expected"), [([0, 1], "all"), ([0], "some"), ([], "none")])
def test_an_online_submissions_files_come_with_it_when_accepted(
        client: Any, counter: dict[str, str], documents: list[int], expected: str) -> None:
    portal = sign_in(client, "portal.46")
    contents = {d: pdf(f"Trực tuyến {d}") for d in documents}
    files = [{"file_id": staged(client, portal, contents[d])["id"], "document": d} for d in documents]
    handed = client.post(INTAKE, json=submission(f"G22.files-{expected}", files), headers=portal)
    assert handed.status_code == 201, handed.get_json()

    accepted = client.post(f"{INTAKE}/{handed.get_json()['id']}/accept", json={}, headers=counter)

    assert accepted.status_code == 201, accepted.get_json()
    code = accepted.get_json()["code"]
    listed = files_of(client, counter, code)["files"]
    assert sorted((f["document"], f["source"], f["digest"]) for f in listed) == sorted(
        (d, "online", sha256(contents[d])) for d in documents)
    for f in listed:
        assert open_file(client, counter, code, f['id']).data == contents[f["document"]]
    assert received_event(client, counter, code)["digitised"] == expected


def test_a_submission_cannot_take_the_counters_staged_file(client: Any, counter: dict[str, str]) -> None:
    portal = sign_in(client, "portal.46")
    theirs = staged(client, counter, pdf())

    handed = client.post(INTAKE, json=submission("G22.not-mine", [{"file_id": theirs["id"], "document": 0}]),
                         headers=portal)

    assert_problem(handed, 422, "/files/0/file_id")
    assert client.get(INTAKE, headers=counter).get_json()["total"] == 0


# --- re-use of an earlier result -----------------------------------------------------------------------------


def test_a_result_issued_earlier_is_reused_by_the_same_applicants_next_dossier(
        client: Any, counter: dict[str, str], specialist: dict[str, str], leader: dict[str, str]) -> None:
    first = received(client, counter)
    review(client, specialist, first["code"])
    issued = issue(client, leader, first["code"])
    assert issued.status_code == 201, issued.get_json()
    sign(client, leader, first["code"])
    result = issued.get_json()
    second = received(client, counter)
    stranger_application = birth_application(VY_DA)
    stranger_application["applicant"]["id_number"] = "046199000999"
    stranger = received(client, counter, application=stranger_application)

    reusable = client.get(f"{API}/dossiers/{second['code']}/reusable-results", headers=counter)
    reused = client.post(f"{API}/dossiers/{second['code']}/files/reuse", headers=counter,
                         json={"document": 2, "result_id": result["id"]})

    assert reusable.status_code == 200, reusable.get_json()
    assert [(r["id"], r["digest"], r["source"]) for r in reusable.get_json()] == [
        (result["id"], result["digest"], "result")]
    assert reused.status_code == 201, reused.get_json()
    taken = reused.get_json()
    assert (taken["source"], taken["reused_from"], taken["document"]) == ("reused", result["id"], 2)
    assert taken["digest"] == result["digest"]
    [listed] = files_of(client, counter, second["code"])["files"]
    assert listed["id"] == taken["id"]
    first_bytes = open_file(client, counter, first['code'], result['id']).data
    assert open_file(client, counter, second['code'], taken['id']).data == first_bytes
    # Another applicant's dossier neither sees nor takes it.
    assert client.get(f"{API}/dossiers/{stranger['code']}/reusable-results", headers=counter).get_json() == []
    refused = client.post(f"{API}/dossiers/{stranger['code']}/files/reuse", headers=counter,
                          json={"document": 2, "result_id": result["id"]})
    assert refused.status_code == 404, refused.get_json()
    assert files_of(client, counter, stranger["code"])["files"] == []
    # The dossier that issued it does not list its own result as re-usable.
    assert client.get(f"{API}/dossiers/{first['code']}/reusable-results", headers=counter).get_json() == []


def test_only_a_result_is_reused_not_any_file_of_the_applicant(client: Any, counter: dict[str, str]) -> None:
    scan = staged(client, counter, pdf())
    first = received(client, counter, files=[{"file_id": scan["id"], "document": 1}])
    second = received(client, counter)

    refused = client.post(f"{API}/dossiers/{second['code']}/files/reuse", headers=counter,
                          json={"document": 1, "result_id": scan["id"]})

    assert refused.status_code == 404, refused.get_json()
    assert first["code"] != second["code"]


def test_reuse_is_for_the_officers_of_the_units_involved(client: Any, counter: dict[str, str],
                                                        specialist: dict[str, str], leader: dict[str, str]) -> None:
    first = received(client, counter)
    review(client, specialist, first["code"])
    result = issue(client, leader, first["code"]).get_json()
    second = received(client, counter)

    for username in (f"reception.{THUAN_HOA}", "supervisor.46"):
        headers = sign_in(client, username)
        assert client.get(f"{API}/dossiers/{second['code']}/reusable-results",
                          headers=headers).status_code == 403
        assert client.post(f"{API}/dossiers/{second['code']}/files/reuse", headers=headers,
                           json={"document": 2, "result_id": result["id"]}).status_code == 403
    assert files_of(client, counter, second["code"])["files"] == []


def test_a_returned_dossier_reuses_nothing(client: Any, counter: dict[str, str], specialist: dict[str, str],
                                           leader: dict[str, str]) -> None:
    first = received(client, counter)
    review(client, specialist, first["code"])
    result = issue(client, leader, first["code"], pdf("Kết quả lần trước")).get_json()
    second = received(client, counter)
    review(client, specialist, second["code"])
    sign(client, leader, second["code"])
    assert client.post(f"{API}/dossiers/{second['code']}/return", headers=counter,
                       json={"data": {"collected_by": "Nguyễn Văn An"}}).status_code == 200

    response = client.post(f"{API}/dossiers/{second['code']}/files/reuse", headers=counter,
                           json={"document": 2, "result_id": result["id"]})

    assert response.status_code == 409, response.get_json()
    assert files_of(client, counter, second["code"])["files"] == []


def test_what_was_brought_is_recorded_per_component_from_the_ticks_or_else_the_files(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    scan = staged(client, counter, pdf("Giấy chứng sinh"))
    ticked = received(client, counter, documents_brought=[0, 1], forms_brought={"1": "photocopy"})
    untold = received(client, counter, files=[{"file_id": scan["id"], "document": 1}])

    def brought(code: str) -> list[tuple[int, str]]:
        listing = client.get(f"{API}/dossiers/{code}/files", headers=counter).get_json()
        return [(c["document"], c["form"]) for c in listing["components"]]

    assert brought(ticked["code"]) == [(0, "original"), (1, "photocopy")]
    assert brought(untold["code"]) == [(1, "original")]
