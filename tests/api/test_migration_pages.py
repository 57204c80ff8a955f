"""The admin's page for moving running dossiers: the generated map as selects, the check's counts and reasons in
Vietnamese, the start, and the progress page refreshing itself until every dossier is done."""

from __future__ import annotations

from typing import Any

from engine.services import worker
from tests.api.helpers import csrf_of, received, sign_in, sign_in_page
from tests.api.test_procedure_migrations import BIRTH, publish_renamed
from tests.conftest import PHU_XUAN

PAGE = f"/admin/procedures/{BIRTH}/migrations"


def test_an_admin_checks_edits_and_starts_a_migration(app: Any, client: Any) -> None:
    code = received(client, sign_in(client, f"reception.{PHU_XUAN}"))["code"]
    version = publish_renamed(client, sign_in(client, "admin.46"))
    sign_in_page(client, "admin.46")

    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="step:review"' in page and f'<option value="{version}" selected>' in page
    assert "Chuyển hồ sơ đang xử lý" in client.get("/admin/procedures").get_data(as_text=True)

    form = {"csrf_token": csrf_of(client, PAGE), "from": "1", "to": str(version), "step:review": "",
            "step:sign": "sign"}
    checked = client.post(f"{PAGE}/check", data=form).get_data(as_text=True)
    assert code in checked and "Đang chờ tại bước review, bước mà phương án không ánh xạ sang bước nào." in checked

    started = client.post(PAGE, data={**form, "step:review": "verify"})
    assert started.status_code == 302
    progress = started.headers["Location"]
    assert 'http-equiv="refresh"' in client.get(progress).get_data(as_text=True)
    w = app.extensions["onestop"]
    worker.run_due(w.uow, handlers=worker.handlers(calendar=w.calendar, catalogue=w.catalogue), clock=w.clock)
    done = client.get(progress).get_data(as_text=True)
    assert 'id="finished"' in done and 'http-equiv="refresh"' not in done
    assert '<td class="moved">1</td>' in done


def test_a_bad_plan_from_the_page_is_explained_not_a_500(client: Any) -> None:
    publish_renamed(client, sign_in(client, "admin.46"))
    sign_in_page(client, "admin.46")

    answer = client.post(f"{PAGE}/check", data={"csrf_token": csrf_of(client, PAGE), "from": "1", "to": "2",
                                                "step:ghost": "sign"})

    assert answer.status_code == 422
