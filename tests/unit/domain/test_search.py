"""What an officer types is classified (code, QR text, ID number, phone, name) and names fold accent-free; the
timeliness filter agrees with the dossier's own class where it claims to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Dossier
from engine.domain.search import (
    OpenDeadline,
    Query,
    QueryKind,
    SearchCriteria,
    classify,
    code_in,
    fold,
    name_matches,
    name_pattern,
    near_due_horizon,
    near_due_ids,
    normalize_phone,
    searchable,
    timeliness_matches,
)
from engine.domain.status import DossierStatus as S
from engine.domain.timeliness import Timeliness, classify_open, of_dossier
from tests.unit.builders import BIRTH_GROUP, CALENDAR, T0, dossier


@pytest.mark.parametrize("typed", ["Nguyễn Văn An", "nguyen van an", "  NGUYỄN   VĂN  AN ", "Nguyễn-Văn An",
                                   "Nguyễn Văn An"])  # the last one decomposed (NFD), as some keyboards type
def test_names_fold_alike_with_or_without_diacritics(typed: str) -> None:
    assert fold(typed) == "nguyen van an"


def test_d_with_stroke_folds_to_d() -> None:
    assert fold("Đặng Thị Đào") == "dang thi dao"


@given(st.text(max_size=60))
def test_a_folded_name_is_lower_case_words_without_like_wildcards(text: str) -> None:
    folded = fold(text)
    assert "%" not in folded and "_" not in folded and "  " not in folded and folded == folded.strip()
    assert fold(folded) == folded  # folding twice changes nothing


@pytest.mark.parametrize(("typed", "expected"), [
    ("19768-250714-0001", Query(QueryKind.CODE, "19768-250714-0001")),
    (" 46-250714-0012 ", Query(QueryKind.CODE, "46-250714-0012")),
    ("http://localhost/?code=19768-250714-0001&secret=K7M4QX9TRB", Query(QueryKind.CODE, "19768-250714-0001")),
    ("https://motcua.hue.gov.vn/tra-cuu?secret=K7M4Q-X9TRB&code=19777-250715-0042",
     Query(QueryKind.CODE, "19777-250715-0042")),
    ("046190000123", Query(QueryKind.ID_NUMBER, "046190000123")),
    ("046 190 000 123", Query(QueryKind.ID_NUMBER, "046190000123")),
    ("191234567", Query(QueryKind.ID_NUMBER, "191234567")),
    ("0912345678", Query(QueryKind.PHONE, "0912345678")),
    ("0912.345.678", Query(QueryKind.PHONE, "0912345678")),
    ("+84 912 345 678", Query(QueryKind.PHONE, "0912345678")),
    ("84912345678", Query(QueryKind.PHONE, "0912345678")),
    ("(0234) 3823 456", Query(QueryKind.PHONE, "02343823456")),
    ("Nguyễn Văn An", Query(QueryKind.NAME, "nguyen van an")),
    ("le", Query(QueryKind.NAME, "le")),
    ("19768-250714", Query(QueryKind.NAME, "19768 250714")),  # not a whole code: nobody's name matches it
])
def test_what_was_typed_is_classified(typed: str, expected: Query) -> None:
    assert classify(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "--", "%_"])
def test_nothing_searchable_is_no_query(typed: str) -> None:
    assert classify(typed) is None


def test_a_qr_text_without_a_code_is_not_a_code() -> None:
    assert code_in("http://localhost/?secret=K7M4QX9TRB") is None
    assert code_in("http://localhost/?code=drop%20table") is None


@pytest.mark.parametrize("typed", ["12345", "0012345678", "+1 202 555 0100", "091234567a"])
def test_what_is_not_a_vietnamese_phone_is_none(typed: str) -> None:
    assert normalize_phone(typed) is None


@pytest.mark.parametrize(("query", "name", "found"), [
    ("nguyen van an", "nguyen van an", True),
    ("nguyen an", "nguyen van an", True),       # family and given name, the middle left out
    ("van an", "nguyen van an", True),
    ("an", "nguyen van an", True),
    ("nguy", "nguyen van an", True),            # the start of a word, as typed so far
    ("guyen", "nguyen van an", False),          # not the start of a word
    ("an nguyen", "nguyen van an", False),      # the words in their order
    ("an", "tran thi lan", False),
    ("nguyen van an", "nguyen van anh", True),
    ("nguyen van anh", "nguyen van an", False),
])
def test_name_matching_takes_word_starts_in_order(query: str, name: str, found: bool) -> None:
    assert name_matches(query, searchable(name, {}).name) is found


@given(st.lists(st.sampled_from(["nguyen", "van", "an", "thi", "lan", "tran", "anh", "ng"]), min_size=1, max_size=4),
       st.lists(st.sampled_from(["nguyen", "van", "an", "thi", "lan", "tran", "anh"]), min_size=1, max_size=4))
def test_the_like_pattern_says_what_name_matches_says(query: list[str], name: list[str]) -> None:
    """The SQL's LIKE pattern (as a regular expression here) finds what the fake finds."""
    import re
    stored = searchable(" ".join(name), {}).name
    pattern = ".*".join(map(re.escape, name_pattern(" ".join(query)).split("%")))
    assert (re.fullmatch(pattern, stored, re.DOTALL) is not None) == name_matches(" ".join(query), stored)


