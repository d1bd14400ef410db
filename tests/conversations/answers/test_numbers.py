"""Counts and estimates as {"low", "high", "approximate"}."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from conversations.answers import Accepted, Rejected, display_value, parse_answer
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

NUMBER = item(AnswerKind.NUMBER)


def count(low: float, high: float | None, approximate: bool = False) -> JsonValue:
    return {"low": low, "high": high, "approximate": approximate}


@pytest.mark.parametrize(
    ("text", "value", "display"),
    [
        ("1200", count(1200, 1200), "1,200"),
        ("1,200", count(1200, 1200), "1,200"),
        ("1,200 users", count(1200, 1200), "1,200"),
        ("1.2k", count(1200, 1200), "1,200"),
        ("1.1K", count(1100, 1100), "1,100"),  # exact, not 1100.0000000000002
        ("3M", count(3_000_000, 3_000_000), "3,000,000"),
        ("2 million", count(2_000_000, 2_000_000), "2,000,000"),
        ("5 bots", count(5, 5), "5"),
        ("0", count(0, 0), "0"),
        ("2.5", count(2.5, 2.5), "2.5"),
        ("1,5", count(1.5, 1.5), "1.5"),
        ("~1200", count(1200, 1200, True), "about 1,200"),
        ("about 1,200", count(1200, 1200, True), "about 1,200"),
        ("approx. 40", count(40, 40, True), "about 40"),
        ("approximately 40", count(40, 40, True), "about 40"),
        ("around 40", count(40, 40, True), "about 40"),
        ("roughly 40 accounts", count(40, 40, True), "about 40"),
        ("40ish", count(40, 40, True), "about 40"),
        ("40 or so", count(40, 40, True), "about 40"),
        ("100-200", count(100, 200), "100-200"),
        ("100 \u2013 200", count(100, 200), "100-200"),
        ("100 to 200", count(100, 200), "100-200"),
        ("between 100 and 200", count(100, 200), "100-200"),
        ("1-2k", count(1000, 2000), "1,000-2,000"),
        ("roughly 100 to 200", count(100, 200, True), "about 100-200"),
        ("100-100", count(100, 100), "100"),
        ("at least 50", count(50, None), "at least 50"),
        ("more than 50", count(50, None), "at least 50"),
        ("over 50", count(50, None), "at least 50"),
        (">50", count(50, None), "at least 50"),
        (">= 50", count(50, None), "at least 50"),
        ("50+", count(50, None), "at least 50"),
        ("50 or more", count(50, None), "at least 50"),
        ("at least about 50", count(50, None, True), "at least about 50"),
    ],
)
def test_number_accepts(text: str, value: JsonValue, display: str) -> None:
    parsed = parse_answer(NUMBER, text)
    assert parsed == Accepted(value, display)
    assert display_value(NUMBER, value) == display


def test_integral_values_are_ints() -> None:
    parsed = parse_answer(NUMBER, "1.5k")
    assert isinstance(parsed, Accepted)
    assert isinstance(parsed.value, dict)
    assert type(parsed.value["low"]) is int


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("lots", 'couldn\'t read a number in "lots"'),
        ("-5", "can't be negative"),
        ("about -5", "can't be negative"),
        ("200-100", "runs backwards (200 to 100)"),
        ("up to 50", "only an upper bound"),
        ("less than 50", "only an upper bound"),
        ("50 or fewer", "only an upper bound"),
        ("at least 100-200", "can't also be open-ended"),
        ("1.2.3", "couldn't read a number"),
        ("1,2,3", "couldn't read a number"),
        ("12 or 13 or 14", "couldn't read a number"),
        ("9" * 20, "too large"),
        ("1e5", "couldn't read a number"),
    ],
)
def test_number_rejects(text: str, mentions: str) -> None:
    parsed = parse_answer(NUMBER, text)
    assert isinstance(parsed, Rejected)
    assert mentions in parsed.reason


def test_display_of_unexpected_shapes_does_not_fail() -> None:
    assert display_value(NUMBER, 7) == "7"
    assert display_value(NUMBER, {"low": 1200, "high": 1200.5, "approximate": True}) == (
        "about 1,200-1,200.5"
    )
