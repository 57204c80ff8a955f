"""The JSON codec: what `dumps` writes, `loads` reads back unchanged; what it cannot write is refused with a
domain error; `parse` refuses outside JSON the codec could not store, and says why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.domain import json_codec
from engine.domain.errors import ValidationFailedError
from engine.domain.json_codec import RefusedJSONError, UnstorableValueError

EMOJI = "\U0001f600"


@pytest.mark.parametrize("value", [
    {"name": "Nguyễn Văn An", "emoji": EMOJI, "n": [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 1.5, 1e300]},
    {"nested": [[[{"a": None, "b": True}]]]},
    "",
    [],
])
def test_what_dumps_writes_loads_reads_back_unchanged(value: Any) -> None:
    assert json_codec.loads(json_codec.dumps(value)) == value
    assert json_codec.copy(value) == value
    assert json_codec.parse(json_codec.dumps(value)) == value


def test_copy_gives_what_a_column_gives_back() -> None:
    original = {1: ("a", "b"), "nested": {"list": [1]}}
    copied = json_codec.copy(original)

    assert copied == {"1": ["a", "b"], "nested": {"list": [1]}}
    copied["nested"]["list"].append(2)
    assert original["nested"]["list"] == [1]  # type: ignore[index]


@pytest.mark.parametrize(("value", "words"), [
    ({"name": "\ud800"}, "unpaired UTF-16 surrogate"),
    (["a\udfffb"], "unpaired UTF-16 surrogate"),
    ({"n": 2**64}, "integers must fit in 64 bits"),
    ({"n": -(2**63) - 1}, "integers must fit in 64 bits"),
    ({"n": 10**5000}, "integers must fit in 64 bits"),
    (json.loads("[" * 255 + "]" * 255), "nested deeper than 254 levels"),
])
def test_dumps_refuses_what_orjson_cannot_write_with_a_domain_error(value: Any, words: str) -> None:
    for write in (json_codec.dumps, json_codec.copy, json_codec.canonical):
        with pytest.raises(UnstorableValueError, match=words) as raised:
            write(value)
        assert isinstance(raised.value, ValidationFailedError)
        assert words in raised.value.errors[0].message


def test_the_old_fallbacks_texts_are_refused_by_loads() -> None:
    # What json.dumps wrote when orjson refused: lone surrogates escaped, huge integers in full.
    for written in (json.dumps({"name": "\ud800"}), json.dumps({"n": 10**400})):
        with pytest.raises(ValueError):
            json_codec.loads(written)


def test_canonical_ignores_key_order_and_spacing() -> None:
    assert json_codec.canonical({"b": 1, "a": {"d": 2, "c": [3]}}) == b'{"a":{"c":[3],"d":2},"b":1}'
    assert json_codec.canonical(json.loads('{ "a" : 1,\n "b": 2 }')) == json_codec.canonical({"b": 2, "a": 1})


@pytest.mark.parametrize("body", [
    b'{"name": "\\ud83d\\ude00"}',  # an escaped surrogate pair: one emoji
    '{"name": "\U0001f600"}'.encode(),
    b'{"n": 18446744073709551615, "m": -9223372036854775808, "id": "1234567890123456789012345"}',
    b'{"x": 1.5e300}',
])
def test_parse_accepts_what_the_codec_stores(body: bytes) -> None:
    value = json_codec.parse(body)

    assert json_codec.loads(json_codec.dumps(value)) == value
    assert json_codec.parse(body.decode()) == value


def test_parse_reads_a_surrogate_pair_as_the_character() -> None:
    assert json_codec.parse(b'["\\ud83d\\ude00"]') == [EMOJI]


@pytest.mark.parametrize(("body", "words"), [
    (b'{"name": "\\ud800"}', "unpaired UTF-16 surrogate escape"),
    (b'{"name": "\\udc00x"}', "unpaired UTF-16 surrogate escape"),
    (b'{"name": "\\ud800\\u0041"}', "unpaired UTF-16 surrogate escape"),
    (b'{"name": "\xed\xa0\x80"}', "not valid UTF-8"),
    (b'{"name": "\xff"}', "not valid UTF-8"),
    (b'{"n": 18446744073709551616}', "does not fit in 64 bits"),
    (b'{"n": -9223372036854775809}', "does not fit in 64 bits"),
    (b'{"a": {"b": [1, 1' + b"0" * 5000 + b']}}', "does not fit in 64 bits"),
    (b'{"x": 1e400}', "numbers must be finite"),
    (b'{"x": NaN}', "not valid JSON"),
    (b'{"x": Infinity}', "not valid JSON"),
    (b'{"x": ', "not valid JSON"),
    (b"[" * 300 + b"]" * 300, "nested deeper than 254 levels"),
])
def test_parse_refuses_what_the_codec_could_not_store_and_says_why(body: bytes, words: str) -> None:
    with pytest.raises(RefusedJSONError, match=words):
        json_codec.parse(body)


def test_parse_refuses_a_stored_text_with_a_surrogate_escape() -> None:
    with pytest.raises(RefusedJSONError, match="at line 1, column 11"):
        json_codec.parse('{"name": "\\ud800"}')
