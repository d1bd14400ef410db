"""Dates and periods as people write them: in the author's zone, ranges, "ongoing" and
relative forms, all resolved against the turn's time (never the clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.answers import Accepted, Rejected, TimeContext, display_value, parse_answer
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

ONE = item(AnswerKind.DATETIME)
SEVERAL = item(AnswerKind.DATETIME, multiple=True)
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
BERLIN = TimeContext(NOW, "Europe/Berlin")
NEW_YORK = TimeContext(NOW, "America/New_York")
UNKNOWN = TimeContext(NOW, None)


def test_a_time_with_its_zone_ignores_the_authors_zone() -> None:
    assert parse_answer(ONE, "2026-11-30 22:14 UTC", BERLIN) == Accepted(
        "2026-11-30T22:14:00Z", "2026-11-30 22:14 UTC"
    )
    assert parse_answer(ONE, "2026-11-30T22:14+02:00", NEW_YORK) == Accepted(
        "2026-11-30T20:14:00Z", "2026-11-30 20:14 UTC"
    )


def test_a_time_without_a_zone_is_read_in_the_authors_zone_and_shown_in_utc() -> None:
    assert parse_answer(ONE, "2026-11-30 22:14", BERLIN) == Accepted(
        "2026-11-30T21:14:00Z",
        "2026-11-30 21:14 UTC (read as 22:14 Europe/Berlin, your time zone)",
    )
    # Summer time is the zone's own rule, not a fixed offset.
    parsed = parse_answer(ONE, "2026-07-01 12:00", NEW_YORK)
    assert isinstance(parsed, Accepted)
    assert parsed.value == "2026-07-01T16:00:00Z"


def test_an_unknown_zone_is_utc_and_the_acknowledgement_says_so() -> None:
    for context in (UNKNOWN, TimeContext(NOW, "Mars/Olympus_Mons")):
        parsed = parse_answer(ONE, "2026-11-30 22:14", context)
        assert isinstance(parsed, Accepted)
        assert parsed.value == "2026-11-30T22:14:00Z"
        assert "I don't know yours, so I read it as UTC" in parsed.display


def test_without_a_context_a_zone_is_still_required() -> None:
    parsed = parse_answer(ONE, "2026-11-30 22:14")
    assert isinstance(parsed, Rejected)
    assert "has no time zone" in parsed.reason


def test_a_range_is_an_iso_interval() -> None:
    parsed = parse_answer(ONE, "2026-11-30 22:14 UTC to 2026-12-01 03:10 UTC", BERLIN)
    assert parsed == Accepted(
        "2026-11-30T22:14:00Z/2026-12-01T03:10:00Z",
        "2026-11-30 22:14 UTC to 2026-12-01 03:10 UTC",
    )
    local = parse_answer(ONE, "2026-11-30 22:14 - 2026-12-01 03:10", BERLIN)
    assert isinstance(local, Accepted)
    assert local.value == "2026-11-30T21:14:00Z/2026-12-01T02:10:00Z"
    assert "Europe/Berlin" in local.display


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    parsed = parse_answer(ONE, "2026-12-01 03:10 UTC to 2026-11-30 22:14 UTC", BERLIN)
    assert isinstance(parsed, Rejected)
    assert "ends before it starts" in parsed.reason


@pytest.mark.parametrize("text", ["ongoing", "still active", "Still ongoing", "active"])
def test_ongoing(text: str) -> None:
    assert parse_answer(ONE, text, BERLIN) == Accepted("ongoing", "ongoing")


@pytest.mark.parametrize(
    "text",
    [
        "since 2026-11-30 22:14 UTC",
        "2026-11-30 22:14 UTC to now",
        "from 2026-11-30 22:14 UTC until ongoing",
    ],
)
def test_an_open_range_is_still_going_on(text: str) -> None:
    assert parse_answer(ONE, text, BERLIN) == Accepted(
        "2026-11-30T22:14:00Z/..", "since 2026-11-30 22:14 UTC (ongoing)"
    )


def test_relative_forms_resolve_against_the_turn_in_the_authors_zone() -> None:
    # 10:00 UTC is 11:00 in Berlin; "yesterday 22:00" there is 21:00 UTC on 1 December.
    assert parse_answer(ONE, "yesterday 22:00", BERLIN) == Accepted(
        "2026-12-01T21:00:00Z",
        "2026-12-01 21:00 UTC (read as 22:00 Europe/Berlin, your time zone)",
    )
    ago = parse_answer(ONE, "2 hours ago", NEW_YORK)
    assert isinstance(ago, Accepted)
    assert ago.value == "2026-12-02T08:00:00Z"
    # The same words a day later mean a day later: the base is the turn, not the clock.
    later = TimeContext(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), "Europe/Berlin")
    shifted = parse_answer(ONE, "yesterday 22:00", later)
    assert isinstance(shifted, Accepted)
    assert shifted.value == "2026-12-02T21:00:00Z"


def test_relative_words_need_the_turns_time() -> None:
    assert isinstance(parse_answer(ONE, "2 hours ago"), Rejected)
    assert isinstance(parse_answer(ONE, "ago ago ago", BERLIN), Rejected)


def test_several_forms_in_one_accumulating_answer() -> None:
    parsed = parse_answer(
        SEVERAL, "2026-11-30 22:14 UTC to 2026-12-01 03:10 UTC; 2 hours ago; ongoing", UNKNOWN
    )
    assert isinstance(parsed, Accepted)
    assert parsed.value == [
        "2026-11-30T22:14:00Z/2026-12-01T03:10:00Z",
        "2026-12-02T08:00:00Z",
        "ongoing",
    ]
    assert display_value(SEVERAL, parsed.value) == (
        "2026-11-30 22:14 UTC to 2026-12-01 03:10 UTC; 2026-12-02 08:00 UTC; ongoing"
    )
