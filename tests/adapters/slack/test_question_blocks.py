"""A question as Slack shows it, asked and then answered (golden files): at most three lines
of text above its buttons, with More for the rest; once answered, the same message shows the
answer with its author and an Undo, its choices gone."""

from __future__ import annotations

from pathlib import Path

from adapters.slack.blocks import message_blocks
from conversations import actions
from conversations.checklist import default_checklist
from conversations.effects import EditPost, Post
from conversations.richtext import to_plain
from tests.conversations.harness import ALICE, BOB, Harness
from tests.golden import as_json, check_golden

GOLDEN = Path(__file__).parent / "golden"


def _asked_and_answered() -> tuple[Post, EditPost]:
    h = Harness(default_checklist())
    h.start()
    asked = h.say(ALICE, "amber")  # 0.1; the guide asks 0.3 next
    (question,) = [e for e in asked.effects if isinstance(e, Post)]
    answered = h.say(BOB, "Example Corp, AI platform security team")
    (edit,) = [e for e in answered.effects if isinstance(e, EditPost)]
    return question, edit


def test_a_question_is_three_lines_and_its_buttons() -> None:
    question, _ = _asked_and_answered()
    assert len(to_plain(question.text).splitlines()) <= 3
    assert [b.label for b in question.buttons] == ["More", "Answer section 0 in a form"]
    check_golden(
        GOLDEN / "question_asked.json", as_json(message_blocks(question.text, question.buttons))
    )


def test_an_answered_question_shows_the_answer_its_author_and_undo() -> None:
    _, edit = _asked_and_answered()
    assert to_plain(edit.text) == (
        "\u2713 0.3 Which organisation is reporting? — "
        "Example Corp, AI platform security team (Bob)"
    )
    assert [b.action for b in edit.buttons] == [actions.UNDO]
    check_golden(
        GOLDEN / "question_answered.json", as_json(message_blocks(edit.text, edit.buttons))
    )


def test_more_tells_the_help_example_and_every_way_to_answer_privately() -> None:
    h = Harness(default_checklist())
    h.start()
    assert h.state is not None
    result = h.press(BOB, actions.MORE, f"{h.state.id}:handling.tlp")
    assert [e.kind for e in result.effects] == ["ephemeral"]
    (notice,) = [to_plain(e.text) for e in result.effects if e.kind == "ephemeral"]
    item = default_checklist().item("handling.tlp")
    assert item.help in notice
    assert f"For example: {item.example}" in notice
    assert "Reply clear, green, amber, amber+strict or red" in notice
