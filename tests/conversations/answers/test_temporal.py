"""Dates and times: a zone is required, values are normalised to UTC with seconds."""

from __future__ import annotations

import pytest

from conversations.answers import Accepted, Rejected, answer_hint, display_value, parse_answer
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

ONE = item(AnswerKind.DATETIME)
SEVERAL = item(AnswerKind.DATETIME, multiple=True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-11-20 14:03 UTC", "2026-11-20T14:03:00Z"),
        ("2026-11-20 14:03 utc", "2026-11-20T14:03:00Z"),
        ("2026-11-20 09:03 GMT", "2026-11-20T09:03:00Z"),
        ("2026-11-20T14:03Z", "2026-11-20T14:03:00Z"),
        ("2026-11-20T14:03:00Z", "2026-11-20T14:03:00Z"),
        ("2026-11-20T14:03:07+02:00", "2026-11-20T12:03:07Z"),
        ("2026-11-20 14:03:00+02:00", "2026-11-20T12:03:00Z"),
        ("2026-11-20T14:03:07.999-05:00", "2026-11-20T19:03:07Z"),
        ("2026-11-20 14:03 UTC+2", "2026-11-20T12:03:00Z"),
        ("2026-11-20 14:03 GMT-05:30", "2026-11-20T19:33:00Z"),
        ("2026-11-20T00:30+01:00", "2026-11-19T23:30:00Z"),
        ("  2026-11-20   14:03   UTC ", "2026-11-20T14:03:00Z"),
        ("2026-11-20", "2026-11-20"),
        ("2026-11-20 UTC", "2026-11-20"),
        ("2028-02-29", "2028-02-29"),
        ("0999-01-01T00:00Z", "0999-01-01T00:00:00Z"),
    ],
)
def test_datetime_accepts(text: str, value: str) -> None:
    parsed = parse_answer(ONE, text)
    assert isinstance(parsed, Accepted), parsed
    assert parsed.value == value


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        (
            "2026-11-20 14:03",
            '"2026-11-20 14:03" has no time zone. Add one, e.g. 2026-11-20 14:03 UTC '
            "or 2026-11-20 14:03+02:00.",
        ),
        ("2026-11-20T14:03:00", "has no time zone"),
        ("2026-02-30", '"2026-02-30" is not a real date'),
        ("2027-02-29", "is not a real date"),
        ("2026-02-30 10:00 UTC", "is not a real date and time"),
        ("2026-11-20 25:00Z", "is not a real date and time"),
        ("2026-11-20 14:03 CET", "zone abbreviations are ambiguous"),
        ("2026-11-20 2:03 PM", "24-hour clock"),
        ("yesterday", 'couldn\'t read "yesterday"'),
        ("14:03 UTC", "couldn't read"),
        ("0001-01-01T00:30+01:00", "out of range"),
        ("9999-12-31T23:59-01:00", "out of range"),
        ("2026-11-20 14:03 UTC; 2026-11-21 10:00 UTC", "takes one date and time"),
    ],
)
def test_datetime_rejects(text: str, mentions: str) -> None:
    parsed = parse_answer(ONE, text)
    assert isinstance(parsed, Rejected), parsed
    assert mentions in parsed.reason


def test_several_datetimes_are_a_deduplicated_list() -> None:
    parsed = parse_answer(
        SEVERAL, "2026-11-20 14:03Z; 2026-11-21\n2026-11-20T16:03:00+02:00, 2026-11-22 08:00 UTC"
    )
    assert parsed == Accepted(
        ["2026-11-20T14:03:00Z", "2026-11-21", "2026-11-22T08:00:00Z"],
        "2026-11-20 14:03 UTC; 2026-11-21; 2026-11-22 08:00 UTC",
    )
    assert parse_answer(SEVERAL, "2026-11-20 14:03 UTC") == Accepted(
        ["2026-11-20T14:03:00Z"], "2026-11-20 14:03 UTC"
    )


def test_one_bad_moment_rejects_the_list_and_names_it() -> None:
    parsed = parse_answer(SEVERAL, "2026-11-20 14:03Z; 2026-11-21 09:00")
    assert isinstance(parsed, Rejected)
    assert '"2026-11-21 09:00" has no time zone' in parsed.reason


def test_display_keeps_seconds_only_when_they_matter() -> None:
    assert display_value(ONE, "2026-11-20T14:03:00Z") == "2026-11-20 14:03 UTC"
    assert display_value(ONE, "2026-11-20T14:03:07Z") == "2026-11-20 14:03:07 UTC"
    assert display_value(ONE, "2026-11-20") == "2026-11-20"
    assert display_value(SEVERAL, ["2026-11-20", "2026-11-20T14:00:00Z"]) == (
        "2026-11-20; 2026-11-20 14:00 UTC"
    )


def test_hints() -> None:
    assert "2026-11-20 14:03 UTC" in answer_hint(ONE)
    assert "semicolons" not in answer_hint(ONE)
    assert answer_hint(SEVERAL).endswith("Separate several with semicolons.")
