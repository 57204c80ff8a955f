"""Procedures made by admins in the browser, never by editing XML or JSON by hand: (a) a new procedure typed in
the new-procedure page, a step's hours changed in the modeler's properties panel, the changes read before
publishing, published, a form changed in the forms editor with its preview and published as version 2, the
diff between the versions read; (b) a catalogue file imported on its page. A dossier of each is received at
Phú Xuân's counter and runs to its end through the inboxes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from engine.domain.procedure_catalogue import parse_catalogue
from engine.domain.procedure_template import standard_procedure
from tests.e2e.conftest import sign_in, sign_out
from tests.e2e.test_dossier_journey import _fill_application

NEW = {"code": "1.009931", "key": "e2e_poverty_confirmation", "name": "Xác nhận hộ nghèo (thử nghiệm)"}
CATALOGUE = ("key,code,name_vi,name_en,field,field_name_vi,level,working_days,limit_vi,competent_unit,path,"
             "cross_boundary,documents,fees,source\n"
             "e2e_catalogue_certificate,9.990031,Cấp giấy xác nhận (thử nghiệm),Certificate (test),other,Khác,commune,"
             '2,02 ngày làm việc,receiving_unit,standard,1,"Đơn đề nghị | Bản sao giấy tờ [photocopy, 1]",'
             "Lệ phí = 10000,https://example.gov.vn/e2e\n")
OPINION = "Ý kiến của công chức thẩm định"
PHU_XUAN = "19768"  # the receiving centre; with the `receiving_unit` rule also the competent commune


# The template's lanes (processes/catalogue/README.md) and the role whose officer at Phú Xuân does each step.
ROLES = {"specialist": "specialist", "leader": "leader"}


def _open_modeler(page: Any) -> None:
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=15000)


def _select(page: Any, element_id: str) -> None:
    page.evaluate("""(id) => {
        const m = window.onestopModeler;
        m.get('selection').select(m.get('elementRegistry').get(id));
    }""", element_id)


def _create_new_procedure(page: Any, server: str, shots: Any) -> None:
    page.goto(f"{server}/admin/procedures")
    page.get_by_role("link", name="Thủ tục mới").click()
    page.get_by_label("Mã thủ tục quốc gia").fill("1.9")  # wrong first: the server's word sits by the input
    page.locator("#in-name_vi").fill(NEW["name"])
    page.get_by_label("Mã quy trình").fill(NEW["key"])
    page.get_by_label("Lĩnh vực", exact=True).select_option("social_protection")
    page.get_by_label("Tên lĩnh vực quốc gia (tiếng Việt)").fill("Bảo trợ xã hội")
    page.locator("#in-working_days").fill("5")
    page.get_by_label("Quy định về thời hạn (tiếng Việt)").fill("05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ")
    page.get_by_label("Đơn vị giải quyết").select_option("receiving_unit")
    page.locator("#in-documents-0-name_vi").fill("Đơn đề nghị xác nhận")
    page.get_by_role("button", name="Thêm giấy tờ").click()
    page.locator("#in-documents-1-name_vi").fill("Sổ hộ khẩu")
    page.locator("#in-documents-1-form").select_option("photocopy")
    page.locator("#in-documents-1-required").uncheck()
    page.get_by_role("button", name="Thêm phí, lệ phí").click()
    page.locator("#in-fees-0-name_vi").fill("Lệ phí")
    page.locator("#in-fees-0-amount_vnd").fill("10.000")
    page.get_by_role("button", name="Tạo thủ tục và mở sơ đồ").last.click()
    expect(page.locator("#in-code-error")).to_have_text("Không đúng định dạng.")
    shots(page, "new-procedure-problem")
    page.get_by_label("Mã thủ tục quốc gia").fill(NEW["code"])
    page.get_by_role("button", name="Tạo thủ tục và mở sơ đồ").last.click()
    page.wait_for_url(f"**/admin/procedures/{NEW['code']}/diagram")


def _change_hours_and_publish(page: Any, server: str, shots: Any) -> None:
    _open_modeler(page)
    shots(page, "modeler-new")
    _select(page, "review")
    page.locator("#properties").get_by_label("Số giờ được giao").fill("20")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#modeler-status")).to_have_text("Đã lưu bản nháp.")
    page.get_by_role("link", name="Xem thay đổi trước khi ban hành").click()
    review = page.locator('tr[data-element="review"]')
    expect(review).to_contain_text("Số giờ được giao: 20")
    expect(review).to_contain_text("Thẩm định hồ sơ, đề xuất giải quyết")
    shots(page, "diff-before-first-publication")
    page.go_back()
    _open_modeler(page)
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#modeler-status")).to_have_text("Hợp lệ, có thể ban hành.")
    page.get_by_role("button", name="Ban hành phiên bản mới").click()
    expect(page.locator("#modeler-status")).to_contain_text("Đã ban hành phiên bản 1")


def _edit_a_form_and_publish(page: Any, server: str, shots: Any) -> None:
    page.goto(f"{server}/admin/procedures/{NEW['code']}/forms?form_id={NEW['key']}/review")
    editor = page.locator("#schema")
    text = editor.input_value()
    editor.fill(text.replace("{", "{ oops", 1))
    expect(page.locator("#form-problems li")).to_contain_text(["line 1"])
    editor.fill(text.replace('"Ý kiến thẩm định, đề xuất"', f'"{OPINION}"'))
    expect(page.locator("#form-problems .ok")).to_be_visible()
    expect(page.locator("#form-preview")).to_contain_text(OPINION)
    shots(page, "form-editor-preview")
    page.get_by_role("button", name="Ban hành phiên bản mới").click()
    expect(page.locator(".flash.success")).to_contain_text("Đã ban hành phiên bản 2")
    page.goto(f"{server}/admin/procedures")
    # Other tests publish second versions of other procedures: take the link in this procedure's row.
    page.locator("tr", has_text=NEW["code"]).get_by_role("link", name="Thay đổi v1 → v2").click()
    expect(page.locator("main")).to_contain_text(f"{NEW['key']}/review")
    expect(page.locator("main")).to_contain_text(OPINION)
    shots(page, "diff-v1-v2")


def _typed(value: Any) -> str:
    """A value as an officer types it: dates day/month/year."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value))
    return f"{found[3]}/{found[2]}/{found[1]}" if found else str(value)


