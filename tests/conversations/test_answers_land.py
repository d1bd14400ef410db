"""Answers land where the responder meant them (issue 11, items 1-4): a reply answers the
question posted before it by the platform's clock; talk is held until its author says; every
capture has an Undo; choice questions answer with one click."""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations import actions
from conversations.effects import Button, EditPost, Ephemeral, Post
from conversations.events import QuestionPosted
from conversations.state import Contribution
from conversations.turn import Step
from tests.conversations.harness import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    Harness,
    edits,
    notices,
    posts,
    root_cards,
)


def _reply(h: Harness, actor: object, text: str, sent_at: datetime) -> Step:
    event = h.events.message(actor, text)  # type: ignore[arg-type]
    return h.feed(event.model_copy(update={"sent_at": sent_at}))


def _confirm_questions(h: Harness, step: Step, sent_at: datetime) -> None:
    """What the chat worker reports after posting each question of `step`."""
    assert h.state is not None
    for n, effect in enumerate(e for e in step.effects if isinstance(e, Post) and e.question):
        assert effect.question is not None
        h.feed(
            QuestionPosted(
                event_id=f"q:{effect.question}:{sent_at.isoformat()}:{n}",
                platform="internal",
                channel="C1",
                actor=ALICE,
                report_id=h.state.id,
                item_id=effect.question,
                message_id=f"Q-{effect.question}-{n}",
                sent_at=sent_at,
            )
        )


def _buttons(
    step: Step, kind: type[Post] | type[EditPost] | type[Ephemeral] = Post
) -> list[Button]:
    return [b for e in step.effects if isinstance(e, kind) for b in e.buttons]


def _active(h: Harness) -> list[Contribution]:
    assert h.state is not None
    return [c for c in h.state.contributions if c.active]


def _at_org(h: Harness) -> datetime:
    """Start a report, answer 0.1, and have the 0.2 question posted; its platform time."""
    started = h.start()
    _confirm_questions(h, started, h.now)
    answered = h.say(ALICE, "amber")
    assert h.state is not None
    assert h.state.cursor == "handling.org"
    asked_at = h.now + timedelta(seconds=1)
    _confirm_questions(h, answered, asked_at)
    return asked_at


# -- 1. a reply answers the question its author saw ------------------------------------------


def test_three_answers_within_one_second_all_land_on_the_question_they_saw() -> None:
    h = Harness()
    asked_at = _at_org(h)
    # Bob, Carol and Dana answer 0.2 in the same second; the bot gets to them one by one, and
    # Bob's answer moves the cursor to 1.1 before Carol's and Dana's are processed.
    written = asked_at + timedelta(seconds=20)
    h.now = written  # the bot sees them a minute later (each feed adds a minute)
    first = _reply(h, BOB, "Example Corp security team", written)
    assert h.state is not None
    assert h.state.cursor == "description.event_type"
    _confirm_questions(h, first, h.now + timedelta(seconds=1))
    second = _reply(h, CAROL, "Example Corp, AI platform", written + timedelta(milliseconds=300))
    third = _reply(h, DANA, "Example Corp legal", written + timedelta(milliseconds=600))

    org = [c for c in _active(h) if c.item_id == "handling.org"]
    assert [c.author for c in org] == [BOB, CAROL, DANA]
    # Each later answer is added to 0.2's own message, which the thread already shows.
    assert posts(second) == []
    assert posts(third) == []
    assert "Example Corp, AI platform (Carol)" in edits(second)[0]
    (shown,) = edits(third)
    assert "Example Corp security team (Bob); Example Corp, AI platform (Carol); " in shown
    assert "Example Corp legal (Dana)" in shown
    # The cursor stays on the question Bob's answer moved it to.
    assert h.state.cursor == "description.event_type"
    assert not [e for e in second.effects if isinstance(e, Post) and e.question]


def test_simultaneous_answers_to_a_single_valued_question_become_a_conflict() -> None:
    h = Harness()
    asked_at = _at_org(h)
    answered = h.say(BOB, "Example Corp")
    choice_asked = asked_at + timedelta(minutes=5)
    _confirm_questions(h, answered, choice_asked)
    written = choice_asked + timedelta(seconds=3)
    h.now = written
    _reply(h, BOB, "incident", written)
    late = _reply(h, CAROL, "suspicious", written + timedelta(milliseconds=10))
    assert h.state is not None
    values = sorted(str(c.value) for c in _active(h) if c.item_id == "description.event_type")
    assert values == ["incident", "suspicious"]
    assert "Conflicting answers for 1.1" in posts(late)[0]


