"""Slack message timestamps (`ts`, "1700000000.000100") as times.

A ts is both the message's id and the moment Slack stored it, to the microsecond, unique in
its channel: the engine binds a reply to the question posted before it by comparing them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_TS = re.compile(r"^(\d{1,12})\.(\d{6})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ts_time(ts: str | None) -> datetime | None:
    """The time a ts stands for (exact: no float rounding), or None for what is no ts."""
    match = _TS.match(ts or "")
    if match is None:
        return None
    return _EPOCH + timedelta(seconds=int(match.group(1)), microseconds=int(match.group(2)))
