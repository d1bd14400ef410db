"""The wall clock, in one place: components take it as a parameter so that tests can fix it."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
