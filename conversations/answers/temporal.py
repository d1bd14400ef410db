"""Dates and times. A time must carry its zone: "14:03" alone means different things to a
responder in Berlin and an analyst in Virginia."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from conversations.answers.results import Accepted, Parsed, Rejected, quote

# "UTC", "GMT" or "Z", optionally with an offset ("UTC+2", "GMT-05:00").
_ZONE_WORD = re.compile(
    r"\s*(?:UTC|GMT|Z)(?:\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE | re.ASCII
)
# Names such as CET or EST: ambiguous (IST is three different zones) and unknown to ISO 8601.
_ZONE_NAME = re.compile(r"\s([A-Za-z]{2,5})$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATE_AND_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}", re.ASCII)
_SEPARATORS = re.compile(r"[;\n,]")
DATETIME_HINT = (
    "Give a date and time with its zone, e.g. 2026-11-20 14:03 UTC or "
    "2026-11-20T14:03+02:00 (a date alone, 2026-11-20, is fine too)."
)


def parse_datetime(text: str, multiple: bool) -> Parsed:
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    if not multiple:
        if len(parts) > 1 and not any(isinstance(parse_moment(p), Rejected) for p in parts):
            return Rejected("This question takes one date and time; give just the one that fits.")
        parts = [text]
    moments: list[str] = []
    for part in parts:
        parsed = parse_moment(part)
        if isinstance(parsed, Rejected):
            return parsed
        if parsed not in moments:
            moments.append(parsed)
    shown = "; ".join(display_moment(m) for m in moments)
    if multiple:
        return Accepted(list(moments), shown)
    return Accepted(moments[0], shown)


def parse_moment(text: str) -> str | Rejected:
    """One moment as UTC ISO-8601 with seconds ("2026-11-20T14:03:00Z"), or a date alone."""
    cleaned = " ".join(text.split())
    day = _ZONE_WORD.sub("", cleaned)
    if _DATE_ONLY.match(day):
        try:
            return date.fromisoformat(day).isoformat()
        except ValueError:
            return Rejected(f"{quote(cleaned)} is not a real date. {DATETIME_HINT}")
    try:
        moment = datetime.fromisoformat(_ZONE_WORD.sub(_offset, cleaned))
    except ValueError:
        return _unreadable(cleaned)
    if moment.tzinfo is None:
        return Rejected(
            f"{quote(cleaned)} has no time zone. Add one, e.g. {cleaned} UTC or {cleaned}+02:00."
        )
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        return Rejected(f"{quote(cleaned)} is out of range. {DATETIME_HINT}")
    # Formatted by hand: strftime's %Y does not pad years before 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def display_moment(value: str) -> str:
    """ "2026-11-20T14:03:00Z" as "2026-11-20 14:03 UTC"; seconds only when they matter."""
    if len(value) == 20 and value.endswith("Z") and "T" in value:
        return value[:-1].replace("T", " ").removesuffix(":00") + " UTC"
    return value


def _offset(match: re.Match[str]) -> str:
    sign, hours, minutes = match.groups()
    if sign is None:
        return "+00:00"
    return f"{sign}{int(hours):02d}:{minutes or '00'}"


def _unreadable(cleaned: str) -> Rejected:
    zone = _ZONE_NAME.search(cleaned)
    if zone is not None and _DATE_AND_TIME.match(cleaned) and not _ZONE_WORD.search(cleaned):
        local = cleaned[: zone.start()]
        if zone.group(1).upper() in ("AM", "PM"):
            return Rejected(
                f"Use the 24-hour clock with a zone, e.g. {local[:10]} 14:03 UTC, "
                f"rather than {zone.group(1)}."
            )
        return Rejected(
            f"I can't use the zone name {zone.group(1)}: zone abbreviations are ambiguous. "
            f"Give the offset instead, e.g. {local}+01:00, or the time in UTC."
        )
    if _DATE_AND_TIME.match(cleaned):
        return Rejected(f"{quote(cleaned)} is not a real date and time. {DATETIME_HINT}")
    return Rejected(f"I couldn't read {quote(cleaned)} as a date and time. {DATETIME_HINT}")
