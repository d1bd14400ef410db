"""The conversation engine: `(state, event, checklist, now) -> (state, effects)`, nothing else.

No I/O, no clock, no platform: the turn runner loads the state, calls `step`, saves the new
state and performs the effects. Every input — however odd — yields a step; mistakes become a
friendly ephemeral notice and leave the report as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from conversations import actions, messages
from conversations.checklist import Checklist
from conversations.commands import Command, parse_command
from conversations.coordination import Coordination
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    Event,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    RootPosted,
    SubmissionOutcome,
)
from conversations.ids import report_id_for
from conversations.policy import Policy
from conversations.richtext import command_ref, rich, user_text
from conversations.state import ReportState
from conversations.turn import Step

__all__ = ["Step", "report_id_for", "step"]

_CommandHandler = Callable[[Command], None]


def step(
    state: ReportState | None,
    event: Event,
    checklist: Checklist,
    now: datetime,
    policy: Policy | None = None,
    new_report_id: str | None = None,
) -> Step:
    """One turn. `new_report_id` is the id a report started in this turn gets: the runner
    passes a fresh random one, so that nobody can work a report's id out from public data
    (Slack trigger ids, timestamps). Left out, the id is derived from the event, which keeps
    pure tests and property tests deterministic; that fallback is for tests only."""
    turn = _Turn(state, event, checklist, now, policy or Policy(), new_report_id)
    if not turn.from_report_space():
        turn.refuse_outsider()
        return turn.finish()
    match event:
        case CommandIssued():
            turn.on_command(event)
        case MessagePosted():
            turn.on_message(event)
        case MessageEdited():
            turn.on_edit(event)
        case MessageDeleted():
            turn.on_delete(event)
        case FormSubmitted():
            turn.on_form(event)
        case ButtonPressed():
            turn.on_button(event)
        case RootPosted():
            turn.on_root_posted(event)
        case SubmissionOutcome():
            turn.on_submission_outcome(event)
    return turn.finish()


class _Turn(Coordination):
    """Routes each event and command to the behaviour that handles it."""

    def on_command(self, event: CommandIssued) -> None:
        command = parse_command(event.text)
        if command.name == "new":
            self.new_report(command.argument)
            return
        if command.name == "help":
            self.tell(messages.help_text())
            return
        if self._state is None:
            self.tell(
                rich(
                    "There is no open JCDC report in this channel. Start one with ",
                    command_ref("new <title>"),
                    ".",
                )
            )
            return
        handler = self._command_handlers().get(command.name)
        if handler is None:
            self.tell(
                rich(
                    "I don't know the command ",
                    user_text(command.name),
                    ". Try ",
                    command_ref("help"),
                    ".",
                )
            )
            return
        handler(command)

    def _command_handlers(self) -> dict[str, _CommandHandler]:
        return {
            "status": lambda _: self.show_status(),
            "preview": lambda _: self.show_preview(),
            "send": lambda _: self.request_send(),
            "confirm": lambda _: self.confirm_send(),
            "cancel": self.cancel,
            "reopen": lambda _: self.reopen(),
            "assign": self.assign,
            "tlp": self.set_tlp,
            "resolve": self.resolve,
            "lead": self.hand_over_lead,
            "form": self.open_form_command,
            "skip": lambda _: self.navigate("skip"),
            "back": lambda _: self.navigate("back"),
            "next": lambda _: self.navigate("next"),
            "later": lambda _: self.navigate("later"),
            "resume": lambda _: self.navigate("resume"),
        }

    def on_button(self, event: ButtonPressed) -> None:
        if self._state is None:
            self.tell(rich("That report no longer exists."))
            return
        if event.action == actions.OPEN_FORM:
            section = self.checklist.find_section(event.value.rpartition(":")[2])
            if section is None:
                self.tell(rich("That form is no longer available."))
            else:
                self.open_form(section, event.trigger)
            return
        handlers = {
            actions.STATUS: self.show_status,
            actions.PREVIEW: self.show_preview,
            actions.SEND: self.request_send,
            actions.CONFIRM_SEND: self.confirm_send,
            actions.CANCEL_SEND: self.cancel_send,
            actions.RESEND_UNCHANGED: self.confirm_resend,
        }
        handler = handlers.get(event.action)
        if handler is None:
            self.tell(
                rich(
                    "That button is not one I know (it may be from an older message). Try ",
                    command_ref("help"),
                    ".",
                )
            )
            return
        handler()
