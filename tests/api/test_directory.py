"""The directory and catalogue, the OpenAPI document, liveness and the home page."""

from __future__ import annotations

from typing import Any

from vietnam_provinces import Province, ProvinceCode, Ward

from tests.api.helpers import API
from tests.conftest import HUE, PHU_XUAN, THUAN_HOA, VY_DA


def test_units_of_hue_are_the_province_its_40_communes_and_their_agencies(client: Any) -> None:
    response = client.get(f"{API}/units", query_string={"province_id": str(HUE)})
    units = {u["id"]: u for u in response.get_json()}

    assert response.status_code == 200
    agencies = [u for u in units.values() if u["kind"] == "agency"]
    assert len(units) == 41 + len(agencies)
    police = {u["parent_id"]: u for u in agencies if u["agency"] == "police"}
    assert set(police) == {u["id"] for u in units.values() if u["kind"] == "commune"}
    assert police[VY_DA]["name"] == "Công an Phường Vỹ Dạ"
    branches = [u for u in agencies if u["agency"] == "land_branch"]
    assert len(branches) == 8 and {b["parent_id"] for b in branches} == {"46-VPDK"}
    assert {u["agency"] for u in agencies} == {"police", "land_branch", "land_office", "social_insurance",
                                               "tax", "justice"}
    assert units["46"]["kind"] == "province"
    assert units["46"]["name"] == Province.from_code(ProvinceCode(HUE)).name
    communes = [u for u in units.values() if u["kind"] == "commune"]
    assert len(communes) == 40
    assert all(u["province_id"] == "46" and u["has_centre"] for u in communes)
    official = {f"{w.code:05d}": w.name for w in Ward.iter_by_province(ProvinceCode(HUE))}
    assert {u["id"]: u["name"] for u in communes} == official
    assert units[PHU_XUAN]["name"] == "Phường Phú Xuân"
    assert units[VY_DA]["name"] == "Phường Vỹ Dạ"
    assert units[THUAN_HOA]["name"] == "Phường Thuận Hóa"


def test_every_province_and_commune_of_the_2025_map_is_loaded(client: Any) -> None:
    provinces = client.get(f"{API}/units", query_string={"kind": "province"}).get_json()
    communes = client.get(f"{API}/units", query_string={"kind": "commune"}).get_json()
    assert len(provinces) == 34 and len(communes) == 3321
    assert {u["id"] for u in communes} == {f"{w.code:05d}" for w in Ward.iter_all()}
    social_insurance = client.get(f"{API}/units", query_string={"agency": "social_insurance"}).get_json()
    assert {u["province_id"] for u in social_insurance} == {u["id"] for u in provinces}
    assert client.get(f"{API}/units", query_string={"kind": "planet"}).status_code == 422
    assert client.get(f"{API}/units", query_string={"agency": "army"}).status_code == 422


def test_procedures_list_birth_registration_in_both_languages(client: Any) -> None:
    response = client.get(f"{API}/procedures")
    procedures = {p["code"]: p for p in response.get_json()}

    assert response.status_code == 200
    birth = procedures["1.001193"]
    assert birth["name"] == {"vi": "Đăng ký khai sinh", "en": "Birth registration"}
    assert birth["cross_boundary"] is True
    assert birth["time_limit"]["working_days"] == 0


def test_procedure_detail_includes_its_forms(client: Any) -> None:
    response = client.get(f"{API}/procedures/1.001193")
    body = response.get_json()

    assert response.status_code == 200
    assert body["application_form"] == "birth_registration/application"
    assert {f"birth_registration/{n}" for n in ("application", "receive", "review", "sign", "hand_over")} <= set(
        body["forms"])
    review = body["forms"]["birth_registration/review"]
    assert "register_number" in review["required"]
    assert set(body["lanes"]) == {"reception", "civil_status", "leader", "return_desk"}


def test_unknown_procedure_is_404(client: Any) -> None:
    response = client.get(f"{API}/procedures/9.999999")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "9.999999" in response.get_json()["detail"]


def test_openapi_document_lists_the_paths(client: Any) -> None:
    response = client.get(f"{API}/openapi.json")
    paths = response.get_json()["paths"]

    assert response.status_code == 200
    for path in ("/api/v1/auth/token", "/api/v1/units", "/api/v1/procedures/{code}", "/api/v1/dossiers",
                 "/api/v1/dossiers/{code}", "/api/v1/dossiers/{code}/return", "/api/v1/tasks",
                 "/api/v1/tasks/{task_id}/complete", "/api/v1/public/dossiers/{code}", "/api/v1/healthz"):
        assert path in paths, path
    assert "post" in paths["/api/v1/dossiers"] and "get" in paths["/api/v1/dossiers"]


def test_healthz(client: Any) -> None:
    response = client.get(f"{API}/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "provinces": 34}


def test_home_page_renders_procedures(client: Any) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Đăng ký khai sinh" in response.get_data(as_text=True)


def test_unknown_path_is_404_problem(client: Any) -> None:
    response = client.get(f"{API}/nothing-here")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
