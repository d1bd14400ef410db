"""Sending to JCDC: the confirmation, who may confirm (with the two-person rule), and what
the thread hears about the delivery."""

from __future__ import annotations

from datetime import UTC

from conversations import actions, messages
from conversations.effects import Button, SubmitRequested
from conversations.events import SubmissionOutcome
from conversations.fingerprint import content_fingerprint
from conversations.permissions import can_decide, is_me, refuse_if_cancelled, refuse_unless_decider
from conversations.retiring import at, pressed_message, retire, send_state
from conversations.richtext import RichText, code, command_ref, rich, strong
from conversations.state import ReportStatus, SendRequest, SentEmail
from conversations.turn import Turn


def fingerprint(turn: Turn) -> str:
    return content_fingerprint(turn.state, turn.merge.tlp)


def unchanged_since_sent(turn: Turn) -> SentEmail | None:
    """The last e-mail, when the report still says exactly what that e-mail said."""
    last = turn.state.delivery.last_sent
    if last is not None and last.fingerprint == fingerprint(turn):
        return last
    return None


def pending_send(turn: Turn) -> SendRequest | None:
    request = turn.state.send_request
    if request is None or len(request.confirmed_by) >= turn.policy.confirmations_needed:
        return None
    return request


def request_send(turn: Turn) -> None:
    if refuse_if_cancelled(turn):
        return
    if turn.state.status is ReportStatus.SUBMIT_REQUESTED:
        # Another Send now would queue a second e-mail beside the one still in flight.
        turn.tell(
            rich(
                "This report is already queued for JCDC; I'll post the outcome here. "
                "Send again once it has gone out."
            )
        )
        return
    # A Send while one waits for confirmation asks again; replacing the request would
    # throw away a first confirmation under the two-person rule.
    request = pending_send(turn)
    if request is None:
        request = SendRequest(requested_by=turn.actor, requested_at=turn.now)
        turn.change(send_request=request)
        turn.record("send_requested")
    last = unchanged_since_sent(turn)
    if last is not None:
        turn.post(
            messages.resend_question(turn.state, request.requested_by, last),
            confirmation_buttons(turn),
        )
        return
    if not turn.policy.confirm_send and can_decide(turn):
        confirm_send(turn)
        return
    turn.post(
        messages.send_confirmation(turn.state, turn.merge, turn.policy, request.requested_by),
        confirmation_buttons(turn),
    )


def confirm_send(turn: Turn, resend_unchanged: bool = False) -> None:
    if not can_decide(turn):
        turn.record("send_confirmation_refused")
        refuse_unless_decider(turn, "confirm sending to JCDC")
        return
    request = turn.state.send_request
    if request is None:
        # A Confirm from before (the send went out, or was cancelled): say where things
        # stand, and retire the button that was pressed.
        turn.tell(
            rich("No send is waiting for confirmation. Start with ", command_ref("send"), ". ")
            + send_state(turn)
        )
        retire(turn, send_state(turn))
        return
    needed = turn.policy.confirmations_needed
    if len(request.confirmed_by) >= needed:
        names = " and ".join(a.name for a in request.confirmed_by)
        turn.tell(
            rich(
                "Already confirmed by ",
                strong(names),
                "; the report is queued. Nothing more to do.",
            )
        )
        retire(turn, send_state(turn))
        return
    # Confirmations are people of this report's workspace; compared as such, a namesake
    # from elsewhere can never count twice or stand in for someone.
    if any(is_me(turn, a) for a in request.confirmed_by):
        turn.tell(
            rich(
                "You already confirmed. The two-person rule needs a second, "
                "different approver (the lead or a configured approver)."
            )
        )
        return
    last = unchanged_since_sent(turn)
    if last is not None and not resend_unchanged:
        # Most likely a Confirm button from before the last e-mail went out.
        turn.tell(
            messages.unchanged_since(last) + rich(" Nothing was sent. Send the same report again?"),
            confirmation_buttons(turn),
        )
        return
    confirmed = request.model_copy(update={"confirmed_by": (*request.confirmed_by, turn.actor)})
    if len(confirmed.confirmed_by) < needed:
        turn.change(send_request=confirmed)
        turn.record("send_confirmed_first")
        first = rich(
            strong(turn.actor.name),
            f" confirmed at {at(turn)}. Under the two-person rule a "
            "second approver must confirm too before anything is sent.",
        )
        # The confirmation message itself says so and keeps its buttons for the second.
        if not retire(turn, first, confirmation_buttons(turn)):
            turn.post(first, confirmation_buttons(turn))
        return
    # The confirmation message, when Confirm was pressed on it, becomes the record of the
    # send: the outcome is written into it later (restart-safe, as it is saved here).
    confirmed = confirmed.model_copy(
        update={"confirmed_at": turn.now, "message": pressed_message(turn)}
    )
    turn.change(
        send_request=confirmed,
        status=ReportStatus.SUBMIT_REQUESTED,
        delivery=turn.state.delivery.model_copy(update={"submitted": fingerprint(turn)}),
    )
    turn.record("send_confirmed", unchanged=last is not None)
    turn.emit(
        SubmitRequested(
            report_id=turn.state.id,
            report_version=turn.state.version + 1,
            requested_by=request.requested_by,
            confirmed_by=confirmed.confirmed_by,
            at=turn.now,
        )
    )
    confirmed_text = rich(
        "Confirmed by ",
        strong(turn.actor.name),
        f" at {at(turn)}. The report, marked ",
        strong(turn.merge.tlp),
        ", is queued for ",
        code(turn.policy.recipient),
        ". The outcome will show here." if confirmed.message else ". I'll post the outcome here.",
    )
    # The message that asked for confirmation becomes the record of it, its buttons gone.
    if not retire(turn, confirmed_text):
        turn.post(confirmed_text)


