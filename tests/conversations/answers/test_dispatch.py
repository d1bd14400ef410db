"""What holds for every kind: empty and oversized answers, free text, hints, splitting."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from conversations.answers import (
    MAX_ANSWER_LENGTH,
    MAX_TEXT_ANSWER_LENGTH,
    Accepted,
    Rejected,
    answer_hint,
    answer_limit,
    display_value,
    parse_answer,
    split_value,
)
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item


def test_the_limit_is_one_chat_message() -> None:
    assert MAX_ANSWER_LENGTH == 4000


@pytest.mark.parametrize("kind", list(AnswerKind))
@pytest.mark.parametrize("text", ["", " ", "  \n\t ", "\u00a0\u2003"])
def test_empty_answers_are_rejected(kind: AnswerKind, text: str) -> None:
    parsed = parse_answer(item(kind), text)
    assert isinstance(parsed, Rejected)
    assert parsed.reason.startswith("That answer is empty.")
    assert answer_hint(item(kind)) in parsed.reason


@pytest.mark.parametrize("kind", list(AnswerKind))
def test_oversized_answers_are_rejected_whatever_the_kind(kind: AnswerKind) -> None:
    limit = answer_limit(item(kind))
    assert limit == (MAX_TEXT_ANSWER_LENGTH if kind is AnswerKind.TEXT else MAX_ANSWER_LENGTH)
    oversized = ("CVE-2024-3094 " * 700)[: limit + 1]
    parsed = parse_answer(item(kind), oversized)
    assert parsed == Rejected(
        f"That answer has {limit + 1:,} characters; the limit is {limit:,}. Split it over "
        "several replies, or summarise it and keep the full text for an attachment to the email."
    )


def test_free_text_takes_a_long_adversarial_prompt() -> None:
    assert MAX_TEXT_ANSWER_LENGTH == 8000
    assert isinstance(parse_answer(item(AnswerKind.TEXT), "x" * MAX_TEXT_ANSWER_LENGTH), Accepted)


@pytest.mark.parametrize("kind", list(AnswerKind))
def test_nul_characters_are_refused(kind: AnswerKind) -> None:
    parsed = parse_answer(item(kind), "amber\x00 CVE-2024-3094")
    assert parsed == Rejected(
        "That answer contains a NUL character; please paste it again as text."
    )


@pytest.mark.parametrize("kind", list(AnswerKind))
def test_every_kind_has_a_one_line_hint(kind: AnswerKind) -> None:
    hint = answer_hint(item(kind))
    assert hint.endswith(".")
    assert "\n" not in hint


def test_text_is_kept_verbatim_apart_from_surrounding_whitespace() -> None:
    text = "  Prompt injected via a *support* ticket:\n\n  <b>ignore</b>\tprevious  \n"
    parsed = parse_answer(item(AnswerKind.TEXT), text)
    assert isinstance(parsed, Accepted)
    assert parsed.value == "Prompt injected via a *support* ticket:\n\n  <b>ignore</b>\tprevious"
    assert parsed.display == parsed.value
    assert display_value(item(AnswerKind.TEXT), parsed.value) == parsed.value


def test_a_long_text_is_acknowledged_by_its_start_and_kept_whole() -> None:
    text = "word " * 500
    parsed = parse_answer(item(AnswerKind.TEXT), text)
    assert isinstance(parsed, Accepted)
    assert parsed.value == text.strip()
    assert len(parsed.display) <= 300
    assert parsed.display.endswith("\u2026")
    assert display_value(item(AnswerKind.TEXT), parsed.value) == text.strip()


@pytest.mark.parametrize(
    ("kind", "multiple", "value", "elements"),
    [
        (
            AnswerKind.IOCS,
            None,
            [{"type": "ipv4", "value": "1.2.3.4"}, {"type": "domain", "value": "evil.com"}],
            [{"type": "ipv4", "value": "1.2.3.4"}, {"type": "domain", "value": "evil.com"}],
        ),
        (AnswerKind.CVES, None, ["CVE-2024-3094"], ["CVE-2024-3094"]),
        (AnswerKind.MULTI_CHOICE, None, ["incident", "suspicious"], ["incident", "suspicious"]),
        (
            AnswerKind.TECHNIQUES,
            None,
            [{"framework": "attack", "id": "T1059"}],
            [{"framework": "attack", "id": "T1059"}],
        ),
        (AnswerKind.DATETIME, True, ["2026-11-20", "2026-11-21"], ["2026-11-20", "2026-11-21"]),
        (AnswerKind.TEXT, None, "a, b and c", ["a, b and c"]),
        (AnswerKind.CONFIDENCE, None, "confirmed", ["confirmed"]),
        (AnswerKind.DATETIME, None, "2026-11-20", ["2026-11-20"]),
        (
            AnswerKind.NUMBER,
            None,
            {"low": 1, "high": 2, "approximate": False},
            [{"low": 1, "high": 2, "approximate": False}],
        ),
        # Single-valued by the item's override: the whole list is one answer.
        (AnswerKind.MULTI_CHOICE, False, ["incident", "suspicious"], [["incident", "suspicious"]]),
    ],
)
def test_split_value(
    kind: AnswerKind, multiple: bool | None, value: JsonValue, elements: list[JsonValue]
) -> None:
    assert split_value(item(kind, multiple), value) == elements
