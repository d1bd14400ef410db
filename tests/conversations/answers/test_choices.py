"""Single and multiple choice: ids, labels, aliases and numbers; unclear answers explained."""

from __future__ import annotations

import pytest
from pydantic import JsonValue

from conversations.answers import Accepted, Rejected, answer_hint, display_value, parse_answer
from conversations.checklist import AnswerKind, AnswerOption, Item
from tests.conversations.answers.items import item

CHOICE = item(AnswerKind.CHOICE)
MULTI = item(AnswerKind.MULTI_CHOICE)
NUMBERED = "1 Incident; 2 Attempted attack; 3 Command and control; 4 Suspicious activity"


@pytest.mark.parametrize(
    ("text", "value", "display"),
    [
        ("incident", "incident", "Incident"),
        ("  INCIDENT  ", "incident", "Incident"),
        ("Attempted attack.", "attempted_attack", "Attempted attack"),
        ("attempted_attack", "attempted_attack", "Attempted attack"),
        ("attempted attack", "attempted_attack", "Attempted attack"),
        ("attempt", "attempted_attack", "Attempted attack"),
        ("*Breach*", "incident", "Incident"),
        ('"c&c"', "command_and_control", "Command and control"),
        ("command and control", "command_and_control", "Command and control"),
        ("4", "suspicious", "Suspicious activity"),
        ("#2", "attempted_attack", "Attempted attack"),
        ("2)", "attempted_attack", "Attempted attack"),
        ("2) Attempted attack", "attempted_attack", "Attempted attack"),
        ("4 suspicious activity", "suspicious", "Suspicious activity"),
    ],
)
def test_choice_accepts(text: str, value: str, display: str) -> None:
    assert parse_answer(CHOICE, text) == Accepted(value, display)


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("banana", '"banana"'),
        ("0", NUMBERED),
        ("5", NUMBERED),
        ("99999999999", NUMBERED),
        ("3 Incident", NUMBERED),  # the number and the words disagree
        ("incident, attempt", NUMBERED),  # one answer only
    ],
)
def test_choice_rejects_with_the_numbered_options(text: str, mentions: str) -> None:
    parsed = parse_answer(CHOICE, text)
    assert isinstance(parsed, Rejected)
    assert mentions in parsed.reason


def test_an_ambiguous_choice_names_the_candidates() -> None:
    overlapping = Item(
        id="s.i",
        number="1.1",
        question="q?",
        help="h",
        kind=AnswerKind.CHOICE,
        options=(
            AnswerOption(id="known", label="Known", aliases=("named",)),
            AnswerOption(id="named_group", label="Named", aliases=()),
        ),
    )
    parsed = parse_answer(overlapping, "named")
    assert isinstance(parsed, Rejected)
    assert '"named" could mean Known or Named' in parsed.reason
    assert "1 Known; 2 Named" in parsed.reason
    assert parse_answer(overlapping, "2") == Accepted("named_group", "Named")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("incident", ["incident"]),
        ("suspicious activity, 1", ["incident", "suspicious"]),
        ("incident and attempt; incident", ["incident", "attempted_attack"]),
        ("4\n3\n2\n1", ["incident", "attempted_attack", "command_and_control", "suspicious"]),
        ("command and control", ["command_and_control"]),
        ("incident and command and control", ["incident", "command_and_control"]),
        ("c2 & breach", ["incident", "command_and_control"]),
        ("attempted_attack, incident", ["incident", "attempted_attack"]),  # Slack's form values
        ("incident, , ;", ["incident"]),
    ],
)
def test_multi_choice_accepts_in_checklist_order(text: str, value: JsonValue) -> None:
    parsed = parse_answer(MULTI, text)
    assert isinstance(parsed, Accepted), parsed
    assert parsed.value == value


def test_multi_choice_display_lists_labels() -> None:
    parsed = parse_answer(MULTI, "4, c2")
    assert parsed == Accepted(
        ["command_and_control", "suspicious"], "Command and control, Suspicious activity"
    )


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("incident, banana", '"banana"'),
        ("incident and banana", '"banana"'),
        ("1, 9", '"9"'),
        (",,,", "couldn't find an option"),
    ],
)
def test_multi_choice_names_the_part_it_cannot_match(text: str, mentions: str) -> None:
    parsed = parse_answer(MULTI, text)
    assert isinstance(parsed, Rejected)
    assert mentions in parsed.reason
    assert "Suspicious activity" in parsed.reason


def test_option_hints_and_displays() -> None:
    assert answer_hint(CHOICE) == f"Reply with one of: {NUMBERED} (the number is enough)."
    assert NUMBERED in answer_hint(MULTI)
    assert display_value(CHOICE, "suspicious") == "Suspicious activity"
    # A value from an older checklist version still shows, as it was stored.
    assert display_value(CHOICE, "retired_option") == "retired_option"
    assert display_value(MULTI, ["suspicious", "incident", "retired"]) == (
        "Incident, Suspicious activity, retired"
    )
