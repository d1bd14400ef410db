"""Parsing what people type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.commands import Command, parse_command, parse_thread_keyword
from conversations.replies import DirectAnswer, is_side_remark, parse_direct_answer
from conversations.richtext import (
    code,
    command_ref,
    mention,
    rich,
    strong,
    to_plain,
    user_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "new Prompt injection in support copilot",
            Command("new", "Prompt injection in support copilot"),
        ),
        ("  STATUS  ", Command("status", "")),
        ("assign 4 <@U123>", Command("assign", "4 <@U123>")),
        ("submit", Command("send", "")),
        ("pause", Command("later", "")),
        ("", Command("help", "")),
        ("?", Command("help", "")),
        ("tlp: amber", Command("tlp", "amber")),
    ],
)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.2: gpt-4o-mini fine-tune, v3", DirectAnswer("4.2", "gpt-4o-mini fine-tune, v3")),
        ("  10.11 = x", DirectAnswer("10.11", "x")),
        ("1.5:confirmed", DirectAnswer("1.5", "confirmed")),
        ("2.1: line one\nline two", DirectAnswer("2.1", "line one\nline two")),
        # Issue 11: the colon is often forgotten; the engine decides whether a loose one counts.
        ("4.2 OpenAI", DirectAnswer("4.2", "OpenAI", loose=True)),
        ("4.2) OpenAI", DirectAnswer("4.2", "OpenAI")),
        ("4.2 - OpenAI", DirectAnswer("4.2", "OpenAI")),
        ("4.2 \u2013 OpenAI", DirectAnswer("4.2", "OpenAI")),
        ("4.2 -5 degrees", None),
        ("3.5", None),
        ("version 4.2: shipped", None),
        ("1.2.3.4: scanning", None),
    ],
)
def test_parse_direct_answer(text: str, expected: DirectAnswer | None) -> None:
    assert parse_direct_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("skip", "skip"),
        ("Skip.", "skip"),
        ("BACK", "back"),
        ("pause", "later"),
        ("continue", "resume"),
        ("skip this one", None),
        ("help", "help"),
        ("", None),
    ],
)
def test_parse_thread_keyword(text: str, expected: str | None) -> None:
    assert parse_thread_keyword(text) == expected


def test_side_remarks() -> None:
    assert is_side_remark("  // not an answer")
    assert not is_side_remark("http://example.com")


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    parse_command(text)
    parse_direct_answer(text)
    parse_thread_keyword(text)
    is_side_remark(text)


def test_rich_text_plain_rendering() -> None:
    text = rich(
        "Hi ",
        mention("U1", "Alice"),
        ", ",
        strong("1.2"),
        " ",
        code("x"),
        " ",
        user_text("<@here>"),
    )
    assert to_plain(text) == "Hi @Alice, 1.2 `x` <@here>"
    assert [span.style for span in text] == [
        "plain",
        "mention",
        "plain",
        "strong",
        "plain",
        "code",
        "plain",
        "user",
    ]


def test_commands_are_spans_each_platform_words_its_own_way() -> None:
    text = rich("Use ", command_ref("send"), " when ready.")
    assert to_plain(text) == "Use `/jcdc send` when ready."
    assert to_plain(text, command_prefix="@JCDC") == "Use `@JCDC send` when ready."
