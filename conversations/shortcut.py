""" "Add to JCDC report" on any channel message: a form to say which report and which item,
then the message's words recorded as its author's, with who added them.

Who may add is whoever may contribute to the report (the runner binds the event to the
report's channel; the engine checks the workspace). The TLP is not offered: only the lead or
an approver sets it, and through its own command.
"""

from __future__ import annotations

from collections.abc import Iterable

from conversations.answering import undo_button
from conversations.answers import Accepted, display_value, parse_answer
from conversations.checklist import AnswerKind, Checklist
from conversations.effects import Choice, OpenShortcutForm, ShortcutForm
from conversations.events import ShortcutInvoked, ShortcutSubmitted
from conversations.permissions import refuse_if_cancelled
from conversations.recording import add_contribution
from conversations.richtext import command_ref, rich, strong, user_text
from conversations.state import ReportChoice, ReportState
from conversations.turn import Turn

# What the form's text field holds (a Slack modal's plain_text_input takes at most 3,000
# characters). A longer message is offered cut to this; a longer submission is refused.
SHORTCUT_TEXT_MAX = 3000
# A select's option label (Slack: 75 characters).
_LABEL_MAX = 75


def open_shortcut_form(turn: Turn, event: ShortcutInvoked) -> None:
    """The form, with the channel's open reports to pick from (or the only one)."""
    if turn.current is not None:
        if refuse_if_cancelled(turn):
            return
        reports: tuple[Choice, ...] = (_report_choice(turn.current),)
    elif turn.open_reports:
        reports = report_choices(turn.open_reports)
    else:
        turn.tell(
            rich(
                "There is no open JCDC report in this channel to add that message to. "
                "Start one with ",
                command_ref("new <title>"),
                ".",
            )
        )
        return
    items = shortcut_items(turn.checklist)
    turn.emit(
        OpenShortcutForm(
            channel=event.channel,
            user=turn.actor,
            trigger=event.trigger,
            form=ShortcutForm(
                reports=reports,
                items=items,
                text=event.text[:SHORTCUT_TEXT_MAX],
                author=event.author,
                message_id=event.message_id,
            ),
        )
    )


def report_choices(open_reports: Iterable[ReportChoice]) -> tuple[Choice, ...]:
    """The channel's open reports as the form offers them: `#n Title`, by number."""
    return tuple(
        Choice(value=c.id, label=f"#{c.number} {c.title}"[:_LABEL_MAX])
        for c in sorted(open_reports, key=lambda c: c.number)
    )


def shortcut_items(checklist: Checklist) -> tuple[Choice, ...]:
    """The items the form offers: essentials first, as the guide asks; never the TLP."""
    return tuple(
        Choice(value=item.id, label=f"{item.number} {item.question}"[:_LABEL_MAX])
        for item in checklist.asking_order()
        if item.kind is not AnswerKind.TLP
    )


def _report_choice(state: ReportState) -> Choice:
    label = f"#{state.number} {state.title}" if state.number is not None else state.title
    return Choice(value=state.id, label=label[:_LABEL_MAX])


def add_from_shortcut(turn: Turn, event: ShortcutSubmitted) -> None:
    """Record the submitted text as the message author's answer to the chosen item."""
    if turn.current is None:
        turn.tell(rich("That report is no longer there, so nothing was added."))
        return
    if refuse_if_cancelled(turn):
        return
    item = turn.checklist.find_item(event.item_id)
    if item is None or item.kind is AnswerKind.TLP:
        turn.tell(rich("That item is not one the form offers, so nothing was added."))
        return
    text = event.text.strip()
    if not text:
        turn.tell(rich("The text was empty, so nothing was added."))
        return
    if len(text) > SHORTCUT_TEXT_MAX:
        turn.tell(
            rich(
                f"The text is longer than {SHORTCUT_TEXT_MAX:,} characters, so nothing was "
                "added. Shorten it, or add it in parts."
            )
        )
        return
    if any(
        c.active and c.item_id == item.id and c.source_message_id == event.message_id
        for c in turn.state.contributions
    ):
        turn.tell(rich(f"That message is already in {item.number}; nothing changed."))
        return
    parsed = parse_answer(item, text, turn.time_context)
    if not isinstance(parsed, Accepted):
        turn.tell(rich(strong(f"{item.number}: "), parsed.reason, " Nothing was added."))
        return
    add_contribution(
        turn,
        item,
        text,
        parsed.value,
        via="shortcut",
        message_id=event.message_id,
        author=event.author,
    )
    shown = display_value(item, parsed.value)
    turn.post(
        rich(
            "Recorded ",
            strong(item.number),
            " from ",
            strong(event.author.name),
            " (added by ",
            strong(turn.actor.name),
            "): ",
            user_text(shown),
        ),
        # Like every capture, undone in one click (rule 3 of issue 11).
        (undo_button(turn),),
    )
