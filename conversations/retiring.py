"""Used controls are retired: the message whose button was pressed (Confirm, Cancel, ...) is
edited to say what happened, and loses the buttons that no longer apply. So nobody presses a
stale Confirm, and the thread reads as a record of what was decided, by whom and when."""

from __future__ import annotations

from datetime import UTC

from conversations.effects import Button, ReplacePrivate
from conversations.events import ButtonPressed
from conversations.richtext import RichText, code, rich, strong
from conversations.state import ReportStatus
from conversations.turn import Turn


def pressed_message(turn: Turn) -> str | None:
    """The report's thread message this turn's button was on, when the platform named one."""
    event = turn.event
    if not isinstance(event, ButtonPressed) or event.message_id is None:
        return None
    state = turn.state
    if event.thread is not None and event.thread != state.thread:
        return None  # a card elsewhere (another thread): not this report's to edit
    if event.message_id == state.thread:
        return None  # the root message has buttons of its own, which stay
    return event.message_id


def retire(turn: Turn, text: RichText, buttons: tuple[Button, ...] = ()) -> bool:
    """Edit the message whose button was pressed to `text` (with `buttons`, if any still
    apply). False when there is no such message: the caller posts instead."""
    message_id = pressed_message(turn)
    if message_id is None:
        return False
    turn.edit(message_id, text, buttons)
    return True


def retire_private(turn: Turn, text: RichText) -> bool:
    """Replace the private message whose button was pressed with `text`, when the platform
    can (Slack's ephemeral messages). False when it cannot: the caller tells instead."""
    event = turn.event
    if not isinstance(event, ButtonPressed) or event.private_reply is None:
        return False
    turn.emit(
        ReplacePrivate(
            channel=event.channel, user=turn.actor, reply_to=event.private_reply, text=text
        )
    )
    return True


def at(turn: Turn) -> str:
    """This turn's time as the thread shows it: "10:42 UTC"."""
    return turn.now.astimezone(UTC).strftime("%H:%M UTC")


def send_state(turn: Turn) -> RichText:
    """Where sending stands now, for a click on a control of an earlier moment."""
    state = turn.state
    request = state.send_request
    if state.status is ReportStatus.SUBMIT_REQUESTED and request is not None:
        names = " and ".join(a.name for a in request.confirmed_by) or "the lead"
        return rich(
            "Confirmed by ",
            strong(names),
            f"; the report is queued for {turn.policy.recipient}. The outcome will show here.",
        )
    if state.status is ReportStatus.CANCELLED:
        return rich("This report is cancelled; nothing more is sent.")
    last = state.delivery.last_sent
    if request is None and last is not None:
        when = last.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return rich(
            strong("Sent to JCDC"),
            f" at {when} (Message-ID ",
            code(last.message_id or "unknown"),
            "). Nothing waits for confirmation; Send mails a follow-up.",
        )
    if request is None:
        return rich("No send is waiting for confirmation; Send starts one.")
    names = " and ".join(a.name for a in request.confirmed_by)
    if names:
        return rich("Confirmed by ", strong(names), "; waiting for a second approver.")
    return rich("A send is waiting for the lead's confirmation.")
