"""Answer parsing and validation, one answer kind at a time. Pure: no I/O, no clock.

`parse_answer` never raises: whatever a person types yields either an Accepted value (stored
as JSON, its shape fixed per kind) or a Rejected reason that says what would be accepted.
"""

from __future__ import annotations

from pydantic import JsonValue

from conversations.answers.choices import option_lines, parse_choice, parse_multi_choice
from conversations.answers.identifiers import (
    CVE_HINT,
    TECHNIQUE_HINT,
    acknowledge_techniques,
    display_cves,
    display_techniques,
    parse_cves,
    parse_techniques,
)
from conversations.answers.indicators import IOC_HINT, defang, display_iocs, parse_iocs
from conversations.answers.numbers import NUMBER_HINT, display_number, parse_number
from conversations.answers.results import (
    MAX_ANSWER_LENGTH,
    MAX_TEXT_ANSWER_LENGTH,
    Accepted,
    Parsed,
    Rejected,
)
from conversations.answers.scales import (
    CONFIDENCE,
    CONFIDENCE_HINT,
    SEVERITY,
    SEVERITY_HINT,
    parse_confidence,
    parse_severity,
)
from conversations.answers.temporal import (
    DATETIME_HINT,
    TimeContext,
    display_moment,
    parse_datetime,
)
from conversations.answers.tlp import TLP_HINT, TLP_LABELS, parse_tlp, tlp_meaning
from conversations.answers.yes_no import YES_NO_HINT, YES_NO_LABELS, parse_yes_no
from conversations.checklist import AnswerKind, Item

__all__ = [
    "CONFIDENCE",
    "MAX_ANSWER_LENGTH",
    "MAX_TEXT_ANSWER_LENGTH",
    "SEVERITY",
    "TLP_LABELS",
    "Accepted",
    "Parsed",
    "Rejected",
    "TimeContext",
    "acknowledgement",
    "answer_choices",
    "answer_hint",
    "answer_limit",
    "defang",
    "display_value",
    "parse_answer",
    "split_value",
    "tlp_meaning",
]

# The acknowledgement of a long free-text answer quotes its start; the report keeps it whole.
_TEXT_DISPLAY_LIMIT = 300


def answer_limit(item: Item) -> int:
    """The longest answer this item takes, in characters."""
    return MAX_TEXT_ANSWER_LENGTH if item.kind is AnswerKind.TEXT else MAX_ANSWER_LENGTH


def parse_answer(item: Item, text: str, context: TimeContext | None = None) -> Parsed:
    """`context` (the turn's time and the author's zone) lets a time be written without a
    zone or relative to now; without it a time must carry its zone."""
    if not text.strip():
        return Rejected(f"That answer is empty. {answer_hint(item)}")
    if "\x00" in text:
        # Neither PostgreSQL text nor JSONB can hold a NUL; it is never part of a real answer.
        return Rejected("That answer contains a NUL character; please paste it again as text.")
    limit = answer_limit(item)
    if len(text) > limit:
        return Rejected(
            f"That answer has {len(text):,} characters; the limit is {limit:,}. "
            "Split it over several replies, or summarise it and keep the full text for an "
            "attachment to the email."
        )
    match item.kind:
        case AnswerKind.TEXT:
            answer = text.strip()
            return Accepted(answer, _shorten(answer))
        case AnswerKind.CHOICE:
            return parse_choice(item, text)
        case AnswerKind.MULTI_CHOICE:
            return parse_multi_choice(item, text)
        case AnswerKind.YES_NO:
            return parse_yes_no(text)
        case AnswerKind.DATETIME:
            return parse_datetime(text, multiple=item.accumulates, context=context)
        case AnswerKind.NUMBER:
            return parse_number(text)
        case AnswerKind.SEVERITY:
            return parse_severity(text)
        case AnswerKind.CONFIDENCE:
            return parse_confidence(text)
        case AnswerKind.IOCS:
            return parse_iocs(text)
        case AnswerKind.CVES:
            return parse_cves(text)
        case AnswerKind.TECHNIQUES:
            return parse_techniques(text)
        case AnswerKind.TLP:
            return parse_tlp(text)