def test_the_searchable_applicant_is_taken_from_the_application() -> None:
    application = {"applicant": {"full_name": "Nguyễn Văn An", "id_number": "046 190 000 123",
                                 "phone": "+84 912.345.678"}}
    found = searchable("Nguyễn Văn An", application)
    assert (found.name, found.id_number, found.phone) == (" nguyen van an", "046190000123", "0912345678")
    assert searchable("Trần Bình", {}) == searchable("Trần Bình", {"applicant": "not an object"})
    assert searchable("Trần Bình", {}).id_number is None and searchable("Trần Bình", {}).phone is None


def test_a_period_is_of_local_days() -> None:
    criteria = SearchCriteria(received_from=date(2025, 7, 14), received_to=date(2025, 7, 14))
    assert criteria.received_after == datetime(2025, 7, 14, tzinfo=VN_TZ)
    assert criteria.received_before == datetime(2025, 7, 15, tzinfo=VN_TZ)


def _class(now: datetime, built: Dossier) -> Timeliness | None:
    """The one class the filter puts the dossier in, its near-due candidate worked out as the service does."""
    built.id = 7
    candidate = OpenDeadline(built.id, built.received_at, built.deadline_at or built.due_at, built.paused_at)
    near = near_due_ids([candidate], now, CALENDAR) if built.finished_at is None else frozenset()
    found = [t for t in Timeliness if timeliness_matches(t, built, now, near)]
    assert len(found) <= 1, "a dossier is in one class at most"
    return found[0] if found else None


@pytest.mark.parametrize("hours", [1, 30, 70, 72, 74, 79, 80, 81, 200])
def test_the_filter_agrees_with_the_dossier_for_ten_working_days(hours: float) -> None:
    deadline = CALENDAR.add_working_days(T0, 10)
    open_ = replace(dossier(S.PROCESSING), due_at=deadline, deadline_at=deadline)
    now = CALENDAR.add_working_hours(T0, hours) + timedelta(minutes=1)
    assert _class(now, open_) == of_dossier(open_, now, CALENDAR)


@pytest.mark.parametrize("hours", [1, 20, 22.7, 23, 24, 30, 31, 40])
def test_the_filter_agrees_with_the_dossier_for_three_working_days(hours: float) -> None:
    """Monday 09:00 to Thursday 17:00: near due in the last quarter (7.6 office hours), not the last day."""
    open_ = dossier(S.PROCESSING, procedure=BIRTH_GROUP)
    now = CALENDAR.add_working_hours(T0, hours)
    assert _class(now, open_) == of_dossier(open_, now, CALENDAR)


@pytest.mark.parametrize("days_before", [0, 1, 5, 9, 12, 20])
def test_the_filter_agrees_with_the_dossier_once_finished(days_before: int) -> None:
    finished = dossier(S.RESULT_READY, at=T0 - timedelta(days=days_before))
    assert _class(T0, finished) == of_dossier(finished, T0, CALENDAR)


@pytest.mark.parametrize("status", [S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT])
def test_a_stopped_clock_is_judged_when_it_stopped(status: S) -> None:
    waiting = dossier(status)
    for later in (timedelta(0), timedelta(days=60)):
        assert _class(T0 + later, waiting) == of_dossier(waiting, T0 + later, CALENDAR)


def test_near_due_candidates_are_never_missed() -> None:
    """Every open dossier near due at a moment is due before the horizon the service reads candidates to."""
    for hours in range(0, 31):
        now = CALENDAR.add_working_hours(T0, hours)
        for allotted in (1, 4, 8, 24, 80):
            deadline = CALENDAR.add_working_hours(T0, allotted)
            if now <= deadline and classify_open(now, deadline, CALENDAR, T0) is Timeliness.NEAR_DUE:
                assert deadline <= near_due_horizon(now, CALENDAR)
