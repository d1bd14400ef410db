"""The tear sheet's two scales: severity of harm and confidence."""

from __future__ import annotations

from conversations.answers.results import Accepted, Parsed, Rejected, normalise_word

SEVERITY = ("negligible", "minor", "moderate", "severe")
CONFIDENCE = ("unverified", "speculative", "confirmed")

# Everyday words people use, mapped onto the tear sheet's confidence scale.
_CONFIDENCE_ALIASES = {
    "unconfirmed": "unverified",
    "suspicious": "unverified",
    "suspicious activity": "unverified",
    "unconfirmed suspicious activity": "unverified",
    "possible": "speculative",
    "probable": "speculative",
    "likely": "speculative",
    "suspected": "speculative",
    "verified": "confirmed",
    "confirmed malicious": "confirmed",
    "certain": "confirmed",
    "malicious": "confirmed",
}
_SEVERITY_ALIASES = {
    "none": "negligible",
    "low": "minor",
    "medium": "moderate",
    "high": "severe",
    "critical": "severe",
}

CONFIDENCE_HINT = (
    "Reply unverified (unconfirmed / suspicious), speculative (possible, likely, "
    "suspected) or confirmed (verified malicious), or 1-3."
)
SEVERITY_HINT = "Reply negligible, minor, moderate or severe (or 1-4; low/medium/high work too)."


def _parse_scale(text: str, scale: tuple[str, ...], aliases: dict[str, str], hint: str) -> Parsed:
    word = normalise_word(text)
    if word.isdecimal() and 1 <= int(word) <= len(scale):
        value = scale[int(word) - 1]
        return Accepted(value, value)
    if word in aliases:
        return Accepted(aliases[word], aliases[word])
    matches = [level for level in scale if word and level.startswith(word)]
    if len(matches) == 1:
        return Accepted(matches[0], matches[0])
    return Rejected(f"I couldn't place that on the scale. {hint}")


def parse_severity(text: str) -> Parsed:
    return _parse_scale(text, SEVERITY, _SEVERITY_ALIASES, SEVERITY_HINT)


def parse_confidence(text: str) -> Parsed:
    return _parse_scale(text, CONFIDENCE, _CONFIDENCE_ALIASES, CONFIDENCE_HINT)
