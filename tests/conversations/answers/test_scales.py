"""The severity and confidence scales: words, unique prefixes, numbers and everyday aliases."""

from __future__ import annotations

import re

import pytest

from conversations.answers import (
    CONFIDENCE,
    SEVERITY,
    Accepted,
    Rejected,
    answer_hint,
    parse_answer,
)
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

SEVERITY_ITEM = item(AnswerKind.SEVERITY)
CONFIDENCE_ITEM = item(AnswerKind.CONFIDENCE)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("negligible", "negligible"),
        ("Moderate", "moderate"),
        ("SEVERE!", "severe"),
        ("sev", "severe"),
        ("mi", "minor"),
        ("n", "negligible"),
        ("1", "negligible"),
        ("4", "severe"),
        ("low", "minor"),
        ("medium", "moderate"),
        ("critical", "severe"),
        ("severe - customer data lost", "severe"),
        ("moderate (we think)", "moderate"),
    ],
)
def test_severity_accepts(text: str, value: str) -> None:
    assert parse_answer(SEVERITY_ITEM, text) == Accepted(value, value)


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("m", "could be minor or moderate"),
        ("0", '"0" on the severity scale'),
        ("5", '"5" on the severity scale'),
        ("catastrophic", "1 negligible (none), 2 minor (low), 3 moderate (medium)"),
    ],
)
def test_severity_rejects(text: str, mentions: str) -> None:
    parsed = parse_answer(SEVERITY_ITEM, text)
    assert isinstance(parsed, Rejected)
    assert mentions in parsed.reason


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("confirmed", "confirmed"),
        ("Unverified", "unverified"),
        ("spec", "speculative"),
        ("1", "unverified"),
        ("2", "speculative"),
        ("3", "confirmed"),
        ("unconfirmed", "unverified"),
        ("suspicious", "unverified"),
        ("suspicious activity", "unverified"),
        ("suspected activity", "unverified"),
        ("not confirmed", "unverified"),
        ("possible", "speculative"),
        ("probable", "speculative"),
        ("likely - the payload matches", "speculative"),
        ("suspected", "speculative"),
        ("verified", "confirmed"),
        ("confirmed malicious", "confirmed"),
        ("certain", "confirmed"),
    ],
)
def test_confidence_accepts(text: str, value: str) -> None:
    assert parse_answer(CONFIDENCE_ITEM, text) == Accepted(value, value)


@pytest.mark.parametrize("text", ["very", "4", "high", "su"])
def test_confidence_rejects_with_the_mapping(text: str) -> None:
    parsed = parse_answer(CONFIDENCE_ITEM, text)
    assert isinstance(parsed, Rejected)
    assert "1 unverified (unconfirmed" in parsed.reason


def test_hints_document_the_mapping() -> None:
    assert answer_hint(SEVERITY_ITEM) == (
        "Reply 1 negligible (none), 2 minor (low), 3 moderate (medium) "
        "or 4 severe (high, critical)."
    )
    assert answer_hint(CONFIDENCE_ITEM).startswith(
        "Reply 1 unverified (unconfirmed, not confirmed, not verified, suspicious, "
    )


@pytest.mark.parametrize(
    ("kind", "scale"),
    [(AnswerKind.SEVERITY, SEVERITY), (AnswerKind.CONFIDENCE, CONFIDENCE)],
)
def test_every_word_in_the_hint_lands_on_its_level(
    kind: AnswerKind, scale: tuple[str, ...]
) -> None:
    levels = re.findall(r"(\d) (\w+)(?: \(([^)]*)\))?", answer_hint(item(kind)))
    assert [level for _, level, _ in levels] == list(scale)
    for number, level, aliases in levels:
        for word in [number, level, *filter(None, aliases.split(", "))]:
            assert parse_answer(item(kind), word) == Accepted(level, level), word
