"""An admin makes a procedure's changes in the modeler's properties panel, never touching XML or JSON: a
step's allotted hours, a new lane bound to a role and a unit, a new user task with a new form and a step to
send back to, a gateway condition the server refuses shown beside it; the draft is saved, checked and
published, and the API shows the new version with those properties. A .bpmn file uploaded becomes the draft."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, sign_in

CODE = "1.004873"  # marital status confirmation: 3 working days, a gateway; no other browser test runs it
API = f"/api/v1/process-models/{CODE}"


def _open(page: Any, server: str) -> None:
    page.goto(f"{server}/admin/procedures/{CODE}/diagram")
    expect(page.locator("#modeler[data-ready=true]")).to_be_attached(timeout=15000)


def _select(page: Any, element_id: str) -> None:
    page.evaluate("""(id) => {
        const m = window.onestopModeler;
        m.get('selection').select(m.get('elementRegistry').get(id));
    }""", element_id)


def _draw_lane_and_task(page: Any) -> tuple[str, str]:
    """A lane below the last one, and a user task in it between the review and the gateway (drawn with
    bpmn-js's modeling API, as the palette would); returns the lane's and the task's ids."""
    lane, task = page.evaluate("""() => {
        const m = window.onestopModeler;
        const registry = m.get('elementRegistry');
        const modeling = m.get('modeling');
        const lane = modeling.addLane(registry.get('Lane_return_desk'), 'bottom');
        modeling.updateLabel(lane, 'records');
        const task = modeling.createShape({ type: 'bpmn:UserTask' },
            { x: lane.x + 420, y: lane.y + lane.height / 2 }, registry.get('Participant_marital_status_confirmation'));
        modeling.updateLabel(task, 'Tra cứu Sổ hộ tịch');
        modeling.removeElements([registry.get('Flow_review_gateway')]);
        modeling.connect(registry.get('review'), task);
        modeling.connect(task, registry.get('gateway_verification'));
        return [lane.id, task.id];
    }""")
    return str(lane), str(task)


def _property(bpmn: str, task: str, name: str) -> str | None:
    element = re.search(rf'<bpmn:userTask id="{task}".*?</bpmn:userTask>', bpmn, re.S)
    assert element, task
    found = re.search(rf'<spiffworkflow:property name="{name}" value="([^"]*)"', element.group(0))
    return found.group(1) if found else None


def test_properties_panel_changes_published(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    _open(page, server)
    panel = page.locator("#properties")

    _select(page, "review")
    expect(panel.get_by_label("Biểu mẫu")).to_have_value("marital_status_confirmation/review")
    panel.get_by_label("Số giờ được giao").fill("4")
    shots(page, "review-hours")

    lane, task = _draw_lane_and_task(page)
    form = f"marital_status_confirmation/{task.lower()}"  # a drawn task's id is like Activity_0x1y2z3
    _select(page, lane)
    panel.get_by_label("Vai trò").select_option("specialist")
    panel.get_by_label("Quy tắc đơn vị").select_option("competent_unit")
    shots(page, "lane-bound")
    # Renamed, the lane keeps its binding: it moves to the new name in the draft's manifest.
    page.evaluate("""(id) => {
        const m = window.onestopModeler;
        m.get('modeling').updateLabel(m.get('elementRegistry').get(id), 'records_office');
    }""", lane)
    assert set(page.evaluate("() => Object.keys(window.onestopDraft.draft.manifest.lanes)")) == {
        "reception", "civil_status", "leader", "return_desk", "records_office"}

    _select(page, task)
    panel.get_by_label("Biểu mẫu").select_option(label="Biểu mẫu mới cho bước này")
    expect(panel.get_by_label("Biểu mẫu")).to_have_value(form)
    panel.get_by_label("Số giờ được giao").fill("2")
    panel.get_by_label("Có thể trả hồ sơ về bước").select_option("review")
    shots(page, "new-task")

    # A condition the restricted script engine refuses: the server's words appear beside it in the panel.
    _select(page, "Flow_needs_verification")
    condition = panel.get_by_label("Điều kiện")
    condition.fill('__import__("os")')
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#modeler-status")).to_have_text("Vấn đề cần sửa")
    expect(panel.locator(".bio-properties-panel-error")).not_to_have_count(0)
    shots(page, "condition-problem")
    condition.fill("needs_verification")

    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#modeler-status")).to_have_text("Đã lưu bản nháp.")
    expect(page.locator("#draft-state")).to_contain_text("lần sửa")
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#modeler-status")).to_have_text("Hợp lệ, có thể ban hành.")
    page.get_by_role("button", name="Ban hành phiên bản mới").click()
    expect(page.locator("#modeler-status")).to_contain_text("Đã ban hành phiên bản 2")
    shots(page, "published")

    published = page.request.get(f"{server}{API}").json()
    assert published["version"] == 2
    bpmn = published["bpmn"]
    assert _property(bpmn, "review", "allotted_hours") == "4"
    assert _property(bpmn, task, "form") == form
    assert _property(bpmn, task, "allotted_hours") == "2"
    assert _property(bpmn, task, "send_back_to") == "review"
    assert published["manifest"]["lanes"]["records_office"] == {"role": "specialist", "unit": "competent_unit"}
    assert published["forms"][form]["type"] == "object"
    assert "needs_verification</bpmn:conditionExpression>" in bpmn


def test_uploaded_bpmn_becomes_the_draft(server: str, browser: Any, shots: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    _open(page, server)
    before = page.request.get(f"{server}{API}/draft").json()

    broken = tmp_path / "broken.bpmn"
    broken.write_text("<bpmn:definitions", encoding="utf-8")
    page.locator("#upload").set_input_files(str(broken))
    expect(page.locator("#modeler-status")).to_contain_text("Không mở được tệp này")
    assert page.request.get(f"{server}{API}/draft").json()["revision"] == before["revision"]

    source = ROOT / "processes" / "marital_status_confirmation" / "marital_status_confirmation.bpmn"
    uploaded = tmp_path / "uploaded.bpmn"
    uploaded.write_text(source.read_text(encoding="utf-8").replace("Trả kết quả", "Trả kết quả tại quầy"),
                        encoding="utf-8")
    page.locator("#upload").set_input_files(str(uploaded))
    expect(page.locator("#modeler-status")).to_have_text("Sơ đồ vừa tải lên là bản nháp.")
    assert page.evaluate("() => window.onestopModeler.get('elementRegistry').get('hand_over').businessObject.name") \
        == "Trả kết quả tại quầy"
    shots(page, "uploaded")
    draft = page.request.get(f"{server}{API}/draft").json()
    assert draft["revision"] > before["revision"]
    assert "Trả kết quả tại quầy" in draft["bpmn"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Bỏ bản nháp").click()
    expect(page.locator("#modeler-status")).to_have_text("Đã bỏ bản nháp.")
    assert page.request.get(f"{server}{API}/draft").json()["revision"] == 0
    assert "Trả kết quả tại quầy" not in page.evaluate("async () => (await window.onestopModeler.saveXML()).xml")


def test_a_draft_saved_meanwhile_by_someone_else_is_not_overwritten(server: str, browser: Any, shots: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 950}, locale="vi-VN")
    sign_in(page, server, "admin.46")
    _open(page, server)
    opened = page.request.get(f"{server}{API}/draft").json()
    csrf = page.locator("#modeler").get_attribute("data-csrf")
    other = page.request.put(f"{server}{API}/draft", headers={"X-CSRF-Token": csrf},
                             data={"revision": opened["revision"], "bpmn": opened["bpmn"]})
    assert other.status == 200

    page.evaluate("""() => {
        const m = window.onestopModeler;
        m.get('modeling').updateLabel(m.get('elementRegistry').get('review'), 'Kiểm tra hồ sơ');
    }""")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#modeler-status")).to_contain_text("Người khác vừa lưu bản nháp này")
    expect(page.get_by_role("button", name="Tải lại")).to_be_visible()
    shots(page, "conflict")
    assert page.request.get(f"{server}{API}/draft").json()["revision"] == other.json()["revision"]
