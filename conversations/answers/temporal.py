"""Dates and times. A time must carry its zone: "14:03" alone means different things to a
responder in Berlin and an analyst in Virginia."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from conversations.answers.results import Accepted, Parsed, Rejected

_ZONE_WORDS = re.compile(r"\s*\b(UTC|GMT|Z)\s*$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPLIT = re.compile(r"\s*[;\n]\s*")
DATETIME_HINT = (
    "Give a date and time with its zone, e.g. 2026-11-20 14:03 UTC or "
    "2026-11-20T14:03+02:00 (a date alone, 2026-11-20, is fine too)."
)


def parse_moment(text: str) -> str | Rejected:
    """One date-time, normalised to UTC ISO-8601 ("...Z"), or a date alone."""
    cleaned = text.strip()
    if _DATE_ONLY.match(cleaned):
        try:
            return date.fromisoformat(cleaned).isoformat()
        except ValueError:
            return Rejected(f"{cleaned} is not a real date. {DATETIME_HINT}")
    zoned = _ZONE_WORDS.sub("+00:00", cleaned)
    try:
        moment = datetime.fromisoformat(zoned)
    except ValueError:
        return Rejected(f"I couldn't read {cleaned!r} as a date and time. {DATETIME_HINT}")
    if moment.tzinfo is None:
        return Rejected(
            f"{cleaned!r} has no time zone. Add one, e.g. {cleaned} UTC or {cleaned}+02:00."
        )
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str, multiple: bool) -> Parsed:
    parts = [p for p in _SPLIT.split(text.strip()) if p] if multiple else [text.strip()]
    moments: list[str] = []
    for part in parts:
        parsed = parse_moment(part)
        if isinstance(parsed, Rejected):
            return parsed
        if parsed not in moments:
            moments.append(parsed)
    if multiple:
        return Accepted(list(moments), "; ".join(display_moment(m) for m in moments))
    return Accepted(moments[0], display_moment(moments[0]))


def display_moment(value: str) -> str:
    if value.endswith("Z"):
        return value[:-4].replace("T", " ") + " UTC"
    return value
