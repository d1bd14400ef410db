"""Issue 11, rule 4, for every kind it names: choice, yes/no, scale (severity, confidence) and
TLP questions carry their answers as buttons on the question itself; one click records the
answer, attributed to whoever clicked; the kinds people type get no answer buttons."""

from __future__ import annotations

from conversations import actions
from conversations.answers import answer_choices
from conversations.checklist import AnswerKind, default_checklist
from conversations.effects import Post
from tests.conversations.harness import ALICE, CAROL, Harness

ONE_CLICK = {
    AnswerKind.CHOICE,
    AnswerKind.MULTI_CHOICE,
    AnswerKind.YES_NO,
    AnswerKind.SEVERITY,
    AnswerKind.CONFIDENCE,
}


def test_every_one_click_kind_is_answered_by_a_click_on_its_question() -> None:
    h = Harness(default_checklist())
    h.start()
    h.say(ALICE, "amber")
    clicked_kinds = set()
    assert h.state is not None
    while h.state.cursor is not None:
        item = h.checklist.item(h.state.cursor)
        (question,) = [e for e in h.last.effects if isinstance(e, Post) and e.question == item.id]
        answers = [b for b in question.buttons if b.action == actions.ANSWER]
        if item.kind not in ONE_CLICK:
            assert answers == [], item.number
            h.say(ALICE, "skip")
            continue
        choices = list(answer_choices(item))
        if not answers:
            # More choices than fit on a question: the section's form offers them.
            assert len(choices) > 8, item.number
            h.say(ALICE, "skip")
            continue
        assert [b.value.rpartition(":")[2] for b in answers] == choices, item.number
        h.press(CAROL, actions.ANSWER, answers[-1].value)
        (recorded,) = [c for c in h.state.contributions if c.item_id == item.id and c.active]
        assert (recorded.author, recorded.via) == (CAROL, "button"), item.number
        clicked_kinds.add(item.kind)
    assert {AnswerKind.YES_NO, AnswerKind.SEVERITY, AnswerKind.CONFIDENCE} <= clicked_kinds