def _fill_step(form: Any, data: dict[str, Any]) -> None:
    for name, value in data.items():
        field = form.locator(f'[name$="/{name}"]')
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(_typed(value))


def _run_dossier(page: Any, server: str, shots: Any, code: str, scenario: dict[str, Any], documents: list[str],
                 name: str) -> None:
    """Receive a dossier of `code` at Phú Xuân's counter with the scenario's application, then do each later step
    from the inbox of the officer its lane names, and return the result at the counter."""
    sign_in(page, server, f"reception.{PHU_XUAN}")
    page.goto(f"{server}/counter/{code}")
    _fill_application(page, scenario["application"])
    for document in documents:
        page.get_by_label(re.compile(f"^{re.escape(document)}")).check()
    shots(page, f"{name}-counter")
    page.get_by_role("button", name="Tiếp nhận và in phiếu hẹn").click()
    expect(page.get_by_role("heading", name=re.compile("Đã tiếp nhận hồ sơ"))).to_be_visible()
    dossier = page.locator(".dossier-head .code").inner_text()
    sign_out(page)
    *middle, last = scenario["steps"][1:]
    for step in middle:
        sign_in(page, server, f"{ROLES[step['lane']]}.{PHU_XUAN}")
        page.goto(f"{server}/inbox")
        page.get_by_role("link", name=dossier).click()
        form = page.locator("form[id^=task-]")
        _fill_step(form, step["data"])
        form.locator(".actions button[type=submit]").click()
        expect(page.locator(".flash.success")).to_be_visible()
        sign_out(page)
    sign_in(page, server, f"reception.{PHU_XUAN}")
    page.goto(f"{server}/inbox")
    page.get_by_role("link", name=dossier).click()
    _fill_step(page.locator("main"), last["data"])
    page.get_by_role("button", name="Trả kết quả").click()
    expect(page.locator(".dossier-head")).to_contain_text("Đã trả kết quả")
    shots(page, f"{name}-returned")
    sign_out(page)


def test_a_new_procedure_made_in_the_browser_runs_a_dossier(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    _create_new_procedure(page, server, shots)
    _change_hours_and_publish(page, server, shots)
    _edit_a_form_and_publish(page, server, shots)
    published = page.request.get(f"{server}/api/v1/process-models/{NEW['code']}").json()
    assert published["version"] == 2
    assert re.search(r'<bpmn:userTask id="review".*?name="allotted_hours" value="20"', published["bpmn"], re.S)
    assert published["manifest"]["fees"] == [{"name": {"vi": "Lệ phí", "en": "Lệ phí"}, "amount_vnd": 10000,
                                              "per": "case"}]
    sign_out(page)

    # The template's own straight scenario for that manifest gives the data each step needs.
    scenario = standard_procedure(published["manifest"]).scenario
    _run_dossier(page, server, shots, NEW["code"], scenario, ["Đơn đề nghị xác nhận"], "new-procedure")


def test_a_procedure_imported_from_a_catalogue_runs_a_dossier(server: str, browser: Any, shots: Any,
                                                               tmp_path: Path) -> None:
    catalogue = tmp_path / "e2e.csv"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    entry = parse_catalogue(CATALOGUE).entries[0]
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    page.goto(f"{server}/admin/procedures")
    page.get_by_role("link", name="Nhập danh mục").click()
    page.locator("#file").set_input_files(str(catalogue))
    page.get_by_role("button", name="Nhập").click()
    expect(page.locator("main")).to_contain_text("9.990031")
    shots(page, "catalogue-imported")
    sign_out(page)

    _run_dossier(page, server, shots, "9.990031", entry.scenario, ["Đơn đề nghị", "Bản sao giấy tờ"],
                 "catalogue")
