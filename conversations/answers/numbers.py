"""Counts and estimates: "1200", "about 1.2k", "100-200", "at least 50"."""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import JsonValue

from conversations.answers.results import Accepted, Parsed, Rejected, quote

NUMBER_HINT = "Give a number or an estimate, e.g. 1200, about 1.2k, 100-200 or at least 50."
# Nothing JCDC asks to count comes near this; beyond it a typo is likelier than a real figure.
_LARGEST = Decimal(10) ** 15

# Alternatives are tried in order, so a longer word comes before its own abbreviation.
_APPROXIMATE_PREFIX = re.compile(
    r"^(?:~|\u2248|about|approximately|approx\.?|around|roughly|circa|ca\.|some|"
    r"an estimated|estimated|est\.?|nearly|almost)\s*"
)
_AT_LEAST_PREFIX = re.compile(
    r"^(?:>=?|\u2265|at least|more than|over|above|upwards of|minimum|min\.?)\s*"
)
# "between 100 and 200" is a range however it is introduced.
_NEUTRAL_PREFIX = re.compile(r"^between\s+")
_UPPER_BOUND = re.compile(
    r"^(?:<|\u2264|less than|fewer than|under|below|up to|at most|max)|"
    r"\bor (?:less|fewer)\b"
)
_AMOUNT = r"(\d+(?:[.,]\d+)*)(?:\s*(thousand|million|billion|bn|k|m|b)(?![a-z]))?"
_SHAPE = re.compile(rf"^{_AMOUNT}(?:\s*(?:-|to|and)\s*{_AMOUNT})?(?P<rest>\D*)$", re.ASCII)
_OPEN_ENDED_SUFFIX = re.compile(r"^\s*\+|\bor more\b|\bplus\b|\band (?:up|above|over)\b")
_APPROXIMATE_SUFFIX = re.compile(
    r"^\s*-?ish\b|\bor so\b|\bapprox|\bestimated\b|\best\b|\broughly\b"
)
_SCALES = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_DASHES = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
)


def parse_number(text: str) -> Parsed:
    cleaned = " ".join(text.translate(_DASHES).lower().split()).rstrip(".!")
    approximate = open_ended = False
    while True:
        if (m := _APPROXIMATE_PREFIX.match(cleaned)) is not None:
            approximate, cleaned = True, cleaned[m.end() :]
        elif (m := _AT_LEAST_PREFIX.match(cleaned)) is not None:
            open_ended, cleaned = True, cleaned[m.end() :]
        elif (m := _NEUTRAL_PREFIX.match(cleaned)) is not None:
            cleaned = cleaned[m.end() :]
        else:
            break
    if _UPPER_BOUND.search(cleaned):
        return Rejected(
            "I can't record only an upper bound. Give a range such as 0-50 "
            "or an estimate such as about 40."
        )
    if re.match(r"^-\s*\d", cleaned):
        return Rejected(f"A count can't be negative. {NUMBER_HINT}")
    shape = _SHAPE.match(cleaned)
    if shape is None:
        return Rejected(f"I couldn't read a number in {quote(text)}. {NUMBER_HINT}")
    low_digits, low_scale, high_digits, high_scale, rest = shape.groups()
    open_ended = open_ended or bool(_OPEN_ENDED_SUFFIX.search(rest))
    approximate = approximate or bool(_APPROXIMATE_SUFFIX.search(rest))
    # "1-2k" means 1,000-2,000: the lower bound borrows the upper bound's scale.
    low = _amount(low_digits, low_scale or high_scale)
    high = _amount(high_digits, high_scale) if high_digits is not None else low
    if low is None or high is None:
        return Rejected(f"I couldn't read a number in {quote(text)}. {NUMBER_HINT}")
    if max(low, high) > _LARGEST:
        return Rejected(f"That number is too large to be a count. {NUMBER_HINT}")
    if high < low:
        return Rejected(f"The range runs backwards ({low:,} to {high:,}). {NUMBER_HINT}")
    if open_ended and high_digits is not None:
        return Rejected(
            "A range can't also be open-ended. Give a range (100-200) or a lower bound "
            "(at least 100)."
        )
    value: dict[str, JsonValue] = {
        "low": _json_number(low),
        "high": None if open_ended else _json_number(high),
        "approximate": approximate,
    }
    return Accepted(value, display_number(value))


def display_number(value: JsonValue) -> str:
    if not isinstance(value, dict):
        return str(value)
    low, high = value.get("low"), value.get("high")
    about = "about " if value.get("approximate") is True else ""
    if high is None:
        return f"at least {about}{_format(low)}"
    if high == low:
        return f"{about}{_format(low)}"
    return f"{about}{_format(low)}-{_format(high)}"


def _amount(digits: str, scale: str | None) -> Decimal | None:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")
    elif digits.count(",") == 1 and "." not in digits:
        # "1,5" from people who write decimals with a comma; "1,200" was handled above.
        digits = digits.replace(",", ".")
    if "," in digits or digits.count(".") > 1 or len(digits) > 40:
        return None
    return Decimal(digits) * _SCALES.get(scale or "", 1)


def _json_number(number: Decimal) -> int | float:
    # Decimal arithmetic keeps "1.1k" at exactly 1100 where float would give 1100.0000000000002.
    return int(number) if number == number.to_integral_value() else float(number)


def _format(number: JsonValue) -> str:
    if isinstance(number, bool) or not isinstance(number, int | float):
        return str(number)
    if isinstance(number, int):
        return f"{number:,}"
    return f"{Decimal(repr(number)):,f}"