def confirm_resend(turn: Turn) -> None:
    """The explicit choice to mail a report again although nothing changed."""
    confirm_send(turn, resend_unchanged=True)


def confirmation_buttons(turn: Turn) -> tuple[Button, ...]:
    cancel = Button(action=actions.CANCEL_SEND, label="Cancel", value=turn.state.id, style="danger")
    if unchanged_since_sent(turn) is not None:
        again = Button(
            action=actions.RESEND_UNCHANGED,
            label="Send the same report again",
            value=turn.state.id,
            style="primary",
        )
        return (again, cancel)
    confirm = Button(
        action=actions.CONFIRM_SEND,
        label="Confirm and send",
        value=turn.state.id,
        style="primary",
    )
    return (confirm, cancel)


def cancel_send(turn: Turn) -> None:
    request = pending_send(turn)
    if request is None:
        turn.tell(rich("There is no pending send to cancel. ") + send_state(turn))
        retire(turn, send_state(turn))
        return
    if not (can_decide(turn) or is_me(turn, request.requested_by)):
        turn.tell(
            rich(
                "Only the lead (",
                strong(turn.state.lead.name),
                "), an approver or ",
                strong(request.requested_by.name),
                ", who asked for this send, can cancel it. Nothing was changed.",
            )
        )
        return
    turn.change(send_request=None)
    turn.record("send_cancelled")
    cancelled = rich(
        "Send cancelled by ", strong(turn.actor.name), f" at {at(turn)}. Nothing was sent."
    )
    if not retire(turn, cancelled):
        turn.post(cancelled)


def confirmed_line(request: SendRequest) -> RichText:
    """ "Confirmed by Lena Lead at 10:42 UTC", as the confirmation message records it."""
    names = " and ".join(a.name for a in request.confirmed_by) or "the lead"
    when = f" at {request.confirmed_at.astimezone(UTC):%H:%M} UTC" if request.confirmed_at else ""
    return rich("Confirmed by ", strong(names), when)


def tell_outcome(turn: Turn, request: SendRequest | None, outcome: RichText, post: bool) -> None:
    """Write the outcome into the confirmation message (its record of the send); post it too
    when it needs attention (`post`), or when there is no such message to edit."""
    if request is not None and request.message is not None:
        turn.edit(request.message, confirmed_line(request) + rich(" — ") + outcome)
        if not post:
            return
    turn.post(outcome)


def on_submission_outcome(turn: Turn, event: SubmissionOutcome) -> None:
    when = event.at.strftime("%Y-%m-%d %H:%M UTC")
    request = turn.state.send_request
    if event.outcome == "sent":
        submitted = turn.state.delivery.submitted
        # What was confirmed is what went out; a submission queued before fingerprints
        # were recorded leaves nothing to compare the next Send with.
        last_sent = (
            SentEmail(fingerprint=submitted, at=event.at, message_id=event.message_id)
            if submitted is not None
            else None
        )
        turn.change(
            status=ReportStatus.SENT,
            send_request=None,
            delivery=turn.state.delivery.model_copy(update={"last_sent": last_sent}),
        )
        turn.record("submission_sent", submission=event.submission_id, message_id=event.message_id)
        # Sent is the expected end of a confirmed send, not news needing a new post.
        sent = rich(
            strong("Sent to JCDC"),
            f" ({turn.policy.recipient}) at {when}, ",
            "Message-ID ",
            code(event.message_id or "?"),
            ". Later answers can go out as a follow-up with ",
            command_ref("send"),
            ".",
        )
        tell_outcome(turn, request, sent, post=False)
    elif event.outcome == "retrying":
        turn.record("submission_delayed", submission=event.submission_id, reason=event.detail)
        retry = (
            event.next_attempt_at.strftime("%Y-%m-%d %H:%M UTC")
            if event.next_attempt_at
            else "shortly"
        )
        # Still on its way: the confirmation message says so, rather than a post per retry.
        delayed = rich(
            strong("Delivery to JCDC is delayed: "),
            event.detail,
            f". The report stays queued; next attempt {retry}.",
        )
        tell_outcome(turn, request, delayed, post=False)
    else:
        turn.change(status=ReportStatus.OPEN, send_request=None)
        turn.record("submission_failed", submission=event.submission_id, reason=event.detail)
        failed = rich(
            strong("Sending to JCDC failed: "),
            event.detail,
            ". Nothing was delivered. Ask an administrator to check the mail "
            "settings, then retry with ",
            code(f"jcdc-bot outbox retry {event.submission_id}"),
            " or press Send again.",
        )
        # A failure needs somebody's attention: posted, and the confirmation says so too.
        tell_outcome(turn, request, failed, post=True)
