"""The first question lives on the report's root message (issue 12, "a quiet thread"): the
root asks it with the welcome until the thread asks anything, so a guided session makes one
thread post per answer. Answering it puts the root back to its summary and posts the next
question; its author hears privately what was recorded, with an Undo. The root is never
rewritten as if it were a question's message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conversations.checklist import load_checklist
from conversations.effects import Button, EditPost, Ephemeral, Post, ReplacePrivate, UpdateRoot
from conversations.events import QuestionPosted, RootPosted
from conversations.richtext import to_plain
from conversations.state import PostedQuestion
from conversations.turn import Step
from tests.conversations.harness import (
    ALICE,
    BOB,
    CAROL,
    Harness,
    edits,
    notices,
    posts,
    root_cards,
)

WELCOME = "Report started by @Alice (lead); anyone in the thread can answer."


def _undo_of(step: Step) -> Button:
    (button,) = [
        b for e in step.effects if isinstance(e, Ephemeral) for b in e.buttons if b.action == "undo"
    ]
    return button


def _root_edits(step: Step) -> list[EditPost]:
    """Edits of the root message as if it were a thread message: there must be none."""
    return [e for e in step.effects if isinstance(e, EditPost) and e.message_id == "ROOT"]


def _confirm(h: Harness, step: Step, n: int = 0) -> str:
    """What the chat worker reports once the step's question is posted; its message id."""
    assert h.state is not None
    (question,) = [e for e in step.effects if isinstance(e, Post) and e.question]
    assert question.question is not None
    message_id = f"Q{n}"
    h.feed(
        QuestionPosted(
            event_id=f"q:{message_id}",
            platform="internal",
            channel="C1",
            actor=ALICE,
            report_id=h.state.id,
            item_id=question.question,
            message_id=message_id,
            sent_at=h.now,
        )
    )
    return message_id


# -- created: the root asks, the thread is empty ----------------------------------------------


def test_the_root_carries_the_first_question_and_no_thread_post_is_made() -> None:
    h = Harness()
    opened = h.start()
    (card,) = root_cards(h.created)
    assert card.question is not None
    assert card.question.item_id == "handling.tlp"
    asked = to_plain(card.question.text)
    assert asked.startswith(WELCOME)
    assert "0.1 Which TLP marking applies?  ·  Handling, 1 of 7" in asked
    assert len(asked.splitlines()) <= 3  # the welcome, the question, how to answer
    labels = [b.label for b in card.question.buttons]
    assert "TLP:AMBER" in labels
    assert labels[-2:] == ["More", "Answer section 0 in a form"]
    # The question is shown in full, so not again as the "Now asking" line.
    assert card.current_question is None
    # The root's own buttons stay its own.
    assert [b.label for b in card.buttons] == ["Status", "Preview", "Send to JCDC"]
    # The root's id arrives: nothing is posted, in the thread or anywhere.
    assert opened.effects == ()
    assert h.state is not None
    assert h.state.questions == (
        PostedQuestion(
            item_id="handling.tlp", message_id="ROOT", at=h.state.created_at, on_root=True
        ),
    )
    assert h.state.asking_on_root == "handling.tlp"


def test_a_replayed_root_posted_neither_asks_again_nor_moves_the_question() -> None:
    h = Harness()
    h.start()
    before = h.state
    assert before is not None
    replay = h.feed(
        RootPosted(
            event_id="root-again",
            platform="test",
            channel="C1",
            actor=ALICE,
            report_id=before.id,
            message_id="OTHER",
        )
    )
    assert replay.effects == ()
    assert replay.state == before
    # Still asked on the first root id, and the thread still answers it.
    assert before.questions[0].message_id == "ROOT"
    h.say(ALICE, "amber")
    assert h.active_values("handling.tlp") == ["TLP:AMBER"]
    # Replayed after the answer, too: no second first question.
    again = h.feed(h.events.root_posted(ALICE, "ROOT", event_id="root-late"))
    assert again.effects == ()
    assert h.state is not None
    assert [q.item_id for q in h.state.questions] == ["handling.tlp", "handling.org"]


# -- answered: the root is the summary again, the next question goes to the thread ------------


