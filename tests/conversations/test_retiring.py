"""Used buttons are retired (issue 12, item 2): the message that carried Confirm / Cancel is
edited to say what happened, and a click on a stale control gets the current state in
private (and retires that control too)."""

from __future__ import annotations

from conversations import actions
from conversations.effects import EditPost, Ephemeral, Post, ReplacePrivate, SubmitRequested
from conversations.policy import Policy
from conversations.richtext import to_plain
from conversations.state import Actor, ReportStatus
from conversations.turn import Step
from tests.conversations.harness import ALICE, BOB, CAROL, Harness, key, notices, posts

CONFIRMATION = "M-CONFIRM"


def press_on(h: Harness, actor: Actor, action: str, message_id: str | None) -> Step:
    """A click on a button of the thread message `message_id` (as Slack and Teams name it)."""
    assert h.state is not None
    event = h.events.press(actor, action, h.state.id)
    return h.feed(event.model_copy(update={"message_id": message_id}))


def edits_of(result: Step) -> list[EditPost]:
    return [e for e in result.effects if isinstance(e, EditPost)]


def _asked_to_send() -> Harness:
    h = Harness()
    h.start()
    h.say(ALICE, "amber")
    h.command(CAROL, "send")
    return h


def test_confirm_edits_the_confirmation_into_who_confirmed_and_when() -> None:
    h = _asked_to_send()
    result = press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    assert [e for e in result.effects if isinstance(e, SubmitRequested)]
    (edit,) = edits_of(result)
    assert edit.message_id == CONFIRMATION
    assert edit.buttons == ()  # Confirm and Cancel are gone
    text = "".join(s.text for s in edit.text)
    assert text.startswith(f"Confirmed by Alice at {h.now:%H:%M} UTC. The report, marked ")
    # Nothing new in the thread: the confirmation message is the record.
    assert [e for e in result.effects if isinstance(e, Post)] == []


def test_a_confirm_without_a_message_to_edit_is_posted_as_before() -> None:
    h = _asked_to_send()
    result = press_on(h, ALICE, actions.CONFIRM_SEND, None)
    assert edits_of(result) == []
    assert posts(result)[0].startswith("Confirmed by Alice at ")


def test_cancel_edits_the_confirmation_and_posts_nothing() -> None:
    h = _asked_to_send()
    result = press_on(h, CAROL, actions.CANCEL_SEND, CONFIRMATION)
    assert h.state is not None
    assert h.state.send_request is None
    (edit,) = edits_of(result)
    assert (edit.message_id, edit.buttons) == (CONFIRMATION, ())
    assert "".join(s.text for s in edit.text) == (
        f"Send cancelled by Carol at {h.now:%H:%M} UTC. Nothing was sent."
    )
    assert posts(result) == []


def test_the_first_of_two_confirmations_keeps_the_buttons_for_the_second() -> None:
    h = Harness(policy=Policy(approvers=frozenset({key(BOB)}), require_second_approver=True))
    h.start()
    h.command(CAROL, "send")
    result = press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    (edit,) = edits_of(result)
    assert "Alice confirmed at " in "".join(s.text for s in edit.text)
    assert [b.action for b in edit.buttons] == [actions.CONFIRM_SEND, actions.CANCEL_SEND]
    assert posts(result) == []


def test_a_stale_confirm_after_sending_tells_the_state_privately_and_retires_itself() -> None:
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    h.outcome("sent", message_id="<r1.1@jcdc-bot.example>")
    assert h.state is not None
    assert h.state.status is ReportStatus.SENT
    before = h.state
    # An older copy of the buttons (another confirmation message) is pressed after sending.
    stale = press_on(h, ALICE, actions.CONFIRM_SEND, "M-OLD")
    assert h.state == before
    (notice,) = notices(stale)
    assert "No send is waiting for confirmation" in notice
    assert "Sent to JCDC at " in notice
    assert "<r1.1@jcdc-bot.example>" in notice
    assert posts(stale) == []
    (edit,) = edits_of(stale)
    assert edit.message_id == "M-OLD"
    assert edit.buttons == ()
    assert "".join(s.text for s in edit.text).startswith("Sent to JCDC at ")


def test_a_stale_cancel_tells_the_state_and_changes_nothing() -> None:
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    stale = press_on(h, BOB, actions.CANCEL_SEND, CONFIRMATION)
    assert h.state is not None
    assert h.state.status is ReportStatus.SUBMIT_REQUESTED
    (notice,) = notices(stale)
    assert notice.startswith("There is no pending send to cancel. Confirmed by Alice")
    assert [e.message_id for e in edits_of(stale)] == [CONFIRMATION]


