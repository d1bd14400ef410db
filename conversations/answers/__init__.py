"""Answer parsing and validation, one answer kind at a time. Pure: no I/O, no clock.

`parse_answer` never raises: whatever a person types yields either an Accepted value (stored
as JSON, its shape fixed per kind) or a Rejected reason that says what would be accepted.
"""

from __future__ import annotations

from pydantic import JsonValue

from conversations.answers.choices import (
    YES_NO_LABELS,
    option_lines,
    parse_choice,
    parse_multi_choice,
    parse_yes_no,
)
from conversations.answers.identifiers import (
    CVE_HINT,
    TECHNIQUE_HINT,
    display_techniques,
    parse_cves,
    parse_techniques,
)
from conversations.answers.indicators import IOC_HINT, defang, display_iocs, parse_iocs
from conversations.answers.numbers import NUMBER_HINT, display_number, parse_number
from conversations.answers.results import MAX_ANSWER_LENGTH, Accepted, Parsed, Rejected
from conversations.answers.scales import (
    CONFIDENCE_HINT,
    SEVERITY_HINT,
    parse_confidence,
    parse_severity,
)
from conversations.answers.temporal import DATETIME_HINT, display_moment, parse_datetime
from conversations.answers.tlp import TLP_HINT, TLP_LABELS, parse_tlp, tlp_meaning
from conversations.checklist import AnswerKind, Item

__all__ = [
    "MAX_ANSWER_LENGTH",
    "TLP_LABELS",
    "Accepted",
    "Parsed",
    "Rejected",
    "answer_hint",
    "defang",
    "display_value",
    "parse_answer",
    "split_value",
    "tlp_meaning",
]


def parse_answer(item: Item, text: str) -> Parsed:
    if not text.strip():
        return Rejected("That answer is empty.")
    if len(text) > MAX_ANSWER_LENGTH:
        return Rejected(
            f"That answer has {len(text):,} characters; the limit is "
            f"{MAX_ANSWER_LENGTH:,}. Split it over several replies, or summarise "
            "and keep the full text for the attachment to the email."
        )
    match item.kind:
        case AnswerKind.TEXT:
            return Accepted(text.strip(), text.strip())
        case AnswerKind.CHOICE:
            return parse_choice(item, text)
        case AnswerKind.MULTI_CHOICE:
            return parse_multi_choice(item, text)
        case AnswerKind.YES_NO:
            return parse_yes_no(text)
        case AnswerKind.DATETIME:
            return parse_datetime(text, multiple=item.accumulates)
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
    """A stored value as people read it (indicators defanged)."""
    match item.kind:
        case AnswerKind.CHOICE:
            return next((o.label for o in item.options if o.id == value), str(value))
        case AnswerKind.MULTI_CHOICE:
            chosen = value if isinstance(value, list) else [value]
            return ", ".join(o.label for o in item.options if o.id in chosen)
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
            return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        case AnswerKind.TECHNIQUES:
            return display_techniques(value)
        case _:
            return str(value)


def split_value(item: Item, value: JsonValue) -> list[JsonValue]:
    """The elements that several responders' answers to an accumulating item add up from."""
    if isinstance(value, list) and item.kind is not AnswerKind.TEXT:
        return list(value)
    return [value]


def answer_hint(item: Item) -> str:
    match item.kind:
        case AnswerKind.TEXT:
            return "Reply in your own words."
        case AnswerKind.CHOICE:
            return f"Reply with one of: {option_lines(item)}."
        case AnswerKind.MULTI_CHOICE:
            return f"Reply with one or more of: {option_lines(item)}."
        case AnswerKind.YES_NO:
            return "Reply yes, no or unknown."
        case AnswerKind.DATETIME:
            extra = " Separate several with semicolons." if item.accumulates else ""
            return DATETIME_HINT + extra
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
