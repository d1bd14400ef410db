"""The tear sheet's two ordered scales: severity of harm and confidence in the report."""

from __future__ import annotations

import re
from collections.abc import Mapping

from conversations.answers.results import Accepted, Parsed, Rejected, normalise_word, quote

SEVERITY = ("negligible", "minor", "moderate", "severe")
CONFIDENCE = ("unverified", "speculative", "confirmed")

# Everyday words mapped onto the tear sheet's words. Each alias names exactly one level and is
# looked up before prefixes, so "suspected" cannot also be read as a prefix of anything.
_SEVERITY_ALIASES: Mapping[str, str] = {
    "none": "negligible",
    "low": "minor",
    "medium": "moderate",
    "high": "severe",
    "critical": "severe",
}
_CONFIDENCE_ALIASES: Mapping[str, str] = {
    "unconfirmed": "unverified",
    "not confirmed": "unverified",
    "not verified": "unverified",
    "suspicious": "unverified",
    "suspicious activity": "unverified",
    "suspected activity": "unverified",
    "possible": "speculative",
    "probable": "speculative",
    "likely": "speculative",
    "suspected": "speculative",
    "verified": "confirmed",
    "confirmed malicious": "confirmed",
    "malicious": "confirmed",
    "certain": "confirmed",
}
# Detail after the level: "likely - the payload matches", "confirmed (sample in hand)".
_DETAIL = re.compile(r"[,;:(\n]|\s[-\u2013\u2014]\s")


def _hint(scale: tuple[str, ...], aliases: Mapping[str, str]) -> str:
    levels = []
    for number, level in enumerate(scale, start=1):
        also = [alias for alias, target in aliases.items() if target == level]
        levels.append(f"{number} {level}" + (f" ({', '.join(also)})" if also else ""))
    return f"Reply {', '.join(levels[:-1])} or {levels[-1]}."


SEVERITY_HINT = _hint(SEVERITY, _SEVERITY_ALIASES)
CONFIDENCE_HINT = _hint(CONFIDENCE, _CONFIDENCE_ALIASES)


def parse_severity(text: str) -> Parsed:
    return _parse_scale(text, "severity", SEVERITY, _SEVERITY_ALIASES, SEVERITY_HINT)


def parse_confidence(text: str) -> Parsed:
    return _parse_scale(text, "confidence", CONFIDENCE, _CONFIDENCE_ALIASES, CONFIDENCE_HINT)


def _parse_scale(
    text: str, name: str, scale: tuple[str, ...], aliases: Mapping[str, str], hint: str
) -> Parsed:
    head = _DETAIL.split(text, maxsplit=1)[0]
    for candidate in dict.fromkeys((normalise_word(text), normalise_word(head))):
        levels = _levels(candidate, scale, aliases)
        if len(levels) == 1:
            return Accepted(levels[0], levels[0])
        if len(levels) > 1:
            return Rejected(f"{quote(candidate)} could be {' or '.join(levels)}. {hint}")
    return Rejected(f"I couldn't place {quote(text)} on the {name} scale. {hint}")


def _levels(word: str, scale: tuple[str, ...], aliases: Mapping[str, str]) -> list[str]:
    if not word:
        return []
    if word.isdecimal():
        return [scale[int(word) - 1]] if len(word) == 1 and 1 <= int(word) <= len(scale) else []
    if word in aliases:
        return [aliases[word]]
    return [level for level in scale if level.startswith(word)]
