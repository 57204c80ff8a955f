"""Dossier codes, lookup secrets, status codes, actors and passwords."""

from __future__ import annotations

import math
from datetime import date

import pytest

from engine.domain.actor import Actor
from engine.domain.dossier_code import format_dossier_code, grouped_secret, new_lookup_secret, typed_secret
from engine.domain.errors import ForbiddenError
from engine.domain.password import hash_password, verify_password
from engine.domain.status import DossierStatus


def test_dossier_code_has_unit_date_and_four_digit_sequence() -> None:
    assert format_dossier_code("19768", date(2025, 7, 1), 7) == "19768-250701-0007"


@pytest.mark.parametrize("sequence", [0, 10_000])
def test_dossier_code_sequence_out_of_range(sequence: int) -> None:
    with pytest.raises(ValueError):
        format_dossier_code("19768", date(2025, 7, 1), sequence)


def test_lookup_secret_has_40_bits_of_unambiguous_characters() -> None:
    secrets = {new_lookup_secret() for _ in range(2000)}
    alphabet = set().union(*secrets)
    assert len(alphabet) == 31 and not alphabet & set("01ILO")  # every character used, none misread
    assert all(len(s) == 10 for s in secrets) and 10 * math.log2(len(alphabet)) >= 40
    assert len(secrets) == 2000  # random, not a constant


def test_a_secret_is_printed_in_groups_and_read_back_however_typed() -> None:
    assert grouped_secret("K7M4QX9TRB") == "K7M4Q-X9TRB"
    assert grouped_secret("AB2C") == "AB2C"  # the first dossiers' four characters
    for typed in ("K7M4Q-X9TRB", "k7m4q x9trb", " K7M4QX9TRB ", "k7m4q-x9trb"):
        assert typed_secret(typed) == "K7M4QX9TRB"


def test_status_national_codes_follow_the_dvcqg_catalogue() -> None:
    codes = {s.value: s.national_code for s in DossierStatus}
    assert codes == {"submitted": 1, "received": 2, "refused": 3, "processing": 4, "supplement_requested": 5,
                     "awaiting_payment": 6, "withdrawn": 7, "stopped": 8, "result_ready": 9, "returned": 10}
    assert DossierStatus.RETURNED.is_final and not DossierStatus.RESULT_READY.is_final


def test_actor_needs_role_and_unit() -> None:
    actor = Actor(1, "specialist.19777", "19777", frozenset({"specialist"}))
    actor.require("specialist", "19777")
    with pytest.raises(ForbiddenError, match="role"):
        actor.require("leader", "19777")
    with pytest.raises(ForbiddenError, match="unit"):
        actor.require("specialist", "19768")


def test_password_hash_verifies_only_the_same_password() -> None:
    stored = hash_password("mật khẩu")
    assert stored != hash_password("mật khẩu")  # salted
    assert verify_password("mật khẩu", stored)
    assert not verify_password("mat khau", stored)
    assert not verify_password("mật khẩu", "garbage")
