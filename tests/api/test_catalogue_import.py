"""Importing a procedure catalogue (POST /process-models/catalogue, the admin page, `flask import-catalogue`):
all or nothing, a second import changes nothing, a changed row is a new version, a hand-drawn procedure's code is
refused, only a province's admin may; and a generated procedure runs through the API like a hand-drawn one."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from api.settings import ROOT
from engine.domain.errors import Problem
from engine.domain.procedure_catalogue import parse_catalogue
from engine.services import catalogue_import
from tests.api import procedures
from tests.api.helpers import API, csrf_of, sign_in, sign_in_page
from tests.api.procedures import Officers, receive
from tests.api.test_every_procedure import run_through_the_api

FIXTURE = ROOT / "tests" / "processes" / "fixtures" / "catalogue" / "test_rows.csv"
TEXT = FIXTURE.read_text(encoding="utf-8")
URL = f"{API}/process-models/catalogue"


def post(client: Any, body: str | bytes, user: str = "admin.46", **query: str) -> Any:
    return client.post(URL, data=body, content_type="text/csv", query_string=query, headers=sign_in(client, user))


def versions(client: Any, code: str) -> list[int]:
    response = client.get(f"{API}/process-models/{code}", headers=sign_in(client, "admin.46"))
    return [v["version"] for v in response.get_json()["versions"]] if response.status_code == 200 else []


def test_import_publishes_each_row_once_and_again_changes_nothing(client: Any) -> None:
    first = post(client, TEXT)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["counts"] == {"new": 3, "new_version": 0, "unchanged": 0} and body["dry_run"] is False
    assert [(r["line"], r["code"], r["outcome"], r["version"]) for r in body["rows"]] == [
        (3, "9.900001", "new", 1), (5, "9.900002", "new", 1), (6, "9.900003", "new", 1)]
    again = post(client, TEXT).get_json()
    assert again["counts"] == {"new": 0, "new_version": 0, "unchanged": 3}
    assert versions(client, "9.900001") == [1]

    changed = post(client, TEXT.replace("05 ngày làm việc kể từ", "5 ngày làm việc kể từ")).get_json()
    assert [r["outcome"] for r in changed["rows"]] == ["new_version", "unchanged", "unchanged"]
    assert versions(client, "9.900001") == [1, 2]
    # Going back to the first content is a version already stored: nothing new.
    assert post(client, TEXT).get_json()["counts"]["unchanged"] == 3


def test_a_dry_run_stores_nothing(client: Any) -> None:
    response = post(client, TEXT, dry_run="true")
    assert response.status_code == 200 and response.get_json()["counts"]["new"] == 3
    assert response.get_json()["dry_run"] is True
    assert versions(client, "9.900001") == []


def test_a_file_with_one_bad_row_is_refused_whole(client: Any) -> None:
    response = post(client, TEXT.replace("consult:police", "consult:army").replace(",labour,", ",weather,"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "catalogue_refused"
    assert [e["pointer"] for e in body["errors"]] == ["/lines/5/path", "/lines/6/field"]
    assert versions(client, "9.900001") == []


def test_a_hand_drawn_procedures_code_or_key_is_refused(client: Any) -> None:
    text = TEXT.replace("9.900002", "2.000884").replace("test_social_insurance", "birth_registration")
    response = post(client, text)
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
    assert set(errors) == {"/lines/5/code", "/lines/6/key"}
    assert "'signature_certification'" in errors["/lines/5/code"] and "1.001193" in errors["/lines/6/key"]
    assert versions(client, "9.900001") == [] and versions(client, "2.000884") == [1]


def test_a_generated_procedures_problems_name_its_row_and_each_shape_is_checked_whole_once(
        client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, manifests = [], []
    monkeypatch.setattr(catalogue_import, "procedure_problems", lambda p: whole.append(p.code) or (None, []))
    monkeypatch.setattr(catalogue_import, "manifest_problems", lambda m: manifests.append(m["code"]) or (
        [Problem(None, "manifest /name: too short")] if m["code"] == "9.900004" else []))
    again = next(line for line in TEXT.splitlines() if line.startswith("test_social_insurance"))
    text = TEXT + again.replace("test_social_insurance", "test_same_shape").replace("9.900003", "9.900004") + "\n"
    response = post(client, text)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"pointer": "/lines/7",
                                              "detail": "the generated procedure: manifest /name: too short"}]
    assert whole == ["9.900001", "9.900002", "9.900003"] and manifests == ["9.900004"]


def test_bytes_that_are_not_utf8_and_a_missing_header(client: Any) -> None:
    assert post(client, b"key,code\n\xe9t\xe9\n").get_json()["errors"] == [  # Latin-1, not UTF-8
        {"pointer": "/lines/0", "detail": "is not UTF-8 text (byte 9); save it as CSV UTF-8"}]
    assert post(client, "").get_json()["errors"][0]["pointer"] == "/lines/0"


def test_a_multipart_upload(client: Any) -> None:
    response = client.post(URL, data={"file": (FIXTURE.open("rb"), "catalogue.csv")},
                           content_type="multipart/form-data", headers=sign_in(client, "admin.46"))
    assert response.status_code == 200 and response.get_json()["counts"]["new"] == 3


@pytest.mark.parametrize(("user", "status"), [("reception.19768", 403), ("specialist.19768", 403),
                                              ("supervisor.46", 403), ("leader.19768", 403)])
def test_only_a_provinces_admin_imports(client: Any, user: str, status: int) -> None:
    assert post(client, TEXT, user=user, dry_run="true").status_code == status


def test_anonymous_gets_401(client: Any) -> None:
    assert client.post(URL, data=TEXT, content_type="text/csv").status_code == 401


@pytest.mark.parametrize("index", [0, 1, 2], ids=["residence", "same-day-police", "agency-consult"])
def test_a_generated_procedure_runs_through_the_api(client: Any, monkeypatch: pytest.MonkeyPatch,
                                                    index: int) -> None:
    assert post(client, TEXT).status_code == 200
    entry = parse_catalogue(TEXT).entries[index]
    monkeypatch.setitem(procedures.MANIFESTS, entry.procedure.code, entry.procedure.manifest)
    officers = Officers(client)
    run_through_the_api(client, officers, entry.scenario, receive(client, officers, entry.procedure.code,
                                                                  entry.scenario))


def test_the_page_imports_and_lists_the_rows_or_the_problems(client: Any) -> None:
    sign_in_page(client, "admin.46")
    assert "/admin/procedures/catalogue" in client.get("/admin/procedures").get_data(as_text=True)
    page = "/admin/procedures/catalogue"
    bad = client.post(page, data={"csrf_token": csrf_of(client, page), "file": (FIXTURE.open("rb"), "x.csv"),
                                  "dry_run": "1"}, content_type="multipart/form-data")
    assert bad.status_code == 200 and "9.900003" in bad.get_data(as_text=True)
    assert versions(client, "9.900001") == []
    broken = TEXT.replace("consult:police", "consult:army").encode()
    refused = client.post(page, data={"csrf_token": csrf_of(client, page), "file": (_io(broken), "x.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "consult:army" in refused.get_data(as_text=True)
    done = client.post(page, data={"csrf_token": csrf_of(client, page), "file": (FIXTURE.open("rb"), "x.csv")},
                       content_type="multipart/form-data")
    assert done.status_code == 200 and versions(client, "9.900002") == [1]


def test_the_command_imports_or_names_each_problem(app: Any, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.csv"
    broken.write_text(TEXT.replace("consult:police", "consult:army"), encoding="utf-8")
    refused = runner.invoke(args=["import-catalogue", str(broken)])
    assert refused.exit_code == 1
    assert f"{broken}: line 5, column path: " in refused.output and "nothing was imported" in refused.output
    checked = runner.invoke(args=["import-catalogue", str(FIXTURE), "--dry-run"])
    assert checked.exit_code == 0 and "checked, nothing published: 3 new" in checked.output
    done = runner.invoke(args=["import-catalogue", str(FIXTURE)])
    assert done.exit_code == 0 and "3 new, 0 new versions, 0 unchanged" in done.output
    assert "0 new, 0 new versions, 3 unchanged" in runner.invoke(args=["import-catalogue", str(FIXTURE)]).output


def _io(data: bytes) -> Any:
    return io.BytesIO(data)