def test_answering_it_restores_the_root_posts_the_next_and_tells_the_author_with_undo() -> None:
    h = Harness()
    h.start()
    answered = h.say(ALICE, "amber")
    # The next question is the thread's first post, and its only one.
    (question,) = [e for e in answered.effects if isinstance(e, Post)]
    assert question.question == "handling.org"
    assert to_plain(question.text).startswith("0.2 Which organisation reports?")
    # The root is edited back to its summary, which names the question the thread is on.
    (update,) = [e for e in answered.effects if isinstance(e, UpdateRoot)]
    assert update.message_id == "ROOT"
    assert update.card.question is None
    assert update.card.current_question == "0.2 Which organisation reports?"
    assert update.card.answered == 1
    # Nothing rewrites the root (or any thread message) with the acknowledgement.
    assert edits(answered) == []
    # Its author hears privately, with an Undo for exactly this answer.
    (notice,) = [e for e in answered.effects if isinstance(e, Ephemeral)]
    assert notice.user == ALICE
    assert to_plain(notice.text) == "Recorded 0.1 from Alice: TLP:AMBER"
    assert h.state is not None
    (contribution,) = h.state.contributions
    assert _undo_of(answered).value == f"{h.state.id}:{contribution.id}"
    assert h.state.asking_on_root is None


def test_a_choice_pressed_on_the_root_answers_it_the_same_way() -> None:
    h = Harness()
    h.start()
    (card,) = root_cards(h.created)
    assert card.question is not None
    amber = next(b for b in card.question.buttons if b.label == "TLP:AMBER")
    pressed = h.press(ALICE, amber.action, amber.value)
    assert h.active_values("handling.tlp") == ["TLP:AMBER"]
    assert _root_edits(pressed) == []
    assert "Recorded 0.1 from Alice" in notices(pressed)[0]
    assert [e.question for e in pressed.effects if isinstance(e, Post)] == ["handling.org"]
    assert root_cards(pressed)[-1].question is None


def test_a_direct_answer_to_it_moves_on_as_a_reply_does() -> None:
    h = Harness()
    h.start()
    answered = h.say(ALICE, "0.1: green")
    assert h.active_values("handling.tlp") == ["TLP:GREEN"]
    assert _root_edits(answered) == []
    assert edits(answered) == []
    assert "Recorded 0.1 from Alice: TLP:GREEN" in notices(answered)[0]
    _undo_of(answered)
    assert [e.question for e in answered.effects if isinstance(e, Post)] == ["handling.org"]
    assert root_cards(answered)[-1].question is None


def test_a_form_answering_it_moves_on_and_keeps_the_root_a_summary() -> None:
    h = Harness()
    h.start()
    submitted = h.form(ALICE, "handling", {"handling.tlp": "red", "handling.org": "Example Corp"})
    assert h.active_values("handling.tlp") == ["TLP:RED"]
    assert edits(submitted) == []  # neither the root nor a thread message
    (notice,) = notices(submitted)
    assert notice.startswith("Alice answered section 0 in a form: 0.1, 0.2")
    _undo_of(submitted)
    # Both of the form's items are answered: the guide moves past them, in the thread.
    assert [e.question for e in submitted.effects if isinstance(e, Post)] == [
        "description.event_type"
    ]
    assert root_cards(submitted)[-1].question is None


def test_skip_next_and_later_each_put_the_root_back() -> None:
    skipped = Harness()
    skipped.start()
    step = skipped.say(BOB, "skip")
    assert edits(step) == []
    (post,) = posts(step)
    assert post.startswith("Skipped 0.1.\n0.2 Which organisation reports?")
    assert root_cards(step)[-1].question is None

    moved = Harness()
    moved.start()
    step = moved.say(BOB, "next")
    assert [e.question for e in step.effects if isinstance(e, Post)] == ["handling.org"]
    assert root_cards(step)[-1].question is None

    paused = Harness()
    paused.start()
    step = paused.say(BOB, "later")
    (card,) = root_cards(step)
    assert card.question is None
    assert card.current_question is None
    # Resumed, the question is asked in the thread, as a post of its own.
    resumed = paused.say(BOB, "resume")
    assert [e.question for e in resumed.effects if isinstance(e, Post)] == ["handling.tlp"]
    (card,) = root_cards(resumed)
    assert card.question is None  # the root stays the summary, naming it as asked
    assert card.current_question == "0.1 Which TLP marking applies?"


# -- afterwards: undo, a conflict, back ------------------------------------------------------


