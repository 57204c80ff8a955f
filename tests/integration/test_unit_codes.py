"""Units' electronic identifiers and the national dossier code, on both databases: `load-unit-codes` loads a
province's list all or nothing, a centre with an identifier numbers its new dossiers after it (the daily
sequence carries on), and a dossier received before keeps its code and is still found everywhere a code is
typed, scanned or linked: the API, the officers' pages and search box, the citizen's look-up, the receipt.

The test seed leaves units without identifiers (tests/conftest.py), so every other test keeps the older codes;
the identifiers below are test data loaded here, not the shipped list."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from api.settings import ROOT
from engine.adapters.printing import qr_svg
from tests.api.helpers import API, received, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, THUAN_HOA, VY_DA

HEADER = "unit_id,agency_code,name,source\n"
WARD_CODE = "000.31.46.H57"


def _load(app: Any, tmp_path: Path, text: str, name: str = "codes.csv") -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["load-unit-codes", str(path)])


def _unit(client: Any, headers: dict[str, str], unit_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/units/{unit_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def _found(client: Any, headers: dict[str, str], q: str) -> list[str]:
    response = client.get(f"{API}/dossiers", query_string={"q": q}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [d["code"] for d in response.get_json()["items"]]


def test_a_centre_with_an_identifier_issues_national_codes_and_older_codes_stay_findable(
        app: Any, client: Any, tmp_path: Path) -> None:
    counter = sign_in(client, f"reception.{PHU_XUAN}")
    older = received(client, counter)
    assert older["code"] == "19768-250714-0001"

    result = _load(app, tmp_path, f"# a test list\n{HEADER}{PHU_XUAN},{WARD_CODE},Phường Phú Xuân,test\n")
    assert result.exit_code == 0, result.output
    assert _unit(client, counter, PHU_XUAN)["agency_code"] == WARD_CODE
    assert _unit(client, counter, VY_DA)["agency_code"] is None

    newer = received(client, counter)
    assert newer["code"] == f"{WARD_CODE}-250714-0002"  # the same unit's sequence of the day carries on
    elsewhere = received(client, sign_in(client, f"reception.{THUAN_HOA}"))
    assert elsewhere["code"] == "19786-250714-0001"  # a centre without an identifier is unchanged

    for receipt in (older, newer):
        code, secret = receipt["code"], receipt["secret"]
        detail = client.get(f"{API}/dossiers/{code}", headers=counter)
        assert detail.status_code == 200 and detail.get_json()["dossier"]["code"] == code, detail.get_json()
        public = client.get(f"{API}/public/dossiers/{code}", query_string={"secret": secret})
        assert public.status_code == 200 and public.get_json()["code"] == code
        assert _found(client, counter, code) == [code]
        assert _found(client, counter, f"http://localhost/?code={code}&secret={secret}") == [code]
        receipt_slip = client.get(f"{API}/dossiers/{code}/slips/receipt", headers=counter).get_data(as_text=True)
        assert f'<b class="code">{code}</b>' in receipt_slip
        assert str(qr_svg(f"http://localhost/?code={code}&secret={secret}")) in receipt_slip

    sign_in_page(client, f"reception.{PHU_XUAN}")
    for code, secret in ((older["code"], older["secret"]), (newer["code"], newer["secret"])):
        assert client.get(f"/dossiers/{code}").status_code == 200
        typed = client.get(f"/dossiers?q={quote(code.lower(), safe='')}")
        assert typed.status_code == 302 and typed.headers["Location"] == f"/dossiers/{code}"
        page = client.get("/", query_string={"code": code, "secret": secret})
        assert page.status_code == 200 and code in page.get_data(as_text=True)


def test_a_bad_list_is_refused_whole_naming_each_line(app: Any, client: Any, tmp_path: Path) -> None:
    good = _load(app, tmp_path, f"{HEADER}{THUAN_HOA},000.33.46.H57,,\n", "good.csv")
    assert good.exit_code == 0, good.output
    bad = (f"{HEADER}{VY_DA},000.32.46.H57,Phường Vỹ Dạ,test\n"  # line 2 is fine alone
           f"99999,000.34.46.H57,,\n"                            # 3: not a unit
           f"{PHU_XUAN},31.46.H57,,\n"                           # 4: malformed
           f"{PHU_XUAN},000.35.46.H57,,\n"                       # 5: the same unit twice
           f"46,000.32.46.H57,,\n"                               # 6: the same identifier twice
           f"46,000.33.46.H57,,\n")                              # 7: Thuận Hóa's, and 46 twice
    result = _load(app, tmp_path, bad, "bad.csv")

    assert result.exit_code != 0
    for line in (3, 4, 5, 6, 7):
        assert f"line {line}:" in result.output, result.output
    assert "line 2:" not in result.output
    headers = sign_in(client, f"reception.{PHU_XUAN}")
    assert [_unit(client, headers, u)["agency_code"] for u in (VY_DA, PHU_XUAN, "46", THUAN_HOA)] == [
        None, None, None, "000.33.46.H57"]  # nothing of the bad list was loaded; the earlier one stays
    assert received(client, sign_in(client, f"reception.{VY_DA}"))["code"].startswith(f"{VY_DA}-")


def test_a_file_that_is_not_a_list_of_identifiers_is_refused(app: Any, tmp_path: Path) -> None:
    result = _load(app, tmp_path, "id;code\n19768;000.31.46.H57\n")
    assert result.exit_code != 0 and "unit_id,agency_code" in result.output


def test_loading_the_shipped_list_twice_and_then_the_map_again_keeps_the_identifiers(
        app: Any, client: Any) -> None:
    shipped = sorted((ROOT / "processes" / "unit_codes").glob("*.csv"))
    assert shipped
    for _ in range(2):
        for path in shipped:
            result = app.test_cli_runner().invoke(args=["load-unit-codes", str(path)])
            assert result.exit_code == 0, result.output
    assert app.extensions["onestop"].load_units() > 3000  # what `load-units` and setup-demo run

    headers = sign_in(client, f"reception.{PHU_XUAN}")
    province = _unit(client, headers, "46")
    assert province["agency_code"] == "000.00.00.H57"
    listed = client.get(f"{API}/units", query_string={"province_id": "46", "kind": "province"}, headers=headers)
    assert [u["agency_code"] for u in listed.get_json()] == ["000.00.00.H57"]


def test_the_catalogue_shows_each_procedures_national_field(client: Any) -> None:
    listed = client.get(f"{API}/procedures").get_json()
    assert len(listed) >= 12
    by_code = {p["code"]: p for p in listed}
    assert by_code["1.001193"]["field_name"] == {"vi": "Hộ tịch", "en": "Civil status"}
    assert by_code["2.000815"]["field_name"]["vi"] == "Chứng thực"
    assert all("field_code" in p and p["field_name"]["vi"] for p in listed)  # null until confirmed
    detail = client.get(f"{API}/procedures/1.013831").get_json()
    assert detail["field_name"]["vi"] == "Đất đai" and "field_code" in detail
