"""The root message's data: the current question and the state of sending."""

from __future__ import annotations

from conversations import messages
from conversations.effects import RootCard
from conversations.merge import merge_report
from conversations.richtext import to_plain
from tests.conversations.harness import ALICE, BOB, CAROL, Harness
from tests.conversations.test_sending import sent_once


def card_of(h: Harness) -> RootCard:
    assert h.state is not None
    return messages.root_card(
        h.state, merge_report(h.state, h.checklist, h.policy.default_tlp), h.checklist
    )


def test_a_new_report_shows_the_question_asked_and_no_sending_state() -> None:
    h = Harness()
    h.start()
    card = card_of(h)
    assert h.state is not None
    assert h.state.cursor is not None
    # The root asks the first question itself (not as a line: in full, with its buttons).
    first = h.checklist.item(h.state.cursor)
    assert card.question is not None
    assert card.current_question is None
    assert f"{first.number} {first.question}" in to_plain(card.question.text)
    assert card.sent_at is None
    assert card.sending_note is None
    # Once answered, the root is the summary again, naming the question the thread is on.
    h.say(ALICE, "amber")
    card = card_of(h)
    item = h.checklist.item(h.state.cursor)
    assert card.question is None
    assert card.current_question == f"{item.number} {item.question}"


def test_answers_after_sending_are_counted_and_the_follow_up_is_named() -> None:
    h = Harness()
    h.start()
    sent_once(h)
    card = card_of(h)
    assert card.sent_at is not None
    assert card.answers_since_sent == 0
    assert card.sending_note == f"sent {card.sent_at:%H:%M} UTC — up to date"
    h.say(BOB, "2.2: 12")
    h.say(CAROL, "2.2: 40")  # a second answer, in conflict: still an answer
    card = card_of(h)
    assert card.answers_since_sent == 2
    assert card.sending_note is not None
    assert "2 new answers since; /jcdc send mails a follow-up" in card.sending_note