def test_undo_of_its_answer_is_private_and_the_root_stays_a_summary() -> None:
    h = Harness()
    h.start()
    answered = h.say(ALICE, "amber")
    undo = _undo_of(answered)
    h.say(BOB, "Example Corp")  # 0.2, on its own thread message
    refused = h.press(BOB, undo.action, undo.value)
    assert h.active_values("handling.tlp") == ["TLP:AMBER"]  # not Bob's to undo
    assert "Only whoever gave the answer to 0.1" in notices(refused)[0]

    undone = h.press(ALICE, undo.action, undo.value)
    assert h.active_values("handling.tlp") == []
    # Acknowledged privately, undone privately: no thread post, no edit of the root.
    assert posts(undone) == []
    assert edits(undone) == []
    assert notices(undone) == ["Undone: the answer to 0.1 was withdrawn."]
    # The root stays the summary (the thread has asked since), counting one answer fewer.
    (card,) = root_cards(undone)
    assert card.question is None
    assert card.answered == 1
    # No other answer is lost, and the guide stays where it was.
    assert h.active_values("handling.org") == ["Example Corp"]
    assert h.state is not None
    assert h.state.cursor == "description.event_type"


def test_undo_pressed_on_the_private_acknowledgement_replaces_it() -> None:
    h = Harness()
    h.start()
    undo = _undo_of(h.say(ALICE, "amber"))
    press = h.events.press(ALICE, undo.action, undo.value)
    undone = h.feed(press.model_copy(update={"private_reply": "https://hooks.example/1"}))
    (replaced,) = [e for e in undone.effects if isinstance(e, ReplacePrivate)]
    assert to_plain(replaced.text) == "Undone: the answer to 0.1 was withdrawn."
    assert notices(undone) == []  # said once, where the Undo was
    assert posts(undone) == []
    assert edits(undone) == []


_CHOICE_FIRST = """\
version: "test-choice-first"
title: "A checklist whose first question is a choice"
source: "jcdc-bot tests"
sections:
  - id: description
    number: 1
    title: Description
    intro: What happened.
    items:
      - id: description.event_type
        number: "1.1"
        question: What kind of event is it?
        help: Pick one.
        kind: choice
        options:
          - {id: incident, label: Incident}
          - {id: suspicious, label: Suspicious activity}
      - id: description.summary
        number: "1.2"
        question: What happened?
        help: In a few words.
        kind: text
"""


def test_a_conflict_on_it_is_posted_and_settling_it_leaves_the_root_alone(
    tmp_path: Path,
) -> None:
    checklist = tmp_path / "checklist.yaml"
    checklist.write_text(_CHOICE_FIRST, "utf-8")
    h = Harness(checklist=load_checklist(checklist))
    h.start()
    written = h.now + timedelta(seconds=30)
    first = h.feed(h.events.message(BOB, "incident").model_copy(update={"sent_at": written}))
    assert [e.question for e in first.effects if isinstance(e, Post)] == ["description.summary"]
    _confirm(h, first)
    # Carol wrote her answer to the root's question before 1.2 appeared: it is 1.1's.
    late = h.feed(
        h.events.message(CAROL, "suspicious").model_copy(
            update={"sent_at": written + timedelta(milliseconds=200)}
        )
    )
    assert sorted(map(str, h.active_values("description.event_type"))) == [
        "incident",
        "suspicious",
    ]
    # The conflict needs the lead: the thread hears it; Carol's answer has its Undo.
    (conflict,) = posts(late)
    assert conflict.startswith("Conflicting answers for 1.1")
    assert _root_edits(late) == []
    _undo_of(late)
    (card,) = root_cards(late)
    assert card.open_conflicts == ("1.1",)
    assert card.question is None

    settled = h.command(ALICE, "resolve 1.1 1")
    assert _root_edits(settled) == []
    assert edits(settled) == []
    assert "settled 1.1" in posts(settled)[0]
    assert root_cards(settled)[-1].open_conflicts == ()


def test_back_to_it_asks_it_in_the_thread_and_its_answer_edits_that_message() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "skip")
    back = h.say(ALICE, "back")
    (question,) = [e for e in back.effects if isinstance(e, Post)]
    assert question.question == "handling.tlp"
    assert "Back to 0.1" in to_plain(question.text)
    assert root_cards(back)[-1].question is None  # asked in the thread, not on the root
    message_id = _confirm(h, back, 1)
    answered = h.say(ALICE, "red")
    assert h.active_values("handling.tlp") == ["TLP:RED"]
    (edit,) = [e for e in answered.effects if isinstance(e, EditPost)]
    assert edit.message_id == message_id
    assert "\u2713 0.1 Which TLP marking applies? — TLP:RED (Alice)" in to_plain(edit.text)
    assert not [e for e in answered.effects if isinstance(e, Ephemeral)]
