"""Yes, no or unknown, however people phrase it."""

from __future__ import annotations

import pytest

from conversations.answers import Accepted, Rejected, answer_hint, display_value, parse_answer
from conversations.checklist import AnswerKind
from tests.conversations.answers.items import item

YES_NO = item(AnswerKind.YES_NO)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("Y", "yes"),
        ("Yep!", "yes"),
        ("true", "yes"),
        ("yes, via a partner", "yes"),
        ("Yes - through the vendor", "yes"),
        ("no", "no"),
        ("N", "no"),
        ("nope.", "no"),
        ("false", "no"),
        ("no, not that we know", "no"),
        ("unknown", "unknown"),
        ("not sure yet", "unknown"),
        ("Unsure", "unknown"),
        ("idk", "unknown"),
        ("?", "unknown"),
        ("???", "unknown"),
        ("don't know", "unknown"),
        ("I don\u2019t know", "unknown"),
        ("no idea", "unknown"),
        ("n/a", "unknown"),
        ("N/A", "unknown"),
    ],
)
def test_yes_no_accepts(text: str, value: str) -> None:
    assert parse_answer(YES_NO, text) == Accepted(value, value.capitalize())


@pytest.mark.parametrize("text", ["maybe", "nobody", "yesterday", "not really", "yess"])
def test_yes_no_rejects(text: str) -> None:
    parsed = parse_answer(YES_NO, text)
    assert isinstance(parsed, Rejected)
    assert "Reply yes, no or unknown" in parsed.reason


def test_yes_no_hint_and_display() -> None:
    assert answer_hint(YES_NO).startswith("Reply yes, no or unknown")
    assert display_value(YES_NO, "unknown") == "Unknown"
