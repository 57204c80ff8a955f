"""Reading processes/catalogue/*.csv beside the procedure folders: the generated procedures and scenarios come
after the folders', and a broken catalogue, or one taking a folder's key or code, is refused by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.settings import ROOT
from engine.adapters.definitions import read_procedures, read_scenarios
from engine.domain.errors import ProcedureDefinitionError

FIXTURE = ROOT / "tests" / "processes" / "fixtures" / "catalogue" / "test_rows.csv"


@pytest.fixture
def processes(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "processes" / "signature_certification", tmp_path / "signature_certification")
    (tmp_path / "catalogue").mkdir()
    shutil.copy(FIXTURE, tmp_path / "catalogue" / "b.csv")
    return tmp_path


def test_catalogue_procedures_follow_the_folders(processes: Path) -> None:
    found = read_procedures(processes, ROOT / "forms")
    assert [p.code for p in found] == ["2.000884", "9.900001", "9.900002", "9.900003"]
    scenarios = read_scenarios(processes)
    assert list(scenarios) == ["2.000884", "9.900001", "9.900002", "9.900003"]
    assert [s["task"] for s in scenarios["9.900002"][0]["steps"]] == ["receive", "review", "consult", "sign",
                                                                      "hand_over"]


def test_a_broken_catalogue_names_its_file_and_line(processes: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("consult:police", "consult:army")
    (processes / "catalogue" / "b.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError, match=r"b\.csv line 5, column path: "):
        read_procedures(processes, ROOT / "forms")
    with pytest.raises(ProcedureDefinitionError, match=r"b\.csv line 5"):
        read_scenarios(processes)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("test_same_day_police", "signature_certification", r"b\.csv line 5, column key: .* a procedure folder"),
    ("9.900002", "2.000884", r"b\.csv line 5, column code: 2\.000884 is already the code of a procedure folder")])
def test_a_row_cannot_take_a_folders_key_or_code(processes: Path, old: str, new: str, message: str) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace(old, new)
    (processes / "catalogue" / "b.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError, match=message):
        read_procedures(processes, ROOT / "forms")


def test_two_catalogues_cannot_share_a_code(processes: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("test_", "other_")
    (processes / "catalogue" / "a.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ProcedureDefinitionError, match=r"b\.csv line 3, column code: 9\.900001 is already the "
                                                       r"code of a\.csv line 3"):
        read_procedures(processes, ROOT / "forms")
