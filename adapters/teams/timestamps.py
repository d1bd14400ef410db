"""Teams channel message ids as times: a message id in a channel is the millisecond Teams
stored it at ("1700000000123"), the clock the engine binds replies to questions by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Milliseconds since 1970 have had 13 digits since 2001 and keep them until 2286.
_DIGITS = 13


def message_time(message_id: str | None) -> datetime | None:
    """The time a channel message id stands for, or None when it is no such id."""
    if message_id is None or len(message_id) != _DIGITS or not message_id.isdigit():
        return None
    return _EPOCH + timedelta(milliseconds=int(message_id))
