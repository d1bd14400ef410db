"""Bodies a stranger posts are read within limits or refused with UnreadableJson, never more."""

from __future__ import annotations

import contextlib
import json
import math
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.safe_json import MAX_DEPTH, UnreadableJson, form_bounded, loads_bounded

FUZZ = settings(max_examples=300, deadline=None)

# Text that may hold anything Python strings can, lone surrogates included.
any_text = st.text(st.characters(codec=None, categories=None), max_size=30)
# Bytes that look like JSON often enough to reach the parser's corners.
json_alphabet = st.sampled_from([*'[]{}",:\\ \n0123456789eE.+-truefalsnNaIfiy', "\\u"])
jsonish = st.lists(json_alphabet, max_size=60).map("".join)

# Brackets, quotes and backslashes inside strings are what the depth scan must skip.
tricky_text = st.text(st.sampled_from('[]{}"\\') | st.characters(codec="utf-8"), max_size=20)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=20,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@FUZZ
@given(st.binary(max_size=200) | jsonish.map(str.encode))
def test_any_bytes_read_or_refused(data: bytes) -> None:
    with contextlib.suppress(UnreadableJson):
        loads_bounded(data)


@FUZZ
@given(any_text | jsonish)
def test_any_text_read_or_refused(data: str) -> None:
    try:
        value = loads_bounded(data)
    except UnreadableJson:
        return
    # What is read can always be written back as UTF-8 JSON (what the inbox stores).
    json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


@FUZZ
@given(json_values, st.booleans())
def test_valid_json_within_limits_round_trips(value: Any, ascii_only: bool) -> None:
    assert loads_bounded(json.dumps(value, ensure_ascii=ascii_only)) == value


@FUZZ
@given(json_values, st.integers(min_value=0, max_value=6))
def test_depth_limit_is_exactly_the_nesting_depth(value: Any, limit: int) -> None:
    text = json.dumps(value)
    if depth_of(value) > limit:
        with pytest.raises(UnreadableJson, match="nested deeper"):
            loads_bounded(text, max_depth=limit)
    else:
        assert loads_bounded(text, max_depth=limit) == value


def test_deep_nesting_is_refused_quickly_without_recursion() -> None:
    for opening in ("[", '{"a":'):
        started = time.perf_counter()
        with pytest.raises(UnreadableJson, match=f"deeper than {MAX_DEPTH}"):
            loads_bounded(opening * 100_000)
        assert time.perf_counter() - started < 0.5
    assert loads_bounded("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(UnreadableJson):
        loads_bounded("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    assert loads_bounded(json.dumps(["[" * 1000])) == ["[" * 1000]
    # An escaped quote does not end the string: the brackets after it are still inside it.
    assert loads_bounded('["\\"' + "[" * 100 + '"]', max_depth=1) == ['"' + "[" * 100]
    assert loads_bounded('["\\\\", [1]]', max_depth=2) == ["\\", [1]]
    with pytest.raises(UnreadableJson, match="nested deeper"):
        loads_bounded('["\\\\", [1]]', max_depth=1)


def test_closing_brackets_do_not_buy_depth() -> None:
    # Invalid anyway, but refused for its depth before the parser sees it.
    with pytest.raises(UnreadableJson, match="nested deeper"):
        loads_bounded("]]]]" + "[[[" + "]]]", max_depth=2)


def test_size_is_counted_in_bytes() -> None:
    assert loads_bounded('"' + "x" * 8 + '"', max_bytes=10) == "x" * 8
    with pytest.raises(UnreadableJson, match="larger than 10 bytes"):
        loads_bounded('"' + "x" * 9 + '"', max_bytes=10)
    # Four characters, but twelve bytes in UTF-8.
    with pytest.raises(UnreadableJson, match="larger than"):
        loads_bounded('"€€"', max_bytes=7)
    with pytest.raises(UnreadableJson, match="larger than"):
        loads_bounded(b" " * 11, max_bytes=10)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        ('"\ud800"', "not UTF-8"),
        ('"\\ud800"', "not valid Unicode"),
        ('{"\\udfff": 1}', "not valid Unicode"),
        ("NaN", "NaN"),
        ("[Infinity]", "Infinity"),
        ('{"a": -Infinity}', "Infinity"),
        ("1e999", "out of range"),
        ("[-1e999]", "out of range"),
        ("1" * 5000, "not JSON"),
        ("", "not JSON"),
        ("{", "not JSON"),
        ("[1,]", "not JSON"),
        ("\ufeff{}", "not JSON"),
    ],
)
def test_refused_with_a_reason(body: bytes | str, reason: str) -> None:
    with pytest.raises(UnreadableJson, match=reason):
        loads_bounded(body)


def test_what_json_allows_is_read() -> None:
    assert loads_bounded('{"a": 1, "a": 2}') == {"a": 2}
    assert loads_bounded('"\\ud83d\\ude00"') == "\U0001f600"
    assert loads_bounded(b'{"x": [1.5, -0.0, 1e308]}') == {"x": [1.5, -0.0, 1e308]}
    value = loads_bounded("[1e-400]")
    assert isinstance(value, list)
    assert value[0] == 0.0
    assert math.isfinite(value[0])


# --- forms ---------------------------------------------------------------------------------


def test_a_slash_command_form_is_read() -> None:
    form = form_bounded(
        "team_id=T1&enterprise_id=&text=new+Prompt+%3Cinjection%3E&trigger_id=1.2.3&text=second"
    )
    assert form == {
        "team_id": "T1",
        "enterprise_id": "",
        "text": "new Prompt <injection>",
        "trigger_id": "1.2.3",
    }
    assert form_bounded("") == {}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("just some words", "not a form"),
        ("a=1&&b=2", "not a form"),
        ("a=%FF", "not UTF-8"),
        (b"a=\xff", "not UTF-8"),
        ("&".join(f"k{i}=v" for i in range(101)), "not a form"),
    ],
)
def test_unreadable_forms_are_refused(body: bytes | str, reason: str) -> None:
    with pytest.raises(UnreadableJson, match=reason):
        form_bounded(body)


def test_form_limits() -> None:
    assert len(form_bounded("&".join(f"k{i}=v" for i in range(5)), max_fields=5)) == 5
    with pytest.raises(UnreadableJson):
        form_bounded("&".join(f"k{i}=v" for i in range(6)), max_fields=5)
    with pytest.raises(UnreadableJson, match="larger than"):
        form_bounded("a=" + "x" * 20, max_bytes=10)


@FUZZ
@given(st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=10))
def test_encoded_forms_round_trip(fields: dict[str, str]) -> None:
    assert form_bounded(urlencode(fields)) == fields


@FUZZ
@given(any_text | st.lists(st.sampled_from(list("ab=&%+;F0 ")), max_size=30).map("".join))
def test_any_form_text_read_or_refused(body: str) -> None:
    try:
        form = form_bounded(body)
    except UnreadableJson:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.items())
