"""Counts and estimates: "1200", "about 1.2k", "100-200", "at least 50"."""

from __future__ import annotations

import re

from pydantic import JsonValue

from conversations.answers.results import Accepted, Parsed, Rejected

_NUMBER = r"(\d+(?:[.,]\d+)*)\s*([kKmMbB])?"
_APPROXIMATE = re.compile(
    r"^(?:~|about|approx\.?|approximately|around|roughly|circa|ca\.?"
    r"|some|est\.?|estimated)\s*",
    re.IGNORECASE,
)
_AT_LEAST = re.compile(
    r"^(?:>=?|at\s+least|more\s+than|over|above|min\.?|minimum)\s*", re.IGNORECASE
)
_SINGLE = re.compile(rf"^{_NUMBER}(\+)?$")
_RANGE = re.compile(rf"^{_NUMBER}\s*(?:-|\u2013|to)\s*{_NUMBER}$", re.IGNORECASE)
_SCALE = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
NUMBER_HINT = "Give a number or an estimate, e.g. 1200, about 1.2k, 100-200 or at least 50."


def _to_number(digits: str, suffix: str | None) -> int | float | None:
    # "1,200" groups thousands; "1,5" alone is read as 1.5 for people who write decimals so.
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", digits):
        digits = digits.replace(",", "")
    else:
        digits = digits.replace(",", ".")
    if digits.count(".") > 1:
        return None
    value = float(digits) * _SCALE.get((suffix or "").lower(), 1)
    return int(value) if value.is_integer() else value


def parse_number(text: str) -> Parsed:
    cleaned = text.strip().lower().removesuffix("users").removesuffix("people").strip()
    approximate = bool(_APPROXIMATE.match(cleaned))
    cleaned = _APPROXIMATE.sub("", cleaned)
    open_ended = bool(_AT_LEAST.match(cleaned))
    cleaned = _AT_LEAST.sub("", cleaned)
    low: int | float | None
    high: int | float | None
    if (single := _SINGLE.match(cleaned)) is not None:
        low = _to_number(single.group(1), single.group(2))
        open_ended = open_ended or bool(single.group(3))
        high = None if open_ended else low
    elif (span := _RANGE.match(cleaned)) is not None and not open_ended:
        low = _to_number(span.group(1), span.group(2))
        high = _to_number(span.group(3), span.group(4) or span.group(2))
        if low is not None and high is not None and high < low:
            return Rejected(f"The range runs backwards ({low} to {high}). {NUMBER_HINT}")
    else:
        return Rejected(f"I couldn't read a number in that. {NUMBER_HINT}")
    if low is None:
        return Rejected(f"I couldn't read a number in that. {NUMBER_HINT}")
    value: dict[str, JsonValue] = {"low": low, "high": high, "approximate": approximate}
    return Accepted(value, display_number(value))


def display_number(value: JsonValue) -> str:
    if not isinstance(value, dict):
        return str(value)
    low, high = value.get("low"), value.get("high")
    prefix = "about " if value.get("approximate") else ""
    if high is None:
        return f"{prefix}at least {_fmt(low)}"
    if high == low:
        return f"{prefix}{_fmt(low)}"
    return f"{prefix}{_fmt(low)}-{_fmt(high)}"


def _fmt(number: JsonValue) -> str:
    if isinstance(number, int):
        return f"{number:,}"
    if isinstance(number, float):
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(number)