def test_buttons_on_the_root_message_are_never_retired() -> None:
    h = _asked_to_send()
    assert h.state is not None
    result = press_on(h, ALICE, actions.CONFIRM_SEND, h.state.thread)
    assert edits_of(result) == []
    assert posts(result)[0].startswith("Confirmed by Alice")


def test_undo_on_a_private_acknowledgement_replaces_it_and_a_second_click_changes_nothing() -> None:
    """A form's acknowledgement is private and carries the form's Undo: once used, that very
    message says what was undone (its Undo gone), where the platform can replace it."""
    h = Harness()
    h.start()
    result = h.form(CAROL, "detection", {"detection.iocs": "evil.example.com"})
    (ack,) = [e for e in result.effects if isinstance(e, Ephemeral) and e.buttons]
    (undo,) = ack.buttons
    assert undo.action == actions.UNDO
    press = h.events.press(CAROL, actions.UNDO, undo.value, "TRIGGER")
    from_ack = press.model_copy(update={"private_reply": "https://hooks.slack.com/actions/T/1"})

    first = h.feed(from_ack)
    (replaced,) = [e for e in first.effects if isinstance(e, ReplacePrivate)]
    assert replaced.reply_to == "https://hooks.slack.com/actions/T/1"
    assert to_plain(replaced.text) == "Undone: the answer to 2.1 was withdrawn."
    assert h.active_values("detection.iocs") == []

    again = h.feed(from_ack.model_copy(update={"event_id": "again"}))
    (stale,) = [e for e in again.effects if isinstance(e, ReplacePrivate)]
    assert to_plain(stale.text) == "That answer was already withdrawn."
    assert notices(again) == []  # replaced, not told a second time


# The outcome of sending is written into the confirmation message (issue 12, item 2):
# "Confirmed by Lena at 10:42 UTC — sent, Message-ID ...", with no new post for a success.


def test_sent_is_written_into_the_confirmation_message_with_no_new_post() -> None:
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    confirmed_at = h.now  # the clock moves on with every turn
    result = h.outcome("sent", message_id="<r1.1@jcdc-bot.example>")
    assert posts(result) == []
    (edit,) = edits_of(result)
    assert (edit.message_id, edit.buttons) == (CONFIRMATION, ())
    text = to_plain(edit.text)
    assert text.startswith(f"Confirmed by Alice at {confirmed_at:%H:%M} UTC — Sent to JCDC ")
    assert "Message-ID `<r1.1@jcdc-bot.example>`" in text
    assert h.state is not None
    assert h.state.status is ReportStatus.SENT


def test_a_follow_up_send_is_written_into_its_own_confirmation() -> None:
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    h.outcome("sent", message_id="<r1.1@jcdc-bot.example>")
    h.say(BOB, "a new answer for the follow-up")
    h.command(CAROL, "send")
    press_on(h, ALICE, actions.CONFIRM_SEND, "M-FOLLOW-UP")
    result = h.outcome("sent", message_id="<r1.2@jcdc-bot.example>")
    assert posts(result) == []
    (edit,) = edits_of(result)
    assert edit.message_id == "M-FOLLOW-UP"
    assert "Message-ID `<r1.2@jcdc-bot.example>`" in to_plain(edit.text)


def test_a_failed_send_is_posted_and_written_into_the_confirmation() -> None:
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    result = h.outcome("failed", detail="the relay answered 554")
    (posted,) = posts(result)
    assert posted.startswith("Sending to JCDC failed: the relay answered 554")
    (edit,) = edits_of(result)
    assert edit.message_id == CONFIRMATION
    assert to_plain(edit.text).startswith("Confirmed by Alice at ")
    assert "Sending to JCDC failed: the relay answered 554" in to_plain(edit.text)


def test_a_delayed_send_updates_the_confirmation_rather_than_posting() -> None:
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    result = h.outcome("retrying", detail="connection refused")
    assert posts(result) == []
    (edit,) = edits_of(result)
    assert edit.message_id == CONFIRMATION
    assert "Delivery to JCDC is delayed: connection refused" in to_plain(edit.text)


def test_without_a_confirmation_message_to_edit_the_outcome_is_posted() -> None:
    """Confirmed by command (or a platform that named no message): nothing to edit."""
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, None)
    result = h.outcome("sent", message_id="<r1.1@jcdc-bot.example>")
    assert edits_of(result) == []
    (posted,) = posts(result)
    assert posted.startswith("Sent to JCDC")


def test_the_confirmation_message_survives_a_restart() -> None:
    """What the outcome edits is saved with the report, not held by the confirming turn."""
    h = _asked_to_send()
    press_on(h, ALICE, actions.CONFIRM_SEND, CONFIRMATION)
    assert h.state is not None
    assert h.state.send_request is not None
    assert h.state.send_request.message == CONFIRMATION
    reloaded = type(h.state).model_validate_json(h.state.model_dump_json())
    assert reloaded.send_request == h.state.send_request
