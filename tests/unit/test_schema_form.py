"""The counter's form read the way a Vietnamese officer means it (issue 22): dates typed day/month/year whatever
the browser's language and shown back the same way, communes typed by name and read back into their id, the
copy buttons a form declares, and the field the officer starts with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from api.pages import i18n, schema_form
from api.pages.form_values import iso_date, plain, shown_date, unit_id_of

NAMES = {"19777": "Phường Vỹ Dạ", "19768": "Phường Phú Xuân", "19930": "Xã Phú Vinh", "19931": "Phường Phú Vinh"}
SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["applicant", "father"],
    "properties": {
        "applicant": {"type": "object", "title": "Người đi đăng ký", "x-title-en": "Applicant",
                      "properties": {"full_name": {"type": "string", "title": "Họ tên"},
                                     "id_number": {"type": "string"}}},
        "father": {"type": "object", "title": "Cha", "x-copy-from": {"from": "/applicant", "label": "Chép",
                                                                  "label-en": "Copy from the applicant"},
                   "properties": {"full_name": {"type": "string"}, "date_of_birth": {"type": "string",
                                                                                   "format": "date"}}},
        "residence": {"type": "object", "x-copy-from": [{"from": "/father"}],
                      "properties": {"unit_id": {"type": "string", "pattern": "^[0-9]{5}$", "x-unit": "commune"}}},
    },
}


@pytest.fixture(params=["vi", "en"])
def page(request: pytest.FixtureRequest) -> Iterator[str]:
    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context(headers={"Cookie": f"lang={request.param}"}):
        yield str(request.param)


@pytest.mark.parametrize("typed", ["2/7/2025", "02/07/2025", "02072025", "2-7-2025", "2.7.2025", " 02 07 2025 ",
                                   "2025-07-02"])
def test_a_date_is_read_day_first(typed: str) -> None:
    assert iso_date(typed) == "2025-07-02"


@pytest.mark.parametrize("typed", ["31/02/2025", "29/02/2023", "00/01/2025", "2/13/2025", "2/7/25", "0207202",
                                   "2025-02-31", "ngày 2", "", "2/7/2025/1"])
def test_a_date_that_names_no_day_is_not_read(typed: str) -> None:
    assert iso_date(typed) is None


def test_a_leap_day_is_a_date() -> None:
    assert iso_date("29/2/2024") == "2024-02-29"


def test_a_date_is_shown_day_first_and_anything_else_as_typed() -> None:
    assert shown_date("2025-07-02") == "02/07/2025"
    assert shown_date("31/02/2025") == "31/02/2025"
    assert shown_date(None) == ""


@pytest.mark.parametrize(("typed", "unit_id"), [
    ("19777", "19777"), ("Phường Vỹ Dạ", "19777"), ("phuong vy da", "19777"), ("Vỹ Dạ", "19777"),
    ("  VY  DA ", "19777"), ("Phú Xuân", "19768"), ("Xã Phú Vinh", "19930"),
    ("Phú Vinh", "Phú Vinh"),  # a ward and a commune share the name: the officer must say which
    ("Nowhere", "Nowhere"), ("1977", "1977"),
])
def test_a_commune_is_read_by_its_name_or_its_id(typed: str, unit_id: str) -> None:
    assert unit_id_of(typed, NAMES) == unit_id


def test_plain_drops_accents_and_the_d_stroke() -> None:
    assert plain("  Đặc khu   Lý Sơn ") == "dac khu ly son"


def test_read_form_gives_the_schemas_json(page: str) -> None:
    form = MultiDict({"/application/applicant/full_name": "An", "/application/father/date_of_birth": "2/5/1990",
                      "/application/residence/unit_id": "vy da"})
    assert schema_form.read_form(SCHEMA, "/application", form, NAMES) == {
        "applicant": {"full_name": "An"}, "father": {"date_of_birth": "1990-05-02"},
        "residence": {"unit_id": "19777"}}


def test_read_form_keeps_what_it_cannot_read_for_the_schema_to_refuse(page: str) -> None:
    form = MultiDict({"/application/father/date_of_birth": "31/02/2025", "/application/residence/unit_id": "Huế"})
    data = schema_form.read_form(SCHEMA, "/application", form, NAMES)
    assert data["father"] == {"date_of_birth": "31/02/2025"} and data["residence"] == {"unit_id": "Huế"}


def _leaf(fields: list[schema_form.Field], pointer: str) -> schema_form.Field:
    for f in fields:
        if f.pointer == pointer:
            return f
        if f.children and pointer.startswith(f.pointer + "/"):
            return _leaf(f.children, pointer)
    raise AssertionError(pointer)


def test_a_date_is_shown_back_day_first_and_a_bad_one_says_how_to_type_it(page: str) -> None:
    good = schema_form.fields_of(SCHEMA, "/application", {"father": {"date_of_birth": "1990-05-02"}})
    assert _leaf(good, "/application/father/date_of_birth").value == "02/05/1990"
    bad = schema_form.fields_of(SCHEMA, "/application", {"father": {"date_of_birth": "31/02/2025"}},
                                {"/application/father/date_of_birth": "Not in the expected format."})
    field = _leaf(bad, "/application/father/date_of_birth")
    assert field.kind == "date" and field.value == "31/02/2025"
    assert field.error == "Not a valid date: type day/month/year, e.g. 02/07/2025."


def test_a_commune_is_shown_by_its_name_and_an_unknown_name_says_so(page: str) -> None:
    known = schema_form.fields_of(SCHEMA, "/application", {"residence": {"unit_id": "19777"}}, None, NAMES)
    assert _leaf(known, "/application/residence/unit_id").value == "Phường Vỹ Dạ"
    unknown = schema_form.fields_of(SCHEMA, "/application", {"residence": {"unit_id": "Huế"}},
                                    {"/application/residence/unit_id": "Not in the expected format."}, NAMES)
    field = _leaf(unknown, "/application/residence/unit_id")
    assert field.kind == "unit" and field.value == "Huế" and field.error.startswith("No commune has that name")


def test_the_copy_buttons_name_the_source_group_in_the_pages_language(page: str) -> None:
    fields = schema_form.fields_of(SCHEMA, "/application")
    father, residence = fields[1], fields[2]
    assert father.copies == [("/application/applicant", "Copy from the applicant" if page == "en" else "Chép")]
    assert residence.copies == [("/application/father", "Copy from father")]  # no label: the group's name
    nested = schema_form.fields_of(SCHEMA["properties"]["father"], "/application/father", root="/application")
    assert nested == schema_form.fields_of(SCHEMA, "/application")[1].children


def test_the_officer_starts_on_the_first_field_or_the_first_wrong_one(page: str) -> None:
    fields = schema_form.fields_of(SCHEMA, "/application")
    schema_form.focus_first(fields)
    assert [f.pointer for f in schema_form._leaves(fields) if f.attrs.get("autofocus")] == [
        "/application/applicant/full_name"]
    wrong = schema_form.fields_of(SCHEMA, "/application", None, {"/application/father/date_of_birth": "Required."})
    schema_form.focus_first(wrong)
    assert [f.pointer for f in schema_form._leaves(wrong) if f.attrs.get("autofocus")] == [
        "/application/father/date_of_birth"]


def test_the_browsers_words_are_the_servers(page: str) -> None:
    words = schema_form.client_messages()
    assert words["required"] == i18n.rule_message("required", "") and words["pattern"]
    assert {"date", "unit"} <= set(words)
