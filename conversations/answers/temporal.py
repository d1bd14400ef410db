"""Dates and times as people write them: one moment, a range ("22:14 UTC to 03:10 UTC"),
"ongoing", and relative forms ("yesterday 22:00", "2 hours ago"). "14:03" alone means different
things to a responder in Berlin and an analyst in Virginia, so a time without a zone is read in
the author's zone (from the platform) and the acknowledgement shows the UTC result, so a wrong
guess is visible. Stored values: "2026-11-20T14:03:00Z", a date "2026-11-20", an ISO 8601
interval "2026-11-20T14:03:00Z/2026-11-21T03:10:00Z", "2026-11-20T14:03:00Z/.." for one still
going on, or "ongoing".

Relative forms are read by dateparser (pinned in pyproject.toml): it knows far more ways of
saying "two hours ago" than a hand-written pattern would, and it takes the base time and zone as
settings, so the turn's time is passed in and the clock is never read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

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
    "2026-11-20T14:03+02:00 (a date alone, 2026-11-20, is fine too), a range "
    '("2026-11-20 14:03 UTC to 2026-11-21 03:10 UTC"), "ongoing", or "2 hours ago".'
)
ONGOING = "ongoing"
_OPEN_END = ".."
_ONGOING_WORDS = re.compile(
    r"^(?:ongoing|still (?:active|ongoing|going on|happening)|active|continuing|not over)$",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\s+(?:to|until|till|through)\s+|\s+[-\u2013\u2014]\s+", re.IGNORECASE)
_SINCE = re.compile(r"^(?:since|from)\s+", re.IGNORECASE)
# Words that say a time is relative to now; only these go to dateparser, so that a typo in an
# absolute time still gets the specific advice below rather than a guess.
_RELATIVE = re.compile(
    r"\b(?:ago|yesterday|today|tonight|now|last|this morning|this afternoon|this evening)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeContext:
    """When and where an answer was written: the turn's time (the base for "2 hours ago") and
    the author's IANA zone as the platform reports it (None when it does not)."""

    now: datetime
    zone: str | None = None


def parse_datetime(text: str, multiple: bool, context: TimeContext | None = None) -> Parsed:
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    if not multiple:
        if len(parts) > 1 and not any(isinstance(parse_span(p, context), Rejected) for p in parts):
            return Rejected("This question takes one date and time; give just the one that fits.")
        parts = [text]
    values: list[str] = []
    shown: list[str] = []
    for part in parts:
        parsed = parse_span(part, context)
        if isinstance(parsed, Rejected):
            return parsed
        value, remark = parsed
        if value not in values:
            values.append(value)
            shown.append(display_moment(value) + remark)
    if multiple:
        return Accepted(list(values), "; ".join(shown))
    return Accepted(values[0], shown[0])


def parse_span(text: str, context: TimeContext | None) -> tuple[str, str] | Rejected:
    """One moment, range or "ongoing" as its stored value, with a remark for the
    acknowledgement when the zone was not written (whose zone it was read in)."""
    cleaned = " ".join(text.split())
    if _ONGOING_WORDS.match(cleaned):
        return ONGOING, ""
    since = _SINCE.match(cleaned)
    ends = _RANGE.split(cleaned[since.end() :] if since else cleaned, maxsplit=1)
    if since and len(ends) == 1:
        ends.append(ONGOING)
    if len(ends) == 1:
        return _moment_with_remark(cleaned, context)
    start = _moment_with_remark(ends[0], context)
    if isinstance(start, Rejected):
        return start
    if _ONGOING_WORDS.match(ends[1].strip()) or ends[1].strip().lower() == "now":
        return f"{start[0]}/{_OPEN_END}", start[1]
    end = _moment_with_remark(ends[1], context)
    if isinstance(end, Rejected):
        return end
    if end[0] < start[0]:
        return Rejected(
            f"{quote(cleaned)} ends before it starts ({display_moment(end[0])} is earlier "
            f"than {display_moment(start[0])}). Give the earlier time first."
        )
    return f"{start[0]}/{end[0]}", start[1] or end[1]


def _moment_with_remark(text: str, context: TimeContext | None) -> tuple[str, str] | Rejected:
    cleaned = " ".join(text.split())
    strict = parse_moment(cleaned)
    if not isinstance(strict, Rejected) or context is None:
        return strict if isinstance(strict, Rejected) else (strict, "")
    zone, zone_name = _zone(context.zone)
    if _RELATIVE.search(cleaned):
        moment = _relative(cleaned, context.now, zone_name)
    else:
        naive = _naive(cleaned)
        moment = None if naive is None else naive.replace(tzinfo=zone)
    if moment is None:
        return strict
    value = _utc_text(moment.astimezone(UTC))
    if context.zone is None or (zone_name == "UTC" and context.zone != "UTC"):
        return value, " (no zone given and I don't know yours, so I read it as UTC)"
    local = moment.astimezone(zone)
    return value, f" (read as {local.hour:02d}:{local.minute:02d} {zone_name}, your time zone)"


def _zone(name: str | None) -> tuple[tzinfo, str]:
    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC, "UTC"


def _naive(text: str) -> datetime | None:
    """An ISO-like date and time written without a zone."""
    if not _DATE_AND_TIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is None else None


def _relative(text: str, now: datetime, zone_name: str) -> datetime | None:
    base = now.astimezone(ZoneInfo(zone_name) if zone_name != "UTC" else UTC)
    settings = {
        "RELATIVE_BASE": base.replace(tzinfo=None),
        "TIMEZONE": zone_name,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
    }
    try:
        moment = dateparser.parse(text, languages=["en"], settings=settings)
    except (ValueError, OverflowError):
        return None
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return None
    return moment


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
    return _utc_text(utc)


def _utc_text(utc: datetime) -> str:
    # Formatted by hand: strftime's %Y does not pad years before 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def display_moment(value: str) -> str:
    """ "2026-11-20T14:03:00Z" as "2026-11-20 14:03 UTC"; seconds only when they matter; a
    range as "A to B", an open one as "since A (ongoing)"."""
    start, slash, end = value.partition("/")
    if slash:
        if end == _OPEN_END:
            return f"since {display_moment(start)} ({ONGOING})"
        return f"{display_moment(start)} to {display_moment(end)}"
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
