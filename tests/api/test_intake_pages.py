"""The acceptance decision through the pages (issue 19): the centre's intake queue with how long each
submission has waited; a submission's page deciding accept (the dossier and its receipt), guide to complete
(Mẫu 02) or refuse reception (Mẫu 03), the checklist holding Accept back while a required document is
missing; the counter's same three decisions, of which guiding and refusing receive nothing and take no
code; the slips of a submission; other centres kept out; and the citizen's look-up by the portal's id."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.helpers import API, csrf_of, local, sign_in, sign_in_page
from tests.api.printed import pdf_words, words
from tests.api.test_pages import _flat
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA, Clock, birth_application

BIRTH = "1.001193"
REFERENCE = "G22.46-250714-0001"
BOTH = [{"name": "Tờ khai đăng ký khai sinh", "form": "electronic", "document": 0},
        {"name": "Giấy chứng sinh", "form": "electronic", "document": 1}]
REASONS = "Giấy chứng sinh chưa có dấu của cơ sở y tế."


def hand_in(client: Any, components: list[dict[str, Any]] = BOTH, reference: str = REFERENCE,
            submitted_at: str = "2025-07-14T06:45:00+07:00") -> int:
    """The portal's client hands a birth registration in for Phú Xuân; returns the submission's id."""
    response = client.post(f"{API}/intake/submissions", headers=sign_in(client, "portal.46"), json={
        "reference": reference, "centre_id": PHU_XUAN, "procedure_code": BIRTH, "submitted_at": submitted_at,
        "application": birth_application(VY_DA), "components": components})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def dossier_count(client: Any) -> int:
    return int(client.get(f"{API}/dossiers", headers=sign_in(client, f"reception.{PHU_XUAN}")).get_json()["total"])


def decide(client: Any, submission_id: int, decision: str, csrf_from: str | None = None, **fields: Any) -> Any:
    token = csrf_of(client, csrf_from or f"/intake/{submission_id}")
    return client.post(f"/intake/{submission_id}", data={"csrf_token": token, "decision": decision, **fields})


def accept_button(page: str) -> str:
    found = re.search(r'<button type="submit" name="decision" value="accept"[^>]*>', page)
    assert found, "no Accept button"
    return found.group(0)


@pytest.fixture
def counter(client: Any) -> Any:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    return client


def test_the_queue_lists_what_waits_longest_first_with_how_long_it_waited(client: Any, clock: Clock) -> None:
    later = hand_in(client, reference="G22.46-250714-0002", submitted_at="2025-07-14T08:10:00+07:00")
    first = hand_in(client)
    sign_in_page(client, f"reception.{PHU_XUAN}")

    page = client.get("/intake").get_data(as_text=True)
    rows = words(page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]).split("G22.")[1:]

    assert rows[0].startswith("46-250714-0001 Đăng ký khai sinh 1.001193 Nguyễn Văn An Trực tuyến 14/07/2025 06:45")
    assert rows[0].endswith("2 giờ 15 phút ") and rows[1].endswith("50 phút")
    assert f'href="/intake/{first}"' in page and f'href="/intake/{later}"' in page
    assert 'href="/intake?stage=guided"' in page and re.search(r'Đã hướng dẫn bổ sung <span class="count">0<', page)
    assert 'href="/intake"' in client.get("/counter").get_data(as_text=True)  # the layout's link for the counter
    clock.now = local(2025, 7, 16, 11, 0)
    assert "2 ngày 4 giờ" in client.get("/intake").get_data(as_text=True)
    client.get("/lang/en?next=/intake")
    english = words(client.get("/intake").get_data(as_text=True))
    assert "Submissions waiting for reception" in english and "Online" in english and "2 d 4 h" in english
    assert "Check and decide" in words(client.get(f"/intake/{first}").get_data(as_text=True))


def test_accepting_from_the_page_receives_it_and_prints_both_times_on_the_receipt(counter: Any) -> None:
    submission_id = hand_in(counter)
    page = counter.get(f"/intake/{submission_id}").get_data(as_text=True)
    assert 'id="doc-0" name="document" value="0"' in page and "disabled" not in accept_button(page)
    assert re.search(r'id="doc-1"[^>]*checked', page) and not re.search(r'id="doc-2"[^>]*checked', page)
    assert "Người đi đăng ký khai sinh Họ, chữ đệm và tên Nguyễn Văn An" in words(page)  # its form's labels

    response = decide(counter, submission_id, "accept", document=["0", "1"], idempotency_key="k-1")

    assert response.status_code == 302 and "received=1" in response.headers["Location"]
    code = re.search(r"/dossiers/([\d-]+)", response.headers["Location"]).group(1)  # type: ignore[union-attr]
    assert code == f"{PHU_XUAN}-250714-0001"
    assert "Đã tiếp nhận hồ sơ" in counter.get(response.headers["Location"]).get_data(as_text=True)
    receipt = words(counter.get(f"{API}/dossiers/{code}/slips/receipt").get_data(as_text=True))
    assert ("4. Thời gian nộp hồ sơ (trực tuyến): 06 giờ 45 phút, ngày 14 tháng 7 năm 2025 Thời gian tiếp nhận "
            "hồ sơ: 09 giờ 00 phút, ngày 14 tháng 7 năm 2025") in receipt
    after = counter.get(f"/intake/{submission_id}").get_data(as_text=True)
    assert f">{code}</a>" in after and 'name="decision"' not in after  # decided: the outcome, no buttons
    assert counter.get("/intake").get_data(as_text=True).count("<tbody>") == 0


def test_accept_waits_for_every_required_document_and_the_guidance_lists_the_missing(counter: Any) -> None:
    submission_id = hand_in(counter, BOTH[:1])
    page = counter.get(f"/intake/{submission_id}").get_data(as_text=True)
    assert "disabled" not in accept_button(page)  # decision.js disables it; without JavaScript the server refuses
    assert re.search(r'<textarea id="items" name="items"[^>]*>Giấy chứng sinh</textarea>', page)

    refused = decide(counter, submission_id, "accept", document=["0"])

    assert refused.status_code == 422
    shown = refused.get_data(as_text=True)
    assert re.search(r'id="documents-error"[^>]*>Chưa có thành phần bắt buộc: Giấy chứng sinh', shown)
    assert dossier_count(counter) == 0
    assert "Chờ tiếp nhận" in counter.get(f"/intake/{submission_id}").get_data(as_text=True)


def test_guiding_from_the_page_prints_form_02_for_the_submission(counter: Any, clock: Clock) -> None:
    submission_id = hand_in(counter, BOTH[:1])
    clock.now = local(2025, 7, 14, 9, 30)
    assert decide(counter, submission_id, "guide", reasons=REASONS, items="").status_code == 422

    response = decide(counter, submission_id, "guide", reasons=REASONS,
                      items="Giấy chứng sinh\nGiấy tờ tùy thân của người đi đăng ký")

    assert response.status_code == 302 and response.headers["Location"] == f"/intake/{submission_id}?decided=1"
    page = counter.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã hướng dẫn bổ sung, hoàn thiện hồ sơ" in page and REASONS in page
    assert 'value="accept"' not in page and 'value="guide"' not in page and 'value="refuse"' in page
    assert f'href="/intake/{submission_id}/slips/guidance?format=pdf"' in page
    text = words(counter.get(f"/intake/{submission_id}/slips/guidance").get_data(as_text=True))
    for expected in ("Mẫu số 02, Phụ lục I", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Số: ……/HDHS",
                     "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Phú Xuân, ngày 14 tháng 7 năm 2025",
                     "Hồ sơ của: Ông/Bà Nguyễn Văn An", "Đăng ký khai sinh (mã thủ tục 1.001193)",
                     "Thời gian nộp hồ sơ: 06 giờ 45 phút, ngày 14 tháng 7 năm 2025 (trực tuyến",
                     REFERENCE, "1 Giấy chứng sinh 1", "2 Giấy tờ tùy thân của người đi đăng ký 1",
                     f"Lý do: {REASONS}", "Hồ sơ chưa được tiếp nhận", "Người hướng dẫn"):
        assert expected.upper() in text.upper(), expected
    for absent in ("tiếp nhận lúc", "Mã tra cứu", "TNHS", "Mã hồ sơ: 19768"):
        assert absent not in text, absent
    assert counter.get(f"/intake/{submission_id}/slips/refusal").status_code == 404
    pdf = counter.get(f"{API}/intake/submissions/{submission_id}/slips/guidance", query_string={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.headers["Cache-Control"] == "no-store"
    pdf_text, reader = pdf_words(pdf.data)
    assert len(reader.pages) == 1 and "Giấy chứng sinh" in pdf_text


def test_refusing_from_the_page_prints_form_03_saying_it_was_not_received(counter: Any) -> None:
    submission_id = hand_in(counter)
    assert decide(counter, submission_id, "refuse", reasons="  ").status_code == 422

    response = decide(counter, submission_id, "refuse", reasons="Hồ sơ không thuộc thẩm quyền của phường.")

    assert response.status_code == 302
    page = counter.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã từ chối tiếp nhận hồ sơ" in page and 'name="decision"' not in page
    text = words(counter.get(f"/intake/{submission_id}/slips/refusal").get_data(as_text=True))
    for expected in ("Mẫu số 03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "Số: ……/TCHS", "Nguyễn Văn An",
                     "hồ sơ không được tiếp nhận", "Hồ sơ không thuộc thẩm quyền của phường.",
                     "Thời gian nộp hồ sơ: 06 giờ 45 phút"):
        assert expected in text, expected
    assert "tiếp nhận lúc" not in text and "Mã hồ sơ: 19768" not in text
    assert dossier_count(counter) == 0


def test_the_counters_guidance_and_refusal_receive_nothing_and_take_no_code(counter: Any) -> None:
    form = counter.get(f"/counter/{BIRTH}").get_data(as_text=True)
    assert 'id="accept-hint">' in form  # nothing ticked yet: the hint shows
    assert re.search(r'<textarea id="items" name="items"[^>]*>Tờ khai đăng ký khai sinh\nGiấy chứng sinh</textarea>',
                     form)
    base = _flat(birth_application(VY_DA)) | {"csrf_token": csrf_of(counter, f"/counter/{BIRTH}")}

    missing = counter.post(f"/counter/{BIRTH}", data=base | {"document": ["0"], "decision": "accept"})
    assert missing.status_code == 422 and 'id="documents-error"' in missing.get_data(as_text=True)
    guide = base | {"document": ["0"], "decision": "guide", "idempotency_key": "form-1", "reasons": REASONS,
                    "items": "Giấy chứng sinh"}
    guided = counter.post(f"/counter/{BIRTH}", data=guide)
    again = counter.post(f"/counter/{BIRTH}", data=guide)  # the same form sent twice decides once
    refused = counter.post(f"/counter/{BIRTH}", data=base | {"decision": "refuse", "idempotency_key": "form-2",
                                                             "reasons": "Không thuộc trường hợp đăng ký khai sinh."})

    assert guided.status_code == again.status_code == refused.status_code == 302
    assert guided.headers["Location"] == again.headers["Location"] != refused.headers["Location"]
    guided_page = counter.get(guided.headers["Location"]).get_data(as_text=True)
    assert "Đã hướng dẫn bổ sung, hoàn thiện hồ sơ" in guided_page and "Trực tiếp" in guided_page
    slip = words(counter.get(guided.headers["Location"].split("?")[0] + "/slips/guidance").get_data(as_text=True))
    assert "(trực tiếp)" in slip and "1 Giấy chứng sinh 1" in slip and "tiếp nhận lúc" not in slip
    assert "Đã từ chối tiếp nhận hồ sơ" in counter.get(refused.headers["Location"]).get_data(as_text=True)
    assert dossier_count(counter) == 0
    changed = counter.post(f"/counter/{BIRTH}", data=guide | {"/application/child/full_name": "Nguyễn Văn Bình"})
    assert changed.status_code == 422 and "đã được gửi với nội dung khác" in changed.get_data(as_text=True)

    received = counter.post(f"/counter/{BIRTH}", data=base | {"document": ["0", "1"], "idempotency_key": "form-3"})
    assert received.status_code == 302 and f"/dossiers/{PHU_XUAN}-250714-0001?" in received.headers["Location"]


def test_other_centres_and_other_roles_are_kept_out(client: Any) -> None:
    submission_id = hand_in(client)
    decide_page = f"/intake/{submission_id}"
    anonymous = client.post(decide_page, data={"csrf_token": csrf_of(client), "decision": "refuse", "reasons": "x"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    sign_in_page(client, f"reception.{THUAN_HOA}")
    assert client.get(decide_page).status_code == 403
    assert decide(client, submission_id, "refuse", "/counter", reasons="Không thuộc thẩm quyền.").status_code == 403
    assert "G22." not in client.get("/intake").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_of(client, "/intake")})
    sign_in_page(client, f"specialist.{VY_DA}")
    assert client.get("/intake").status_code == 403 and client.get(decide_page).status_code == 403
    for account, answer in ((f"reception.{THUAN_HOA}", 403), (f"specialist.{VY_DA}", 403),
                            (f"reception.{PHU_XUAN}", 404), ("supervisor.46", 404)):
        url = f"{API}/intake/submissions/{submission_id}/slips/refusal"
        assert client.get(url, headers=sign_in(client, account)).status_code == answer, account
    assert client.get(f"{API}/intake/submissions/{submission_id}/slips/receipt",
                      headers=sign_in(client, f"reception.{PHU_XUAN}")).status_code == 404
    assert client.get(f"{API}/intake/submissions/99999999999/slips/refusal",
                      headers=sign_in(client, f"reception.{PHU_XUAN}")).status_code == 404
    sign_in_page(client, f"reception.{PHU_XUAN}")
    assert "Chờ tiếp nhận" in client.get(decide_page).get_data(as_text=True)  # nothing was decided


def test_the_citizen_follows_a_submission_by_the_portals_id_without_personal_data(counter: Any) -> None:
    submission_id = hand_in(counter, BOTH[:1])
    waiting = counter.get("/", query_string={"code": REFERENCE}).get_data(as_text=True)
    assert "đang chờ cán bộ kiểm tra để tiếp nhận" in waiting and "Phường Phú Xuân" in waiting

    decide(counter, submission_id, "guide", reasons=REASONS, items="Giấy chứng sinh")
    guided = counter.get("/", query_string={"code": REFERENCE})

    text = guided.get_data(as_text=True)
    assert guided.status_code == 200 and "Giấy tờ cần bổ sung" in text and "<li>Giấy chứng sinh</li>" in text
    application = birth_application(VY_DA)
    for private in (REASONS, application["applicant"]["full_name"], application["applicant"]["id_number"],
                    application["applicant"]["phone"], application["residence"]["address"]):
        assert private not in text
    unknown = counter.get("/", query_string={"code": "G22.unknown"})
    assert unknown.status_code == 404 and "Không tìm thấy hồ sơ nộp trực tuyến" in unknown.get_data(as_text=True)
