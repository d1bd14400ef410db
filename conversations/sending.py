"""Sending to JCDC: the confirmation, who may confirm (with the two-person rule), and what
the thread hears about the delivery."""

from __future__ import annotations

from conversations import actions, messages
from conversations.effects import Button, SubmitRequested
from conversations.events import SubmissionOutcome
from conversations.fingerprint import content_fingerprint
from conversations.forms import Forms
from conversations.richtext import code, command_ref, rich, strong
from conversations.state import ReportStatus, SendRequest, SentEmail


class Sending(Forms):
    def fingerprint(self) -> str:
        return content_fingerprint(self.state, self.merge.tlp)

    def unchanged_since_sent(self) -> SentEmail | None:
        """The last e-mail, when the report still says exactly what that e-mail said."""
        last = self.state.delivery.last_sent
        if last is not None and last.fingerprint == self.fingerprint():
            return last
        return None

    def pending_send(self) -> SendRequest | None:
        request = self.state.send_request
        if request is None or len(request.confirmed_by) >= self.policy.confirmations_needed:
            return None
        return request

    def request_send(self) -> None:
        if self.refuse_if_cancelled():
            return
        if self.state.status is ReportStatus.SUBMIT_REQUESTED:
            # Another Send now would queue a second e-mail beside the one still in flight.
            self.tell(
                rich(
                    "This report is already queued for JCDC; I'll post the outcome here. "
                    "Send again once it has gone out."
                )
            )
            return
        # A Send while one waits for confirmation asks again; replacing the request would
        # throw away a first confirmation under the two-person rule.
        request = self.pending_send()
        if request is None:
            request = SendRequest(requested_by=self.actor, requested_at=self.now)
            self.change(send_request=request)
            self.record("send_requested")
        last = self.unchanged_since_sent()
        if last is not None:
            self.post(
                messages.resend_question(self.state, request.requested_by, last),
                self.confirmation_buttons(),
            )
            return
        if not self.policy.confirm_send and self.can_decide():
            self.confirm_send()
            return
        self.post(
            messages.send_confirmation(self.state, self.merge, self.policy, request.requested_by),
            self.confirmation_buttons(),
        )

    def confirm_send(self, resend_unchanged: bool = False) -> None:
        if not self.can_decide():
            self.record("send_confirmation_refused")
            self.refuse_unless_decider("confirm sending to JCDC")
            return
        request = self.state.send_request
        if request is None:
            self.tell(
                rich("No send is waiting for confirmation. Start with ", command_ref("send"), ".")
            )
            return
        needed = self.policy.confirmations_needed
        if len(request.confirmed_by) >= needed:
            names = " and ".join(a.name for a in request.confirmed_by)
            self.tell(
                rich(
                    "Already confirmed by ",
                    strong(names),
                    "; the report is queued. Nothing more to do.",
                )
            )
            return
        # Confirmations are people of this report's workspace; compared as such, a namesake
        # from elsewhere can never count twice or stand in for someone.
        if any(self.is_me(a) for a in request.confirmed_by):
            self.tell(
                rich(
                    "You already confirmed. The two-person rule needs a second, "
                    "different approver (the lead or a configured approver)."
                )
            )
            return
        last = self.unchanged_since_sent()
        if last is not None and not resend_unchanged:
            # Most likely a Confirm button from before the last e-mail went out.
            self.tell(
                messages.unchanged_since(last)
                + rich(" Nothing was sent. Send the same report again?"),
                self.confirmation_buttons(),
            )
            return
        confirmed = request.model_copy(update={"confirmed_by": (*request.confirmed_by, self.actor)})
        if len(confirmed.confirmed_by) < needed:
            self.change(send_request=confirmed)
            self.record("send_confirmed_first")
            self.post(
                rich(
                    strong(self.actor.name),
                    " confirmed. Under the two-person rule a "
                    "second approver must confirm too before anything is sent.",
                ),
                self.confirmation_buttons(),
            )
            return
        self.change(
            send_request=confirmed,
            status=ReportStatus.SUBMIT_REQUESTED,
            delivery=self.state.delivery.model_copy(update={"submitted": self.fingerprint()}),
        )
        self.record("send_confirmed", unchanged=last is not None)
        self.effects.append(
            SubmitRequested(
                report_id=self.state.id,
                report_version=self.state.version + 1,
                requested_by=request.requested_by,
                confirmed_by=confirmed.confirmed_by,
                at=self.now,
            )
        )
        self.post(
            rich(
                "Confirmed by ",
                strong(self.actor.name),
                ". The report, marked ",
                strong(self.merge.tlp),
                ", is queued for ",
                code(self.policy.recipient),
                ". I'll post the outcome here.",
            )
        )

    def confirm_resend(self) -> None:
        """The explicit choice to mail a report again although nothing changed."""
        self.confirm_send(resend_unchanged=True)

    def confirmation_buttons(self) -> tuple[Button, ...]:
        cancel = Button(
            action=actions.CANCEL_SEND, label="Cancel", value=self.state.id, style="danger"
        )
        if self.unchanged_since_sent() is not None:
            again = Button(
                action=actions.RESEND_UNCHANGED,
                label="Send the same report again",
                value=self.state.id,
                style="primary",
            )
            return (again, cancel)
        confirm = Button(
            action=actions.CONFIRM_SEND,
            label="Confirm and send",
            value=self.state.id,
            style="primary",
        )
        return (confirm, cancel)

    def cancel_send(self) -> None:
        request = self.pending_send()
        if request is None:
            self.tell(rich("There is no pending send to cancel."))
            return
        if not (self.can_decide() or self.is_me(request.requested_by)):
            self.tell(
                rich(
                    "Only the lead (",
                    strong(self.state.lead.name),
                    "), an approver or ",
                    strong(request.requested_by.name),
                    ", who asked for this send, can cancel it. Nothing was changed.",
                )
            )
            return
        self.change(send_request=None)
        self.record("send_cancelled")
        self.post(rich("Send cancelled by ", strong(self.actor.name), ". Nothing was sent."))

    def on_submission_outcome(self, event: SubmissionOutcome) -> None:
        if self._state is None:
            return
        when = event.at.strftime("%Y-%m-%d %H:%M UTC")
        if event.outcome == "sent":
            submitted = self.state.delivery.submitted
            # What was confirmed is what went out; a submission queued before fingerprints
            # were recorded leaves nothing to compare the next Send with.
            last_sent = (
                SentEmail(fingerprint=submitted, at=event.at, message_id=event.message_id)
                if submitted is not None
                else None
            )
            self.change(
                status=ReportStatus.SENT,
                send_request=None,
                delivery=self.state.delivery.model_copy(update={"last_sent": last_sent}),
            )
            self.record(
                "submission_sent", submission=event.submission_id, message_id=event.message_id
            )
            self.post(
                rich(
                    strong("Sent to JCDC"),
                    f" ({self.policy.recipient}) at {when}. ",
                    "Message-ID: ",
                    code(event.message_id or "?"),
                    ". Later answers can go out as a follow-up with ",
                    command_ref("send"),
                    ".",
                )
            )
        elif event.outcome == "retrying":
            self.record("submission_delayed", submission=event.submission_id, reason=event.detail)
            retry = (
                event.next_attempt_at.strftime("%Y-%m-%d %H:%M UTC")
                if event.next_attempt_at
                else "shortly"
            )
            self.post(
                rich(
                    strong("Delivery to JCDC is delayed: "),
                    event.detail,
                    f". The report stays queued; next attempt {retry}.",
                )
            )
        else:
            self.change(status=ReportStatus.OPEN, send_request=None)
            self.record("submission_failed", submission=event.submission_id, reason=event.detail)
            self.post(
                rich(
                    strong("Sending to JCDC failed: "),
                    event.detail,
                    ". Nothing was delivered. Ask an administrator to check the mail "
                    "settings, then retry with ",
                    code(f"jcdc-bot outbox retry {event.submission_id}"),
                    " or press Send again.",
                )
            )