def display_value(item: Item, value: JsonValue) -> str:
    """A stored value as people read it, with indicators defanged. Total: a value of an
    unexpected shape (from an older checklist, say) is shown as it is, never an error."""
    match item.kind:
        case AnswerKind.CHOICE:
            return next((o.label for o in item.options if o.id == value), str(value))
        case AnswerKind.MULTI_CHOICE:
            chosen = [str(v) for v in value] if isinstance(value, list) else [str(value)]
            labels = {o.id: o.label for o in item.options}
            known = [o.label for o in item.options if o.id in chosen]
            return ", ".join(known + [c for c in chosen if c not in labels])
        case AnswerKind.YES_NO:
            return YES_NO_LABELS.get(str(value), str(value))
        case AnswerKind.DATETIME:
            moments = value if isinstance(value, list) else [value]
            return "; ".join(display_moment(str(m)) for m in moments)
        case AnswerKind.NUMBER:
            return display_number(value)
        case AnswerKind.IOCS:
            return display_iocs(value)
        case AnswerKind.CVES:
            return display_cves(value)
        case AnswerKind.TECHNIQUES:
            return display_techniques(value)
        case AnswerKind.TEXT | AnswerKind.SEVERITY | AnswerKind.CONFIDENCE | AnswerKind.TLP:
            return str(value)


def acknowledgement(item: Item, value: JsonValue) -> str:
    """How the bot reads a new answer back: as displayed, plus what the person should know
    about it (a deprecated or revoked technique and its replacement)."""
    if item.kind is AnswerKind.TECHNIQUES:
        return acknowledge_techniques(value)
    return display_value(item, value)


def answer_choices(item: Item) -> tuple[str, ...]:
    """The stored values a picker offers for this item, in order (`display_value` gives their
    labels); empty for the kinds people type."""
    match item.kind:
        case AnswerKind.CHOICE | AnswerKind.MULTI_CHOICE:
            return tuple(option.id for option in item.options)
        case AnswerKind.YES_NO:
            return tuple(YES_NO_LABELS)
        case AnswerKind.SEVERITY:
            return SEVERITY
        case AnswerKind.CONFIDENCE:
            return CONFIDENCE
        case AnswerKind.TLP:
            return TLP_LABELS
        case _:
            return ()


def split_value(item: Item, value: JsonValue) -> list[JsonValue]:
    """The elements that several responders' answers to an accumulating item are the union
    of: an indicator list gives its indicators, a text gives itself. A single-valued item's
    answer is one element, even when it is a list."""
    if item.accumulates and isinstance(value, list) and item.kind is not AnswerKind.TEXT:
        return list(value)
    return [value]


def answer_hint(item: Item) -> str:
    """One line telling people how to answer an item of this kind."""
    match item.kind:
        case AnswerKind.TEXT:
            return "Reply in your own words."
        case AnswerKind.CHOICE:
            return f"Reply with one of: {option_lines(item)} (the number is enough)."
        case AnswerKind.MULTI_CHOICE:
            return (
                f"Reply with one or more of: {option_lines(item)}, separated by commas "
                "(numbers are enough)."
            )
        case AnswerKind.YES_NO:
            return YES_NO_HINT
        case AnswerKind.DATETIME:
            several = " Separate several with semicolons." if item.accumulates else ""
            return DATETIME_HINT + several
        case AnswerKind.NUMBER:
            return NUMBER_HINT
        case AnswerKind.SEVERITY:
            return SEVERITY_HINT
        case AnswerKind.CONFIDENCE:
            return CONFIDENCE_HINT
        case AnswerKind.IOCS:
            return IOC_HINT
        case AnswerKind.CVES:
            return CVE_HINT
        case AnswerKind.TECHNIQUES:
            return TECHNIQUE_HINT
        case AnswerKind.TLP:
            return TLP_HINT


def _shorten(text: str) -> str:
    if len(text) <= _TEXT_DISPLAY_LIMIT:
        return text
    return text[: _TEXT_DISPLAY_LIMIT - 1].rstrip() + "\u2026"
