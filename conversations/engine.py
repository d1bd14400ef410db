"""The conversation engine: `(state, event, checklist, now) -> (state, effects)`, nothing else.

No I/O, no clock, no platform: the turn runner loads the state, calls `step`, saves the new
state and performs the effects. Every input — however odd — yields a step; mistakes become a
friendly ephemeral notice and leave the report as it was.

This module only routes: each event, typed, to the function of the concern that handles it
(guide, answering, forms, sending, coordination), commands through the one command table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from conversations import actions, messages
from conversations.answering import (
    answer_button,
    answered_question,
    direct_answer,
    guided_answer,
    just_talk,
    meant_direct,
    on_delete,
    on_edit,
    on_question_posted,
    record_pending,
    undo,
)
from conversations.checklist import Checklist
from conversations.command_spec import Command, CommandSpec, Who
from conversations.commands import COMMANDS
from conversations.coordination import on_root_posted, show_preview, show_status
from conversations.effects import Button, UpdateRoot
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    Event,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    QuestionPosted,
    RootPosted,
    ShortcutInvoked,
    ShortcutSubmitted,
    SubmissionOutcome,
)
from conversations.forms import on_form, open_form
from conversations.guide import show_more
from conversations.ids import report_id_for
from conversations.permissions import (
    can_decide,
    from_report_space,
    is_purged_input,
    refuse_if_cancelled,
    refuse_outsider,
    refuse_purged,
    refuse_unless_decider,
)
from conversations.policy import Policy
from conversations.preview import preview_page_button
from conversations.replies import is_side_remark, parse_direct_answer
from conversations.richtext import command_ref, rich, user_text
from conversations.sending import (
    cancel_send,
    confirm_resend,
    confirm_send,
    on_submission_outcome,
    request_send,
)
from conversations.shortcut import add_from_shortcut, open_shortcut_form
from conversations.state import ReportChoice, ReportState
from conversations.turn import Step, Turn

__all__ = ["Step", "dispatch", "report_id_for", "step"]

# Buttons that act on what their value names (a choice, a contribution, a held reply).
_VALUE_BUTTONS: Mapping[str, Callable[[Turn, str], None]] = {
    actions.ANSWER: answer_button,
    actions.UNDO: undo,
    actions.MORE: show_more,
    actions.RECORD_PENDING: record_pending,
    actions.JUST_TALK: just_talk,
    actions.PREVIEW_PAGE: preview_page_button,
}

# What each button of the bot's messages does (the form button is routed by its section).
_BUTTONS: Mapping[str, Callable[[Turn], None]] = {
    actions.STATUS: show_status,
    actions.PREVIEW: show_preview,
    actions.SEND: request_send,
    actions.CONFIRM_SEND: confirm_send,
    actions.CANCEL_SEND: cancel_send,
    actions.RESEND_UNCHANGED: confirm_resend,
}


def step(
    state: ReportState | None,
    event: Event,
    checklist: Checklist,
    now: datetime,
    policy: Policy | None = None,
    new_report_id: str | None = None,
    new_report_number: int | None = None,
    open_reports: tuple[ReportChoice, ...] = (),
) -> Step:
    """One turn. `new_report_id` is the id a report started in this turn gets: the runner
    passes a fresh random one, so that nobody can work a report's id out from public data
    (Slack trigger ids, timestamps). Left out, the id is derived from the event, which keeps
    pure tests and property tests deterministic; that fallback is for tests only.
    `new_report_number` is the channel's next report number, for the new root card; storage
    checks it is still free when it saves the report. `open_reports`: the channel's open
    reports when a command came with no thread and no `#n` and several are open."""
    turn = Turn(
        before=state,
        current=state,
        event=event,
        checklist=checklist,
        now=now,
        policy=policy or Policy(),
        commands=COMMANDS,
        new_report_id=new_report_id,
        new_report_number=new_report_number,
        open_reports=open_reports,
    )
    if state is not None and state.thread is not None:
        # Merged first, as `finish` will need it for the root card: the report's merge memo
        # (conversations.merge) then holds it when this turn's changes are merged, which
        # therefore merge only what they touched, and the next turn, which starts from the
        # saved copy of this one's result, finds that result's merge there.
        turn.merge_of(state)
    dispatch(turn, event)
    return finish(turn)


def dispatch(turn: Turn, event: Event) -> None:
    """Hand `event` (the turn's own) to whatever handles its kind."""
    if not from_report_space(turn):
        refuse_outsider(turn)
        return
    if is_purged_input(turn):
        refuse_purged(turn)
        return
    match event:
        case CommandIssued():
            on_command(turn, event)
        case MessagePosted():
            on_message(turn, event)
        case FormSubmitted():
            if turn.current is None:
                turn.tell(rich("That report no longer exists."))
            else:
                on_form(turn, event)
        case ButtonPressed():
            on_button(turn, event)
        case ShortcutInvoked():
            open_shortcut_form(turn, event)
        case ShortcutSubmitted():
            add_from_shortcut(turn, event)
        case MessageEdited() if turn.current is not None:
            on_edit(turn, event)
        case MessageDeleted() if turn.current is not None:
            on_delete(turn, event)
        case RootPosted() if turn.current is not None:
            on_root_posted(turn, event)
        case QuestionPosted() if turn.current is not None:
            on_question_posted(turn, event)
        case SubmissionOutcome() if turn.current is not None:
            on_submission_outcome(turn, event)
        case _:
            pass  # about a report that no longer exists: nothing to change, nobody to tell


def finish(turn: Turn) -> Step:
    """The turn's outcome; the root message is updated when what it shows has changed."""
    after, before = turn.current, turn.before
    # A turn that left the report as it was cannot have changed its root card.
    unchanged = after is before
    if after is not None and before is not None and not unchanged and after.thread is not None:
        card = messages.root_card(after, turn.merge_of(after), turn.checklist)
        if card != messages.root_card(before, turn.merge_of(before), turn.checklist):
            turn.emit(UpdateRoot(channel=after.channel, message_id=after.thread, card=card))
    return Step(after, tuple(turn.effects), tuple(turn.audit))


def on_command(turn: Turn, event: CommandIssued) -> None:
    command = turn.commands.parse(event.text)
    run_command(turn, event, turn.commands.find(command.name), command)


def run_command(
    turn: Turn, event: CommandIssued, spec: CommandSpec | None, command: Command
) -> None:
    """Run a command as its row in the table says: it may need a report, and a person allowed
    to run it."""
    if spec is not None and not spec.needs_report:
        spec.handler(turn, event, command)
        return
    if turn.current is None and command.reference is None and len(turn.open_reports) > 1:
        ask_which_report(turn, event)
        return
    if turn.current is None and command.reference is not None:
        turn.tell(rich(f"There is no report #{command.reference} in this channel."))
        return
    if turn.current is None:
        turn.tell(
            rich(
                "There is no open JCDC report in this channel. Start one with ",
                command_ref("new <title>"),
                ".",
            )
        )
        return
    if spec is None:
        turn.tell(
            rich(
                "I don't know the command ",
                user_text(command.name),
                ". Try ",
                command_ref("help"),
                ".",
            )
        )
        return
    if spec.who is Who.LEAD_OR_APPROVER and not can_decide(turn):
        if spec.refusal_audit is not None:
            turn.record(spec.refusal_audit)
        refuse_unless_decider(turn, spec.refusal)
        return
    spec.handler(turn, event, command)


def on_message(turn: Turn, event: MessagePosted) -> None:
    if turn.current is None or is_side_remark(event.text):
        return
    direct = meant_direct(turn, parse_direct_answer(event.text))
    keyword = None if direct else turn.commands.thread_keyword(event.text)
    if keyword is not None:
        # A thread word is that command typed in the thread.
        run_command(turn, _as_command(event), turn.commands.find(keyword), Command(keyword, ""))
        return
    if refuse_if_cancelled(turn):
        return
    if direct is not None:
        direct_answer(turn, event, direct)
    elif turn.state.guiding:
        item_id = answered_question(turn, event)
        if item_id:
            guided_answer(turn, event, item_id)


def _as_command(event: MessagePosted) -> CommandIssued:
    return CommandIssued(
        event_id=event.event_id,
        platform=event.platform,
        workspace=event.workspace,
        channel=event.channel,
        thread=event.thread,
        actor=event.actor,
        report_id=event.report_id,
        text=event.text,
    )


_BUTTON_VALUE_MAX = 2000


def ask_which_report(turn: Turn, event: CommandIssued) -> None:
    """Several reports are open and the command did not say which: a button per report runs
    it on that one (and `#n` would have said it)."""
    choices = sorted(turn.open_reports, key=lambda choice: choice.number)
    lines = "".join(f"\n#{c.number} {c.title} (lead {c.lead.name})" for c in choices)
    example = f"{event.text.strip()} #{choices[0].number}"
    turn.tell(
        rich(
            "Several JCDC reports are open in this channel; which one?",
            lines,
            "\nOr name it: ",
            command_ref(example),
            ".",
        ),
        # A button carries the command in its value, which Slack caps at 2,000 characters: a
        # longer command gets the `#n` hint alone.
        buttons=tuple(
            Button(
                action=actions.RUN_ON_REPORT,
                label=f"#{c.number} {c.title}"[:75],
                value=f"{c.id}:{event.text.strip()}",
            )
            for c in choices
            if len(c.id) + len(event.text.strip()) < _BUTTON_VALUE_MAX
        ),
    )


def on_button(turn: Turn, event: ButtonPressed) -> None:
    if turn.current is None:
        turn.tell(rich("That report no longer exists."))
        return
    if event.action == actions.RUN_ON_REPORT:
        # The command the person typed, now on the report they picked (event.report_id).
        text = event.value.partition(":")[2]
        on_command(
            turn,
            CommandIssued(
                event_id=event.event_id,
                platform=event.platform,
                workspace=event.workspace,
                channel=event.channel,
                actor=event.actor,
                text=text,
                report_id=event.report_id,
                trigger=event.trigger,
            ),
        )
        return
    if event.action == actions.OPEN_FORM:
        section = turn.checklist.find_section(event.value.rpartition(":")[2])
        if section is None:
            turn.tell(rich("That form is no longer available."))
        else:
            open_form(turn, section, event.trigger)
        return
    by_value = _VALUE_BUTTONS.get(event.action)
    if by_value is not None:
        by_value(turn, event.value)
        return
    handler = _BUTTONS.get(event.action)
    if handler is None:
        turn.tell(
            rich(
                "That button is not one I know (it may be from an older message). Try ",
                command_ref("help"),
                ".",
            )
        )
        return
    handler(turn)
