"""The two outcomes of parsing an answer, and the small text helpers every parser shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from pydantic import JsonValue

# Parsed kinds: one chat message's worth; the indicator extractor slows down roughly
# quadratically on adversarial input beyond this.
MAX_ANSWER_LENGTH = 4000
# Free text runs through no extractor and must fit an adversarial prompt with its response.
MAX_TEXT_ANSWER_LENGTH = 8000

# Chat formatting and sentence punctuation people put around a one-word answer.
_EDGE_PUNCTUATION = " \t\r\n.!?;:,'\"()[]{}<>#*_`~\u2018\u2019\u201c\u201d"
_QUOTE_LIMIT = 60


@dataclass(frozen=True)
class Accepted:
    value: JsonValue
    # How the bot reads the answer back when acknowledging it.
    display: str


@dataclass(frozen=True)
class Rejected:
    # Specific and friendly: what was wrong and what would be accepted.
    reason: str


Parsed: TypeAlias = Accepted | Rejected


def normalise_word(text: str) -> str:
    """Casefold, collapse spaces and drop surrounding punctuation, for matching words."""
    return " ".join(text.strip(_EDGE_PUNCTUATION).casefold().replace("_", " ").split())


def quote(text: str) -> str:
    """The person's own words in a reason, cut short so a long paste is not echoed back."""
    flat = " ".join(text.split())
    if len(flat) > _QUOTE_LIMIT:
        flat = flat[: _QUOTE_LIMIT - 1] + "\u2026"
    return f'"{flat}"'


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