def test_a_reply_written_after_the_next_question_answers_that_one() -> None:
    h = Harness()
    asked_at = _at_org(h)
    answered = _reply(h, BOB, "Example Corp", asked_at + timedelta(seconds=5))
    _confirm_questions(h, answered, h.now)
    _reply(h, CAROL, "incident", h.now + timedelta(seconds=5))
    assert h.active_values("description.event_type") == ["incident"]


def test_a_reply_binds_to_the_question_it_followed_even_after_a_skip() -> None:
    h = Harness()
    asked_at = _at_org(h)
    skipped = h.say(ALICE, "skip")  # 0.2 skipped: 1.1 is asked
    _confirm_questions(h, skipped, asked_at + timedelta(minutes=3))
    # Bob was typing his answer to 0.2 before the skip's question appeared.
    _reply(h, BOB, "Example Corp", asked_at + timedelta(minutes=2))
    assert h.active_values("handling.org") == ["Example Corp"]
    assert h.active_values("description.event_type") == []


def test_without_platform_times_a_reply_answers_the_current_question() -> None:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    h.say(BOB, "Example Corp")  # sent_at unknown: the cursor decides, as before
    assert h.active_values("handling.org") == ["Example Corp"]


def test_question_posts_are_marked_and_confirmed_once() -> None:
    h = Harness()
    h.start()
    # The root asks the first question; answering it posts the thread's first question.
    answered = h.say(ALICE, "amber")
    (question,) = [e for e in answered.effects if isinstance(e, Post)]
    assert question.question == "handling.org"
    _confirm_questions(h, answered, h.now)
    _confirm_questions(h, answered, h.now)  # a replay changes nothing
    assert h.state is not None
    assert [(q.item_id, q.message_id, q.on_root) for q in h.state.questions if q.message_id] == [
        ("handling.tlp", "ROOT", True),
        ("handling.org", "Q-handling.org-0", False),
    ]


# -- 2. talk is not recorded silently ----------------------------------------------------------


def test_a_question_to_others_is_held_and_its_author_asked() -> None:
    h = Harness()
    _at_org(h)
    held = h.say(BOB, "has anyone paged legal yet?")
    assert h.active_values("handling.org") == []
    assert posts(held) == []
    (notice,) = [e for e in held.effects if isinstance(e, Ephemeral)]
    assert notice.user == BOB
    assert "Record this as your answer to 0.2 Which organisation reports?" in notices(held)[0]
    assert [b.label for b in notice.buttons] == ["Record", "Just talk"]
    assert h.state is not None
    assert len(h.state.pending) == 1


def test_acknowledgements_and_mentions_are_held_too() -> None:
    for text in ("ok thanks", "+1", "lol", "@carol can you check the logs"):
        h = Harness()
        _at_org(h)
        held = h.say(BOB, text)
        assert h.active_values("handling.org") == [], text
        assert "Record this as your answer to 0.2" in notices(held)[0], text


def test_record_stores_the_held_reply_as_its_author_answer() -> None:
    h = Harness()
    _at_org(h)
    held = h.say(BOB, "Example Corp?")
    record = next(b for b in _buttons(held, Ephemeral) if b.action == actions.RECORD_PENDING)
    refused = h.press(CAROL, record.action, record.value)
    assert "Only whoever wrote that reply" in notices(refused)[0]
    recorded = h.press(BOB, record.action, record.value)
    assert h.active_values("handling.org") == ["Example Corp?"]
    assert "\u2713 0.2 Which organisation reports? — Example Corp? (Bob)" in edits(recorded)[0]
    assert h.state is not None
    assert h.state.pending == ()
    again = h.press(BOB, record.action, record.value)
    assert "already settled" in notices(again)[0]


def test_just_talk_records_nothing() -> None:
    h = Harness()
    _at_org(h)
    held = h.say(BOB, "ok thanks")
    talk = next(b for b in _buttons(held, Ephemeral) if b.action == actions.JUST_TALK)
    h.press(BOB, talk.action, talk.value)
    assert h.state is not None
    assert h.state.pending == ()
    assert _active(h) != []
    assert h.active_values("handling.org") == []


def test_deleting_a_held_reply_drops_it() -> None:
    h = Harness()
    _at_org(h)
    h.say(BOB, "lol", message_id="M-LOL")
    h.delete(BOB, "M-LOL")
    assert h.state is not None
    assert h.state.pending == ()


