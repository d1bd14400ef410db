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
        written = WrittenForms(raw)
        rest = written.sub(" ", rest)
        if indicator.get("type") not in UNDEFANGED_TYPES:
            shown = written.sub(defang(raw), shown)
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


# The alternatives of _DOT and _AT as text (lowercase). No form is a prefix of another, so at
# any position at most one of them matches: matching form by form finds what the pattern does.
_DOT_FORMS = (".", "[.]", "(.)", "{.}", "[dot]")
_AT_FORMS = ("@", "[@]", "(@)", "[at]")


class WrittenForms:
    """`_written_forms(value)` as a matcher, without compiling a pattern for every indicator
    of every answer (that cost ~0.5 ms each). On ASCII text and values, where lowercasing is
    the whole of case folding, it matches by hand; anything else goes to the pattern."""

    def __init__(self, value: str) -> None:
        self.value = value
        self._pieces: list[tuple[str, ...]] | None = None
        if value and value.isascii():
            lowered = value.lower()
            scheme = lowered.startswith("http")
            pieces: list[tuple[str, ...]] = []
            for n, char in enumerate(lowered):
                if scheme and n < 4:
                    # ^http became h[xt]{2}p: hxxp, htxp and hxtp are http.
                    pieces.append(("x", "t") if n in (1, 2) else (char,))
                elif char == ".":
                    pieces.append(_DOT_FORMS)
                elif char == "@":
                    pieces.append(_AT_FORMS)
                else:
                    pieces.append((char,))
            self._pieces = pieces

    def sub(self, replacement: str, text: str) -> str:
        """Every occurrence in `text` (leftmost first, not overlapping) → `replacement`,
        taken literally."""
        if self._pieces is None or not text.isascii():
            # re.sub reads a replacement as a template: its backslashes are escaped.
            return _written_forms(self.value).sub(replacement.replace("\\", "\\\\"), text)
        lowered = text.lower()
        out: list[str] = []
        kept = position = 0
        while position < len(text):
            end = self._match(lowered, position)
            if end is None:
                position += 1
                continue
            out += [text[kept:position], replacement]
            kept = position = end
        out.append(text[kept:])
        return "".join(out)

    def _match(self, lowered: str, start: int) -> int | None:
        at = start
        assert self._pieces is not None
        for forms in self._pieces:
            for form in forms:
                if lowered.startswith(form, at):
                    at += len(form)
                    break
            else:
                return None
        return at


def _has_words(rest: str) -> bool:
    return any(word.casefold() not in _JOINERS for word in _WORD.findall(rest))


def _tidy(rest: str) -> str:
    flat = " ".join(rest.split())
    flat = _GAPS.sub(lambda m: (m.group(1) + " ") if m.group(1) else " ", flat)
    return _SEPARATORS.sub("", flat)
