"""What an answer said beyond what its parser took. The extracting kinds (CVE ids, technique
ids, indicators) pick identifiers out of a sentence; the rest of the sentence is the person's
own words about them ("prompt injection" beside T1059, "exfil to X from Y") and is kept as
their note on the item, never thrown away."""

from __future__ import annotations

import re

from pydantic import JsonValue

from conversations.answers.identifiers import CVE_PATTERN, TECHNIQUE_PATTERN
from conversations.answers.indicators import UNDEFANGED_TYPES, defang
from conversations.checklist import AnswerKind, Item

# A note needs at least one word beyond joining words and punctuation.
_WORD = re.compile(r"[^\W\d_]{2,}")
_JOINERS = frozenset({"and", "or", "also", "plus", "the", "id", "ids"})
_SEPARATORS = re.compile(r"^[\s,;:/&+\-.()\[\]]+|[\s,;:/&+\-.()\[\]]+$")
_GAPS = re.compile(r"\s*([,;])(?:\s*[,;])+\s*|\s{2,}")


def leftover_note(item: Item, text: str, value: JsonValue) -> str | None:
    """The words of `text` that the parsed `value` does not hold, or None when nothing
    meaningful is left over."""
    match item.kind:
        case AnswerKind.CVES:
            rest = CVE_PATTERN.sub(" ", text)
        case AnswerKind.TECHNIQUES:
            rest = TECHNIQUE_PATTERN.sub(" ", text)
        case AnswerKind.IOCS:
            return _indicator_note(text, value)
        case _:
            return None
    return _tidy(rest) if _has_words(rest) else None


def _indicator_note(text: str, value: JsonValue) -> str | None:
    """Indicators keep the sentence they came in (their roles), with every indicator in it
    written defanged so that the note links nowhere."""
    rest = text
    shown = text
    for indicator in value if isinstance(value, list) else []:
        if not isinstance(indicator, dict):
            continue
        raw = str(indicator.get("value"))
        # However it was written: live, defanged, or half of each ("c2.evil-example[.]net").
        written = _written_forms(raw)
        rest = written.sub(" ", rest)
        if indicator.get("type") not in UNDEFANGED_TYPES:
            # A replacement template: a backslash a URL may hold is escaped.
            shown = written.sub(defang(raw).replace("\\", "\\\\"), shown)
    return " ".join(shown.split()) if _has_words(rest) else None


# The ways people write a dot, an at sign and a scheme when they defang an indicator.
_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\])"
_AT = r"(?:@|\[@\]|\(@\)|\[at\])"


def _written_forms(value: str) -> re.Pattern[str]:
    """A pattern matching `value` as written live or (partly) defanged, in any case."""
    pattern = "".join(
        _DOT if char == "." else _AT if char == "@" else re.escape(char) for char in value
    )
    pattern = re.sub(r"^http", "h[xt]{2}p", pattern, flags=re.IGNORECASE)
    return re.compile(pattern, re.IGNORECASE)


def _has_words(rest: str) -> bool:
    return any(word.casefold() not in _JOINERS for word in _WORD.findall(rest))


def _tidy(rest: str) -> str:
    flat = " ".join(rest.split())
    flat = _GAPS.sub(lambda m: (m.group(1) + " ") if m.group(1) else " ", flat)
    return _SEPARATORS.sub("", flat)
