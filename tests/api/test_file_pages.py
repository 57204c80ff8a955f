"""Files through the pages (issue 20): the counter receives each document's scans with the dossier (checked by
their content, a bad one shown beside its document and nothing received); the dossier page lists the
components with their files for the officers of the units involved, who open them, while a supervisor sees
the page without them; the leader signs and issues the electronic result from the page; the citizen's page
shows the financial-obligation notice and links the signed result, and nothing personal; `/verify` checks a
signed result. Run on both databases."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from pypdf import PdfWriter

from api.settings import ROOT
from tests.api.helpers import API, csrf_of, received, return_result, sign_in, sign_in_page, step_data, task_of
from tests.api.procedures import Officers, complete_step, load, receive_scenario
from tests.api.test_pages import _flat
from tests.conftest import PHU_XUAN, VY_DA, birth_application

BIRTH = "1.001193"
LAND = ROOT / "processes" / "land_change_registration" / "scenarios" / "straight.json"


def pdf_bytes() -> bytes:
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, kind)
    return out.getvalue()


def counter_form(client: Any, **extra: Any) -> dict[str, Any]:
    """The counter's form for a birth registration with both documents ticked, as a browser sends it."""
    return _flat(birth_application(VY_DA)) | {"csrf_token": csrf_of(client, f"/counter/{BIRTH}"),
                                             "document": ["0", "1"], "decision": "accept", **extra}


def dossier_count(client: Any) -> int:
    return int(client.get(f"{API}/dossiers", headers=sign_in(client, f"reception.{PHU_XUAN}")).get_json()["total"])


def file_links(page: str, code: str) -> dict[str, str]:
    """Each file's name on a dossier page → the link that opens it."""
    return {name: href for href, name in re.findall(rf'<a href="(/dossiers/{code}/files/\d+)"[^>]*>([^<]+)</a>', page)}


