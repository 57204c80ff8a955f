"""The electronic result (issue 20): the competent unit's leader issues it at the signing step, once, as a PDF
signed (PAdES) with the unit's key; the citizen downloads it with the receipt's code and secret once the
dossier is returned (wrong secrets count towards the code's lock as look-ups do); anyone checks a signed
PDF, and a changed byte, a missing signature or garbage is reported, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from engine.domain.lookup_lock import MAX_FAILURES
from tests.api.helpers import API, received, return_result, sign_in, task_of
from tests.api.printed import pdf_words
from tests.api.sample_files import (
    files_of,
    image,
    issue,
    open_file,
    pdf,
    pdf_with_javascript,
    review,
    sha256,
    sign,
    verify,
)
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA

MARK = "Ket qua so KQ 4711"


@pytest.fixture
def counter(client: Any) -> dict[str, str]:
    return sign_in(client, f"reception.{PHU_XUAN}")


@pytest.fixture
def specialist(client: Any) -> dict[str, str]:
    return sign_in(client, f"specialist.{VY_DA}")


@pytest.fixture
def leader(client: Any) -> dict[str, str]:
    return sign_in(client, f"leader.{VY_DA}")


@pytest.fixture
def at_signing(client: Any, counter: dict[str, str], specialist: dict[str, str]) -> dict[str, Any]:
    """A birth registration reviewed by Vỹ Dạ's specialist: waiting at its leader's signing step."""
    receipt = received(client, counter)
    review(client, specialist, receipt["code"])
    return receipt


def unit_name(client: Any, unit_id: str) -> str:
    units = client.get(f"{API}/units", query_string={"province_id": "46"}).get_json()
    return str(next(u["name"] for u in units if u["id"] == unit_id))


def download(client: Any, code: str, secret: str) -> Any:
    return client.get(f"{API}/public/dossiers/{code}/result", query_string={"secret": secret}, buffered=True)


def look_up(client: Any, code: str, secret: str) -> Any:
    return client.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret})


def wrong(secret: str) -> str:
    return ("3" if secret[0] != "3" else "4") + secret[1:]


def history(client: Any, headers: dict[str, str], code: str) -> list[dict[str, Any]]:
    return client.get(f"{API}/dossiers/{code}", headers=headers).get_json()["history"]  # type: ignore[no-any-return]


def returned_with_result(client: Any, counter: dict[str, str], leader: dict[str, str], receipt: dict[str, Any],
                         content: bytes | None = None) -> dict[str, Any]:
    issued = issue(client, leader, receipt["code"], content)
    assert issued.status_code == 201, issued.get_json()
    sign(client, leader, receipt["code"])
    assert return_result(client, counter, receipt["code"]).status_code == 200
    return issued.get_json()  # type: ignore[no-any-return]


# --- issuing -------------------------------------------------------------------------------------------------


def test_the_leader_at_the_signing_step_issues_the_result_signed_by_the_unit(
        client: Any, counter: dict[str, str], leader: dict[str, str], at_signing: dict[str, Any]) -> None:
    code = at_signing["code"]
    step = task_of(client, leader, code, "sign")
    assert step is not None

    response = issue(client, leader, code)

    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert (result["source"], result["media_type"], result["document"]) == ("result", "application/pdf", None)
    assert result["task_id"] == step["id"] and result["unit_id"] == VY_DA
    listing = files_of(client, counter, code)
    assert listing["result_file_id"] == result["id"] and [f["id"] for f in listing["files"]] == [result["id"]]
    content = open_file(client, counter, code, result["id"]).data
    assert sha256(content) == result["digest"] and content.startswith(b"%PDF-")
    text, _ = pdf_words(content)
    assert code in text and "Nguyễn Văn An" in text and "Ủy ban nhân dân phường Vỹ Dạ" in text  # as slips name it
    check = verify(client, content).get_json()
    assert (check["valid"], check["signer"]) == (True, unit_name(client, VY_DA))
    assert [e["data"]["file"] for e in history(client, counter, code) if e["kind"] == "result_issued"] == [
        result["id"]]


def test_an_uploaded_pdf_is_signed_as_it_is(client: Any, leader: dict[str, str], counter: dict[str, str],
                                            at_signing: dict[str, Any]) -> None:
    original = pdf(MARK)

    response = issue(client, leader, at_signing["code"], original)

    assert response.status_code == 201, response.get_json()
    content = open_file(client, counter, at_signing["code"], response.get_json()["id"]).data
    assert content.startswith(original) and len(content) > len(original)  # an incremental signature
    assert verify(client, content).get_json()["valid"] is True


@pytest.mark.parametrize("content", [image("PNG"), pdf_with_javascript(), b"not a pdf at all"],
                         ids=["png", "javascript", "text"])
def test_only_a_clean_pdf_is_issued(client: Any, leader: dict[str, str], counter: dict[str, str],
                                    at_signing: dict[str, Any], content: bytes) -> None:
    response = issue(client, leader, at_signing["code"], content)

    assert response.status_code == 415, response.get_json()
    assert files_of(client, counter, at_signing["code"])["result_file_id"] is None
    assert issue(client, leader, at_signing["code"]).status_code == 201  # the step is still there to issue


@pytest.mark.parametrize("username", [f"specialist.{VY_DA}", f"reception.{PHU_XUAN}", f"leader.{THUAN_HOA}",
                                      f"specialist.{THUAN_HOA}", "supervisor.46", "admin.46", "portal.46"])
def test_nobody_but_the_competent_leader_issues_it(client: Any, counter: dict[str, str],
                                                   at_signing: dict[str, Any], username: str) -> None:
    response = issue(client, sign_in(client, username), at_signing["code"])

    assert response.status_code == 403, response.get_json()
    assert files_of(client, counter, at_signing["code"])["files"] == []


def test_an_anonymous_caller_is_401(client: Any, at_signing: dict[str, Any]) -> None:
    assert issue(client, {}, at_signing["code"]).status_code == 401


def test_a_result_is_issued_once(client: Any, counter: dict[str, str], leader: dict[str, str],
                                 at_signing: dict[str, Any]) -> None:
    first = issue(client, leader, at_signing["code"])

    again = issue(client, leader, at_signing["code"])

    assert first.status_code == 201 and again.status_code == 409, again.get_json()
    listing = files_of(client, counter, at_signing["code"])
    assert [f["id"] for f in listing["files"]] == [listing["result_file_id"]] == [first.get_json()["id"]]


def test_no_result_before_the_signing_step_or_after_it(client: Any, counter: dict[str, str],
                                                       specialist: dict[str, str], leader: dict[str, str]) -> None:
    receipt = received(client, counter)
    at_review = issue(client, leader, receipt["code"])
    review(client, specialist, receipt["code"])
    sign(client, leader, receipt["code"])
    signed = issue(client, leader, receipt["code"])

    assert at_review.status_code == 409, at_review.get_json()
    assert signed.status_code == 409, signed.get_json()
    assert files_of(client, counter, receipt["code"])["files"] == []
    assert issue(client, leader, "19768-250714-9999").status_code == 404


def test_the_return_says_whether_the_result_was_electronic(client: Any, counter: dict[str, str],
                                                           specialist: dict[str, str], leader: dict[str, str],
                                                           at_signing: dict[str, Any]) -> None:
    returned_with_result(client, counter, leader, at_signing)
    paper = received(client, counter)
    review(client, specialist, paper["code"])
    sign(client, leader, paper["code"])
    assert return_result(client, counter, paper["code"]).status_code == 200

    def returned_event(code: str) -> dict[str, Any]:
        return next(e["data"] for e in history(client, counter, code)
                    if e["kind"] == "status_changed" and e["data"]["status"] == "returned")

    assert returned_event(at_signing["code"])["electronic_result"] is True
    assert returned_event(paper["code"])["electronic_result"] is False


# --- the citizen's download ----------------------------------------------------------------------------------


def test_the_citizen_downloads_the_result_once_it_is_returned(
        client: Any, counter: dict[str, str], leader: dict[str, str], at_signing: dict[str, Any]) -> None:
    code, secret = at_signing["code"], at_signing["secret"]
    issued = issue(client, leader, code)
    assert issued.status_code == 201
    result = issued.get_json()

    before_signing = download(client, code, secret)
    sign(client, leader, code)
    before_return = download(client, code, secret)
    assert return_result(client, counter, code).status_code == 200
    after = download(client, code, secret)

    assert before_signing.status_code == 409 and before_return.status_code == 409, before_return.get_json()
    assert after.status_code == 200, after.get_data(as_text=True)
    assert after.mimetype == "application/pdf" and sha256(after.data) == result["digest"]
    assert after.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in after.headers["Cache-Control"]
    check = verify(client, after.data).get_json()
    assert (check["signed"], check["intact"], check["trusted"], check["valid"]) == (True, True, True, True)
    assert check["signer"] == unit_name(client, VY_DA) and check["signed_at"] is not None


def test_a_wrong_secret_is_404_and_counts_towards_the_lock(
        client: Any, counter: dict[str, str], leader: dict[str, str], at_signing: dict[str, Any]) -> None:
    returned_with_result(client, counter, leader, at_signing)
    code, secret = at_signing["code"], at_signing["secret"]

    answers = [download(client, code, wrong(secret)).status_code for _ in range(MAX_FAILURES - 1)]
    assert answers == [404] * (MAX_FAILURES - 1)
    assert look_up(client, code, secret).status_code == 200  # nine: not locked yet
    assert look_up(client, code, wrong(secret)).status_code == 404  # the tenth, through the look-up

    assert download(client, code, secret).status_code == 429
    assert look_up(client, code, secret).status_code == 429


def test_an_unknown_code_is_404_like_a_wrong_secret(client: Any) -> None:
    response = download(client, "19768-250714-9999", "K7M4QX9TRB")

    assert response.status_code == 404
    assert "electronic result" not in response.get_data(as_text=True)


def test_asking_for_a_result_that_was_never_issued_does_not_lock_the_code(
        client: Any, counter: dict[str, str], specialist: dict[str, str], leader: dict[str, str]) -> None:
    """A dossier returned on paper: the citizen with the right secret may ask as often as they like."""
    receipt = received(client, counter)
    review(client, specialist, receipt["code"])
    sign(client, leader, receipt["code"])
    assert return_result(client, counter, receipt["code"]).status_code == 200

    answers = {download(client, receipt["code"], receipt["secret"]).status_code for _ in range(MAX_FAILURES + 2)}

    assert answers == {404}
    assert look_up(client, receipt["code"], receipt["secret"]).status_code == 200


# --- checking a signature ------------------------------------------------------------------------------------


@pytest.fixture
def signed_result(client: Any, counter: dict[str, str], leader: dict[str, str],
                  at_signing: dict[str, Any]) -> bytes:
    returned_with_result(client, counter, leader, at_signing, pdf(MARK))
    response = download(client, at_signing["code"], at_signing["secret"])
    assert response.status_code == 200
    return response.data  # type: ignore[no-any-return]


def test_one_byte_changed_inside_the_signed_content_breaks_the_signature(client: Any, signed_result: bytes) -> None:
    assert MARK.encode() in signed_result  # the uploaded PDF's title, in its first revision
    tampered = signed_result.replace(MARK.encode(), MARK.replace("4711", "4712").encode(), 1)
    assert len(tampered) == len(signed_result) and tampered != signed_result

    response = verify(client, tampered)

    assert response.status_code == 200
    check = response.get_json()
    assert (check["signed"], check["intact"], check["valid"]) == (True, False, False)
    assert check["problems"]


def test_bytes_appended_after_signing_break_the_signature(client: Any, signed_result: bytes) -> None:
    check = verify(client, signed_result + b"\n% appended\n").get_json()

    assert (check["signed"], check["valid"]) == (True, False)


def test_an_unsigned_pdf_is_reported_unsigned(client: Any) -> None:
    response = verify(client, pdf(MARK))

    assert response.status_code == 200
    check = response.get_json()
    assert (check["signed"], check["intact"], check["trusted"], check["valid"]) == (False, False, False, False)
    assert check["signer"] is None


@pytest.mark.parametrize("garbage", [b"\x00\x01garbage" * 100, b"%PDF-1.7\n" + b"\xff" * 500, image("PNG"),
                                     b"%PDF-1.7\n1 0 obj << /Type /Sig /Contents <zz> >> endobj\n%%EOF"],
                         ids=["bytes", "pdf-header", "png", "fake-sig"])
def test_garbage_is_unsigned_not_a_server_error(client: Any, garbage: bytes) -> None:
    response = verify(client, garbage)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["signed"], response.get_json()["valid"]) == (False, False)


def test_the_pdf_may_be_sent_as_the_body(client: Any, signed_result: bytes) -> None:
    response = client.post(f"{API}/public/signatures/verify", data=signed_result, content_type="application/pdf")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["valid"] is True


def test_nothing_sent_is_422(client: Any) -> None:
    response = client.post(f"{API}/public/signatures/verify", data=b"", content_type="application/pdf")

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
