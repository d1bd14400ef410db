"""The two outcomes of parsing an answer."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue

# Long enough for an adversarial prompt and its response; longer belongs in an attachment.
MAX_ANSWER_LENGTH = 8000


@dataclass(frozen=True)
class Accepted:
    value: JsonValue
    # How the bot reads the answer back when acknowledging it.
    display: str


@dataclass(frozen=True)
class Rejected:
    # Specific and friendly: what was wrong and what would be accepted.
    reason: str


Parsed = Accepted | Rejected


def normalise_word(text: str) -> str:
    """Lowercase, trim, collapse spaces and drop surrounding punctuation for word matching."""
    return " ".join(text.strip().strip(".!?;:,'\"()[]").lower().replace("_", " ").split())