def receive_with_scans(client: Any) -> tuple[str, bytes, bytes]:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    pdf, jpeg = pdf_bytes(), image_bytes("JPEG")
    response = client.post(f"/counter/{BIRTH}", data=counter_form(
        client, **{"files/0": (io.BytesIO(pdf), "to-khai.pdf"), "files/1": (io.BytesIO(jpeg), "giay chung sinh.jpg"),
                   "form/1": "photocopy"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    code = re.search(r"/dossiers/([^?]+)", response.headers["Location"])
    assert code
    client.post("/logout")
    return code.group(1), pdf, jpeg


def test_the_counter_form_takes_scans_and_the_form_brought_per_document(client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    page = client.get(f"/counter/{BIRTH}").get_data(as_text=True)

    assert '<form method="post" novalidate class="receive" enctype="multipart/form-data">' in page
    assert re.search(r'<input type="file" id="files-0" name="files/0" multiple accept="\.pdf,[^"]*image/png"', page)
    assert re.search(r'<select id="form-1" name="form/1">.*?<option value="original" selected>bản chính</option>',
                     page, re.S)  # the procedure's listed form, until the officer says otherwise
    assert 'name="digitised"' not in page


def test_the_counter_receives_each_documents_scans_and_the_competent_unit_opens_them(client: Any) -> None:
    code, pdf, jpeg = receive_with_scans(client)

    sign_in_page(client, f"specialist.{VY_DA}")
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)
    links = file_links(page, code)
    opened = client.get(links["to-khai.pdf"], buffered=True)
    photo = client.get(links["giay chung sinh.jpg"], buffered=True)

    assert 'id="components"' in page
    assert re.search(r"Đã nộp: <strong>1 bản · bản chụp</strong>", page)  # the form brought, as the counter said
    assert "Quầy" in page  # the files' source: scanned at the counter
    assert opened.status_code == 200 and opened.mimetype == "application/pdf" and opened.data == pdf
    assert opened.headers["Content-Disposition"].startswith("inline")
    assert photo.mimetype == "image/jpeg" and photo.data == jpeg


def test_a_png_named_pdf_is_taken_as_the_png_it_is(client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    png = image_bytes("PNG")

    response = client.post(f"/counter/{BIRTH}", data=counter_form(client, **{
        "files/1": (io.BytesIO(png), "giay-chung-sinh.pdf")}))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'<span class="code">([^<]+)</span>', page)
    assert code
    opened = client.get(file_links(page, code.group(1))["giay-chung-sinh.png"], buffered=True)

    assert response.status_code == 302
    assert opened.mimetype == "image/png" and opened.data == png


def test_a_text_file_named_pdf_is_shown_beside_its_document_and_nothing_is_received(client: Any) -> None:
    before = dossier_count(client)
    sign_in_page(client, f"reception.{PHU_XUAN}")

    response = client.post(f"/counter/{BIRTH}", data=counter_form(client, **{
        "files/0": (io.BytesIO(b"just some text, not a scan\n"), "scan.pdf"),
        "files/1": (io.BytesIO(image_bytes("JPEG")), "ok.jpg")}))
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert re.search(r'id="files-0-error" role="alert">Tệp không được chấp nhận: ', page)
    assert 'id="files-1-error"' not in page
    assert 'enctype="multipart/form-data"' in page
    assert dossier_count(client) == before


def test_the_counter_keeps_the_staged_scans_of_a_form_sent_back_with_errors(client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    form = counter_form(client, **{"files/0": (io.BytesIO(pdf_bytes()), "to-khai.pdf")})
    del form["/application/child/full_name"]

    refused = client.post(f"/counter/{BIRTH}", data=form)
    kept = re.findall(r'<input type="hidden" name="staged" value="([^"]+)">', refused.get_data(as_text=True))
    again = client.post(f"/counter/{BIRTH}", data=counter_form(client, staged=kept))
    page = client.get(again.headers["Location"]).get_data(as_text=True)

    assert refused.status_code == 422 and len(kept) == 1 and kept[0].endswith(":to-khai.pdf")
    assert again.status_code == 302 and "to-khai.pdf" in page


def test_guiding_at_the_counter_ignores_the_files(client: Any) -> None:
    before = dossier_count(client)
    sign_in_page(client, f"reception.{PHU_XUAN}")

    response = client.post(f"/counter/{BIRTH}", data=counter_form(client, **{
        "decision": "guide", "reasons": "Thiếu giấy tờ.", "items": "Giấy chứng sinh",
        "files/0": (io.BytesIO(b"not a scan"), "scan.pdf")}))

    assert response.status_code == 302 and "/intake/" in response.headers["Location"]
    assert dossier_count(client) == before


def test_a_supervisor_reads_the_dossier_without_its_files_and_other_wards_get_nothing(client: Any) -> None:
    code, _, _ = receive_with_scans(client)
    sign_in_page(client, f"reception.{PHU_XUAN}")
    link = next(iter(file_links(client.get(f"/dossiers/{code}").get_data(as_text=True), code).values()))
    client.post("/logout")

    sign_in_page(client, "supervisor.46")
    page = client.get(f"/dossiers/{code}")
    assert page.status_code == 200 and 'id="components"' not in page.get_data(as_text=True)
    assert client.get(link).status_code == 403
    client.post("/logout")
    sign_in_page(client, "specialist.19930")
    assert client.get(f"/dossiers/{code}").status_code == 403
    assert client.get(link).status_code == 403


def test_the_leader_issues_the_signed_result_from_the_page_and_anyone_verifies_it(client: Any) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    receipt = received(client, counter)
    code = receipt["code"]
    specialist = sign_in(client, f"specialist.{VY_DA}")
    review = task_of(client, specialist, code, "review")
    assert review
    assert client.post(f"{API}/tasks/{review['id']}/complete", json={"data": step_data("review")},
                       headers=specialist).status_code == 200

    sign_in_page(client, f"leader.{VY_DA}")
    before = client.get(f"/dossiers/{code}").get_data(as_text=True)
    issued = client.post(f"/dossiers/{code}/result", data={"csrf_token": csrf_of(client, f"/dossiers/{code}")})
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*id="result-link"', page)
    assert link
    signed = client.get(link.group(1), buffered=True)

    assert 'id="issue-result"' in before and "Ký số và cấp kết quả điện tử" in before
    assert 'id="outputs"' in before and "Kết quả các bước" in before  # what the review recorded
    assert issued.status_code == 302 and 'id="issue-result"' not in page
    assert signed.status_code == 200 and signed.mimetype == "application/pdf" and signed.data.startswith(b"%PDF")

    valid = client.post("/verify", data={"file": (io.BytesIO(signed.data), "ket-qua.pdf")})
    changed = bytearray(signed.data)
    at = signed.data.index(b"/Type") + 1
    changed[at] = ord("t") if changed[at] != ord("t") else ord("T")
    altered = client.post("/verify", data={"file": (io.BytesIO(bytes(changed)), "ket-qua.pdf")})

    assert valid.status_code == 200 and "Chữ ký số hợp lệ" in valid.get_data(as_text=True)
    assert altered.status_code == 200 and "Chữ ký số hợp lệ" not in altered.get_data(as_text=True)

    leader = sign_in(client, f"leader.{VY_DA}")
    sign = task_of(client, leader, code, "sign")
    assert sign
    assert client.post(f"{API}/tasks/{sign['id']}/complete", json={"data": step_data("sign")},
                       headers=leader).status_code == 200
    assert return_result(client, counter, code).status_code == 200
    citizen = client.get("/", query_string={"code": code, "secret": receipt["secret"]}).get_data(as_text=True)
    download = re.search(r'id="result-download" href="([^"]+)"', citizen)
    assert download and "Tải kết quả điện tử có ký số" in citizen
    assert client.get(download.group(1).replace("&amp;", "&"), buffered=True).data == signed.data


def test_the_citizen_sees_the_financial_notice_of_the_land_procedure_and_nothing_personal(client: Any) -> None:
    officers, scenario = Officers(client), load(LAND)
    receipt = receive_scenario(client, officers, LAND)
    steps = scenario["steps"]
    for step in steps[1:next(i for i, s in enumerate(steps) if s["lane"] == "payment")]:
        complete_step(client, officers, receipt, step)

    page = client.get("/", query_string={"code": receipt["code"], "secret": receipt["secret"]})
    text = page.get_data(as_text=True)
    public = client.get(f"{API}/public/dossiers/{receipt['code']}", query_string={"secret": receipt["secret"]})

    assert page.status_code == 200 and 'id="financial-notice"' in text
    for shown in ("TB-LPTB-2025-11-08342", "57.000.000 ₫", "14.250.000 ₫", "71.250.000 ₫", "20/12/2025"):
        assert shown in text
    application = scenario["application"]
    for personal in (application["applicant"]["full_name"], application["applicant"]["id_number"],
                     application["applicant"]["phone"], application["applicant"]["address"],
                     application["transferor"]["full_name"], application["parcel"]["address"],
                     application["parcel"]["certificate_serial"], "1536/PCTT-CNVPĐK"):
        assert personal not in text
    notice = public.get_json()["financial_notice"]
    assert notice["total_vnd"] == 71250000 and notice["deadline"] == "2025-12-20"
    assert [a["amount_vnd"] for a in notice["amounts"]] == [57000000, 14250000]
    assert public.get_json()["has_result"] is False

    sign_in_page(client, f"reception.{PHU_XUAN}")  # the receiving centre sees the notice on the dossier page
    officer = client.get(f"/dossiers/{receipt['code']}").get_data(as_text=True)
    assert 'id="financial-notice"' in officer and "71.250.000 đ" in officer


def test_an_officer_attaches_a_file_at_their_step(client: Any) -> None:
    code, _, _ = receive_with_scans(client)
    sign_in_page(client, f"specialist.{VY_DA}")
    token = csrf_of(client, f"/dossiers/{code}")

    added = client.post(f"/dossiers/{code}/files", data={"csrf_token": token, "document": "1",
                                                          "file": (io.BytesIO(image_bytes("PNG")), "bien-ban.png")})
    page = client.get(f"/dossiers/{code}").get_data(as_text=True)

    assert added.status_code == 302
    assert "bien-ban.png" in file_links(page, code) and "Bước xử lý" in page


def test_a_submissions_files_open_for_its_centres_counter_only(client: Any) -> None:
    portal = sign_in(client, "portal.46")
    pdf = pdf_bytes()
    staged = client.post(f"{API}/files", headers=portal, data={"file": (io.BytesIO(pdf), "to-khai.pdf")})
    assert staged.status_code == 201, staged.get_json()
    submitted = client.post(f"{API}/intake/submissions", headers=portal, json={
        "reference": "G22.FILES", "centre_id": PHU_XUAN, "procedure_code": BIRTH,
        "application": birth_application(VY_DA), "files": [{"file_id": staged.get_json()["id"], "document": 0}]})
    assert submitted.status_code == 201, submitted.get_json()
    path = f"/intake/{submitted.get_json()['id']}"

    sign_in_page(client, f"reception.{PHU_XUAN}")
    page = client.get(path).get_data(as_text=True)
    link = re.search(rf'href="({path}/files/\d+)"', page)
    assert link and 'id="files"' in page
    opened = client.get(link.group(1), buffered=True)
    assert opened.status_code == 200 and opened.mimetype == "application/pdf" and opened.data == pdf
    client.post("/logout")

    sign_in_page(client, "supervisor.46")
    assert 'id="files"' not in client.get(path).get_data(as_text=True)
    assert client.get(link.group(1)).status_code == 403
