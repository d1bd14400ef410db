"""Yes, no or unknown, from the many ways people say them."""

from __future__ import annotations

import re

from conversations.answers.results import Accepted, Parsed, Rejected, normalise_word

YES_NO_LABELS = {"yes": "Yes", "no": "No", "unknown": "Unknown"}
YES_NO_HINT = 'Reply yes, no or unknown (you can add detail after it, e.g. "yes, via a partner").'

_YES = ("yes", "y", "yep", "yup", "yeah", "yea", "true", "correct", "affirmative")
_NO = ("no", "n", "nope", "nah", "false", "negative", "none")
_UNKNOWN = (
    "unknown",
    "not sure",
    "unsure",
    "uncertain",
    "unclear",
    "idk",
    "dunno",
    "don't know",
    "dont know",
    "do not know",
    "i don't know",
    "i dont know",
    "i do not know",
    "not known",
    "not yet known",
    "no idea",
    "n/a",
    "na",
    "not applicable",
    "tbd",
    "to be determined",
)


def _leading(words: tuple[str, ...]) -> re.Pattern[str]:
    # A leading word or phrase, so "yes, via a partner" is a yes whose detail stays in the raw
    # answer; longest first so "no idea" is not read as "no".
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^(?:{alternatives})(?![\w'/])")


_YES_RE = _leading(_YES)
_NO_RE = _leading(_NO)
_UNKNOWN_RE = _leading(_UNKNOWN)


def parse_yes_no(text: str) -> Parsed:
    stripped = text.strip()
    word = normalise_word(stripped.replace("\u2019", "'"))
    if set(stripped) == {"?"} or _UNKNOWN_RE.match(word):
        return _accepted("unknown")
    if _YES_RE.match(word):
        return _accepted("yes")
    if _NO_RE.match(word):
        return _accepted("no")
    return Rejected(YES_NO_HINT)


def _accepted(value: str) -> Accepted:
    return Accepted(value, YES_NO_LABELS[value])
