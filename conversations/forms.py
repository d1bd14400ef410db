"""Section forms: opening one (prefilled with the person's own earlier form answers) and
taking a submitted one, all or nothing."""

from __future__ import annotations

from pydantic import JsonValue

from conversations import messages
from conversations.answers import Accepted, parse_answer
from conversations.checklist import AnswerKind, Item, Section
from conversations.command_spec import Command
from conversations.effects import FormRejected, OpenForm
from conversations.events import CommandIssued, FormSubmitted
from conversations.guide import section_list
from conversations.merge import ItemStatus, value_key
from conversations.permissions import can_decide, is_me, refuse_if_cancelled
from conversations.recording import add_contribution, retract
from conversations.richtext import Span, command_ref, rich, strong
from conversations.turn import Turn


def on_form(turn: Turn, event: FormSubmitted) -> None:
    section = turn.checklist.find_section(event.section_id)
    if section is None:
        turn.tell(rich("That form belongs to a section this checklist does not have."))
        return
    if refuse_if_cancelled(turn):
        return
    errors: dict[str, str] = {}
    entered: dict[str, tuple[Item, str, JsonValue]] = {}
    for item in section.items:
        text = event.values.get(item.id, "").strip()
        if not text:
            continue
        if item.kind is AnswerKind.TLP and not can_decide(turn):
            errors[item.id] = "Only the lead or an approver sets the TLP."
            continue
        parsed = parse_answer(item, text, turn.time_context)
        if isinstance(parsed, Accepted):
            entered[item.id] = (item, text, parsed.value)
        else:
            errors[item.id] = parsed.reason
    if errors:
        turn.emit(FormRejected(user=turn.actor, errors=errors))
        return
    changed = apply_form(turn, section, entered)
    if not changed:
        turn.tell(rich("The form had no new answers; nothing changed."))
        return
    turn.record("form_submitted", section=section.id, items=list(changed))
    numbers = ", ".join(turn.checklist.item(item_id).number for item_id in changed)
    notice: list[Span | str] = [
        strong(turn.actor.name),
        f" answered section {section.number} in a form: ",
        numbers,
        ".",
    ]
    for item_id in changed:
        merged = turn.merge.item(item_id)
        if merged.status is ItemStatus.CONFLICT:
            notice += ["\n", *messages.conflict_notice(merged)]
    turn.post(rich(*notice))


def apply_form(
    turn: Turn, section: Section, entered: dict[str, tuple[Item, str, JsonValue]]
) -> list[str]:
    """Replace this person's earlier form answers in the section; returns changed ids."""
    changed: list[str] = []
    for item in section.items:
        previous = [
            c
            for c in turn.state.contributions
            if c.active and c.item_id == item.id and c.via == "form" and is_me(turn, c.author)
        ]
        if item.id not in entered:
            for contribution in previous:  # cleared in the form: withdrawn
                retract(turn, contribution, "edited_away")
            if previous:
                changed.append(item.id)
            continue
        _, text, value = entered[item.id]
        if any(value_key(c.value) == value_key(value) for c in previous):
            continue
        for contribution in previous:
            retract(turn, contribution, "superseded")
        add_contribution(turn, item, text, value, via="form", message_id=None)
        changed.append(item.id)
    return changed


def open_form(turn: Turn, section: Section, trigger: str | None) -> None:
    if refuse_if_cancelled(turn):
        return
    turn.emit(
        OpenForm(
            channel=turn.state.channel,
            user=turn.actor,
            trigger=trigger,
            form=messages.section_form(turn.state, section, lambda a: is_me(turn, a)),
        )
    )


def open_form_command(turn: Turn, event: CommandIssued, command: Command) -> None:
    """`form <section>`, or the current question's section when none is named."""
    if command.argument:
        section = turn.checklist.find_section(command.argument)
    elif turn.state.cursor is not None:
        section = turn.checklist.section_of(turn.checklist.item(turn.state.cursor))
    else:
        section = None
    if section is None:
        turn.tell(
            rich(
                "Which section? Use ",
                command_ref("form <section>"),
                ". Sections: ",
                section_list(turn),
                ".",
            )
        )
        return
    open_form(turn, section, event.trigger)