def test_side_remarks_still_say_nothing() -> None:
    h = Harness()
    _at_org(h)
    quiet = h.say(BOB, "// has anyone paged legal yet?")
    assert quiet.effects == ()
    assert h.state is not None
    assert h.state.pending == ()


# -- 3. every capture can be undone in one click ----------------------------------------------


def _undo_of(step: Step) -> Button:
    """The Undo on the answered question's message (or on the author's private notice)."""
    return next(
        b
        for kind in (EditPost, Ephemeral)
        for b in _buttons(step, kind)
        if b.action == actions.UNDO
    )


def test_undo_by_the_author_retracts_the_answer() -> None:
    h = Harness()
    _at_org(h)
    answered = h.say(BOB, "Example Corp", message_id="M-BOB")
    undone = h.press(BOB, actions.UNDO, _undo_of(answered).value)
    assert h.active_values("handling.org") == []
    # The question's message says so, and offers the question again; no new post.
    assert posts(undone) == []
    (shown,) = edits(undone)
    assert "0.2 Which organisation reports? — Bob's answer to 0.2 was withdrawn" in shown
    assert "(undone by Bob). Answer it with `0.2: your answer`." in shown
    assert h.state is not None
    (contribution,) = [c for c in h.state.contributions if c.item_id == "handling.org"]
    assert contribution.retracted_reason == "undone"
    assert "already withdrawn" in notices(h.press(BOB, actions.UNDO, _undo_of(answered).value))[0]


def test_the_lead_may_undo_anyone_else_may_not() -> None:
    h = Harness()
    _at_org(h)
    answered = h.say(BOB, "0.2: Example Corp")
    refused = h.press(CAROL, actions.UNDO, _undo_of(answered).value)
    assert "can undo it" in notices(refused)[0]
    assert h.active_values("handling.org") == ["Example Corp"]
    h.press(ALICE, actions.UNDO, _undo_of(answered).value)
    assert h.active_values("handling.org") == []


# -- 4. choice questions answer with one click -------------------------------------------------


def test_a_choice_question_offers_its_choices_and_a_click_answers_it() -> None:
    h = Harness()
    _at_org(h)
    answered = h.say(BOB, "Example Corp")
    choices = [b for b in _buttons(answered) if b.action == actions.ANSWER]
    assert [b.label for b in choices] == ["Incident", "Attempted attack", "Suspicious activity"]
    clicked = h.press(CAROL, actions.ANSWER, choices[1].value)
    assert h.active_values("description.event_type") == ["attempted_attack"]
    assert h.state is not None
    (contribution,) = [c for c in _active(h) if c.item_id == "description.event_type"]
    assert contribution.author == CAROL
    assert contribution.via == "button"
    assert "\u2713 1.1 What kind of event is it? — Attempted attack (Carol)" in edits(clicked)[0]
    # The used choices are gone from the message: only its Undo is left.
    assert [b.action for b in _buttons(clicked, EditPost)] == [actions.UNDO]
    # The answer moved the questions on, and can be undone like any other.
    assert h.state.cursor == "description.cves"
    h.press(CAROL, actions.UNDO, _undo_of(clicked).value)
    assert h.active_values("description.event_type") == []


def test_the_tlp_question_has_buttons_that_only_the_lead_may_use() -> None:
    h = Harness()
    h.start()
    (card,) = root_cards(h.created)
    assert card.question is not None  # the root asks it, with its buttons
    tlp = {b.label: b for b in card.question.buttons if b.action == actions.ANSWER}
    assert "TLP:AMBER" in tlp
    refused = h.press(BOB, actions.ANSWER, tlp["TLP:AMBER"].value)
    assert h.active_values("handling.tlp") == []
    assert notices(refused)
    h.press(ALICE, actions.ANSWER, tlp["TLP:AMBER"].value)
    assert h.active_values("handling.tlp") == ["TLP:AMBER"]


def test_text_replies_to_a_choice_question_still_work() -> None:
    h = Harness()
    _at_org(h)
    h.say(BOB, "Example Corp")
    h.say(CAROL, "suspicious")
    assert h.active_values("description.event_type") == ["suspicious"]


def test_a_reply_after_the_last_question_was_answered_answers_nothing() -> None:
    h = Harness()
    h.start()
    assert h.state is not None
    while h.state.cursor is not None:
        h.say(ALICE, "skip")
    assert h.state.questions[-1].item_id == ""  # the "all done" note
    _reply(h, BOB, "Example Corp", h.now + timedelta(seconds=5))
    assert h.active_values("handling.org") == []
