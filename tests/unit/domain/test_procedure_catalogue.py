"""Reading a procedure catalogue file: the rows become complete procedures, and every problem of the file is
reported with its line and column, the file refused as a whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from engine.domain import procedure_catalogue
from engine.domain.procedure_catalogue import COLUMNS, parse_catalogue
from engine.services.procedures import check_procedure

FIXTURE = Path(__file__).parents[2] / "processes" / "fixtures" / "catalogue" / "test_rows.csv"
ROW = {"key": "poor_household_test", "code": "9.900101", "name_vi": "Xác nhận hộ nghèo (thử)",
       "name_en": "Poor household confirmation (test)", "field": "social_protection",
       "field_name_vi": "Bảo trợ xã hội", "level": "commune", "working_days": "5", "verification_extra_days": "",
       "limit_vi": "05 ngày làm việc", "competent_unit": "applicant_residence", "path": "standard",
       "cross_boundary": "1", "documents": "Đơn đề nghị | Giấy tờ cư trú [photocopy, 2, optional]",
       "fees": "", "allotted_hours": "", "source": "https://example.gov.vn/1", "unconfirmed": "", "notes": ""}


def csv_text(*rows: dict[str, str], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or list(COLUMNS))
    for row in rows:
        writer.writerow([row.get(name, "") for name in (header or COLUMNS)])
    return out.getvalue()


def row(**changes: str) -> dict[str, str]:
    return {**ROW, **changes}


def problems(text: str) -> list[tuple[int, str | None]]:
    catalogue = parse_catalogue(text)
    assert catalogue.entries == []
    return [(p.line, p.column) for p in catalogue.problems]


def test_the_fixture_generates_complete_procedures() -> None:
    catalogue = parse_catalogue(FIXTURE.read_text(encoding="utf-8"))
    assert catalogue.problems == []
    assert [(e.line, e.procedure.code) for e in catalogue.entries] == [(3, "9.900001"), (5, "9.900002"),
                                                                       (6, "9.900003")]
    for entry in catalogue.entries:
        check_procedure(entry.procedure)
    first = catalogue.entries[0].procedure.manifest
    assert first["fees"] == [{"name": {"vi": "Lệ phí", "en": "Lệ phí"}, "amount_vnd": 10000, "per": "copy"}]
    assert first["documents"][2]["required"] is False and first["documents"][1]["form"] == "certified_copy"
    assert first["time_limit"]["verification_extra_days"] == 10
    assert first["competent_unit"] == {"rule": "applicant_residence", "pointer": "/residence/unit_id"}
    assert "Sources: https://example.gov.vn/thu-tuc-thu-nghiem" in first["notes"] and "the fee" in first["notes"]
    assert "dòng thứ hai" in first["notes"]
    third = catalogue.entries[2].procedure
    assert third.manifest["lanes"]["consult"] == {"role": "specialist", "unit": "agency:tax"}
    assert third.manifest["fees"][0]["amount_vnd"] == 50000 and third.manifest["fees"][1]["per"] == "page"
    assert 'name="allotted_hours" value="2"' in third.bpmn


def test_a_byte_order_mark_and_crlf_line_ends_are_read() -> None:
    text = "\ufeff" + FIXTURE.read_text(encoding="utf-8").replace("\n", "\r\n")
    catalogue = parse_catalogue(text)
    assert catalogue.problems == [] and len(catalogue.entries) == 3
    assert catalogue.entries[0].procedure == parse_catalogue(FIXTURE.read_text(encoding="utf-8")).entries[0].procedure


@pytest.mark.parametrize(("changes", "column", "message"), [
    ({"code": "1.00123"}, "code", "not a national procedure code"),
    ({"key": "Bad-Key"}, "key", "not a snake_case key"),
    ({"field": "weather"}, "field", "unknown field"),
    ({"level": "province"}, "level", "unknown level"),
    ({"competent_unit": "mayor"}, "competent_unit", "unknown rule"),
    ({"competent_unit": "agency:army"}, "competent_unit", "unknown rule"),
    ({"path": "consult:army"}, "path", "neither 'standard'"),
    ({"cross_boundary": "yes"}, "cross_boundary", "neither 1"),
    ({"working_days": "-1"}, "working_days", "not a whole number"),
    ({"verification_extra_days": "0"}, "verification_extra_days", "not a whole number from 1"),
    ({"documents": "Đơn [scan, 1]"}, "documents", "unknown document form 'scan'"),
    ({"documents": "Đơn [original]"}, "documents", "is not [form, copies]"),
    ({"documents": "Đơn |  | Tờ khai"}, "documents", "empty document"),
    ({"fees": "Lệ phí = 10000 / person"}, "fees", "unknown fee per 'person'"),
    ({"fees": "Lệ phí mười nghìn"}, "fees", "is not 'name = amount'"),
    ({"fees": "Lệ phí = 1.00.0"}, "fees", "not an amount in VND"),
    ({"allotted_hours": "review=50"}, "allotted_hours", "over the legal limit of 40 hours"),
    ({"working_days": "0", "allotted_hours": "review=7"}, "allotted_hours", "over the legal limit of 8 hours"),
    ({"allotted_hours": "consult=2"}, "allotted_hours", "not a step of the path"),
    ({"allotted_hours": "lunch=2"}, "allotted_hours", "unknown step"),
    ({"allotted_hours": "review"}, "allotted_hours", "is not step=hours"),
    ({"name_vi": ""}, "name_vi", "required"),
    ({"source": "  "}, "source", "required"),
    ({"notes": "x" * 1001}, "notes", "longer than 1000"),
    ({"name_vi": "Xác nhận\x0bhộ nghèo"}, "name_vi", "control character U+000B"),
])
def test_a_bad_cell_is_named_by_line_and_column(changes: dict[str, str], column: str, message: str) -> None:
    catalogue = parse_catalogue(csv_text(row(key="first_row", code="9.900100"), row(**changes)))
    assert catalogue.entries == []
    [problem] = catalogue.problems
    assert (problem.line, problem.column) == (3, column)
    assert message in problem.message and str(problem).startswith(f"line 3, column {column}: ")


def test_duplicate_keys_and_codes_name_the_later_row_and_the_first() -> None:
    text = csv_text(row(), row(key="other_key"), row(code="9.900102"))
    catalogue = parse_catalogue(text)
    assert [(p.line, p.column) for p in catalogue.problems] == [(3, "code"), (4, "key")]
    assert "line 2" in catalogue.problems[0].message and "line 2" in catalogue.problems[1].message


def test_header_problems() -> None:
    header = [c for c in COLUMNS if c != "source"] + ["colour", "key"]
    found = problems(csv_text(row(), header=header))
    assert (1, "colour") in found and (1, "key") in found and (1, "source") in found


def test_every_problem_of_the_file_is_reported_and_nothing_is_read() -> None:
    text = csv_text(row(field="weather"), row(key="second_row", code="9.900200"), row(key="x", code="9.900300"))
    assert problems(text) == [(2, "field"), (4, "key")]


def test_a_row_with_more_cells_than_the_header() -> None:
    assert problems(csv_text(row()).rstrip("\n") + ",extra\n") == [(2, None)]


def test_comments_blank_lines_and_quoted_line_breaks_keep_line_numbers() -> None:
    text = csv_text(row(notes="một\nhai\nba"), row(key="later_row", code="9.900103", field="weather"))
    text = text.replace("\n", "\n# a comment\n\n", 1)
    assert problems(text) == [(7, "field")]


def test_unterminated_quote_is_not_valid_csv() -> None:
    found = parse_catalogue(csv_text(row()) + 'bad_row,"9.9\n')
    assert [p.column for p in found.problems] == [None] and "not valid CSV" in found.problems[0].message


def test_an_empty_file_has_no_header() -> None:
    assert problems("# only a comment\n") == [(0, None)]


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(procedure_catalogue, "MAX_ROWS", 2)
    rows = [row(key=f"row_number_{n}", code=f"9.90010{n}") for n in range(3)]
    [problem] = parse_catalogue(csv_text(*rows)).problems
    assert problem.line == 4 and "more than 2 procedures" in problem.message


def test_too_large_a_file() -> None:
    [problem] = parse_catalogue("x" * (procedure_catalogue.MAX_BYTES + 1)).problems
    assert problem.line == 0 and "larger than" in problem.message
