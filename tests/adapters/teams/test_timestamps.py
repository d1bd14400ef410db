"""Teams channel message ids as times."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.teams.timestamps import message_time


def test_a_channel_message_id_is_its_millisecond() -> None:
    assert message_time("1764627245123") == datetime(2025, 12, 1, 22, 14, 5, 123000, tzinfo=UTC)


def test_other_ids_have_no_time() -> None:
    for text in (None, "", "a:1abc", "f:123", "176462724512", "17646272451234"):
        assert message_time(text) is None
