"""Section forms: opening one (prefilled with the report's merged answers, conflicts shown)
and taking a submitted one, all or nothing.

Only what the person changed is recorded. A field left as the form showed it records
nothing. A changed single answer replaces this person's own earlier answer (never another
person's: a different value from someone else is a conflict for the lead). A changed
accumulating field adds only the values the report does not hold yet, and withdraws this
person's own contributions whose values were taken out. A cleared field withdraws this
person's own answers to the item and nobody else's: they are told so when the answer they
cleared is someone else's.
"""

from __future__ import annotations

from pydantic import JsonValue

from conversations import actions, messages
from conversations.answers import Accepted, parse_answer, split_value
from conversations.checklist import AnswerKind, Item, Section
from conversations.command_spec import Command
from conversations.effects import Button, FormRejected, OpenForm
from conversations.events import CommandIssued, FormSubmitted
from conversations.form_prefill import element_keys, prefill
from conversations.guide import advance, ask, section_list
from conversations.merge import ItemMerge, ItemStatus, value_key
from conversations.permissions import can_decide, is_me, refuse_if_cancelled
from conversations.question_messages import show_on_question
from conversations.recording import add_contribution, retract
from conversations.richtext import Span, command_ref, rich, strong
from conversations.state import Contribution
from conversations.turn import Turn


def on_form(turn: Turn, event: FormSubmitted) -> None:
    section = turn.checklist.find_section(event.section_id)
    if section is None:
        turn.tell(rich("That form belongs to a section this checklist does not have."))
        return
    if refuse_if_cancelled(turn):
        return
    errors: dict[str, str] = {}
    entered: dict[str, tuple[Item, str, JsonValue | None]] = {}
    for item in section.items:
        if item.id not in event.values:
            continue  # not in the form that came back: nothing said about it
        text = event.values[item.id].strip()
        shown = prefill(turn.merge.item(item.id), lambda a: is_me(turn, a))
        if text == shown.text.strip():
            continue  # left as the form showed it
        if not text:
            entered[item.id] = (item, text, None)
            continue
        if item.kind is AnswerKind.TLP and not can_decide(turn):
            errors[item.id] = "Only the lead or an approver sets the TLP."
            continue
        parsed = parse_answer(item, text, turn.time_context)
        if not isinstance(parsed, Accepted):
            errors[item.id] = parsed.reason
        elif not _same_as_shown(turn.merge.item(item.id), shown.value, parsed.value):
            entered[item.id] = (item, text, parsed.value)
    if errors:
        turn.emit(FormRejected(user=turn.actor, errors=errors))
        return
    held = {c.id for c in turn.state.contributions}
    changed, not_yours = apply_form(turn, entered)
    added = [c.id for c in turn.state.contributions if c.id not in held]
    if not_yours:
        turn.tell(
            rich(
                "Cleared in your form, but not yours to withdraw: ",
                ", ".join(turn.checklist.item(i).number for i in not_yours),
                ". Only an answer's author or the lead can take it back; it stays.",
            )
        )
    if not changed:
        if not not_yours:
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
    conflicts = False
    for item_id in changed:
        item = turn.checklist.item(item_id)
        merged = turn.merge.item(item_id)
        if merged.status is ItemStatus.CONFLICT:
            conflicts = True
            notice += ["\n", *messages.conflict_notice(merged)]
        # A question already asked in the thread shows its answers there, as after a reply.
        mine = [c.id for c in merged.contributions if c.id in added]
        own_undo = (
            (Button(action=actions.UNDO, label="Undo", value=f"{turn.state.id}:{mine[-1]}"),)
            if mine
            else ()
        )
        show_on_question(turn, item, messages.answered(item, merged, None), own_undo)
    # One click takes back what this form added, as Undo does for any other capture.
    undo = Button(action=actions.UNDO, label="Undo", value=f"{turn.state.id}:{','.join(added)}")
    buttons = (undo,) if added else ()
    if conflicts:
        turn.post(rich(*notice), buttons)  # the lead must settle it: the thread hears
    else:
        # The answers are on the questions' messages and the root message: no new post.
        turn.tell(rich(*notice), buttons)
    cursor = turn.state.cursor
    if turn.state.guiding and cursor in changed:
        ask(turn, advance(turn, cursor))


def _same_as_shown(merged: ItemMerge, shown: JsonValue | None, value: JsonValue) -> bool:
    """Retyped, reordered or picked again: the same answer as the form showed."""
    if shown is None:
        return False
    if merged.item.kind is AnswerKind.TEXT and isinstance(shown, list):
        return value in shown and len(shown) == 1
    if merged.item.accumulates or merged.item.kind is AnswerKind.MULTI_CHOICE:
        return element_keys(merged, shown) == element_keys(merged, value)
    return value_key(shown) == value_key(value)


def apply_form(
    turn: Turn, entered: dict[str, tuple[Item, str, JsonValue | None]]
) -> tuple[list[str], list[str]]:
    """Record the changed fields (None: cleared); returns the ids changed, and those cleared
    whose answers were all someone else's (left standing)."""
    changed: list[str] = []
    not_yours: list[str] = []
    for item_id, (item, text, value) in entered.items():
        own = [
            c
            for c in turn.state.contributions
            if c.active and c.item_id == item_id and is_me(turn, c.author)
        ]
        if value is None:
            for contribution in own:
                retract(turn, contribution, "edited_away")
            (changed if own else not_yours).append(item_id)
        elif item.accumulates:
            if _add_elements(turn, item, text, value, own):
                changed.append(item_id)
        elif not any(value_key(c.value) == value_key(value) for c in own):
            for contribution in own:
                retract(turn, contribution, "superseded")
            add_contribution(turn, item, text, value, via="form", message_id=None)
            changed.append(item_id)
    return changed, not_yours


def _add_elements(
    turn: Turn, item: Item, text: str, value: JsonValue, own: list[Contribution]
) -> bool:
    """An accumulating field: withdraw this person's contributions that were taken out, and
    add what the report does not hold yet. Others' values stay whatever the field says."""
    changed = False
    if item.kind is AnswerKind.TEXT:
        kept_texts = [str(c.value) for c in own if str(c.value) in text]
        for contribution in own:
            if str(contribution.value) not in text:
                retract(turn, contribution, "edited_away")
                changed = True
        others = [str(c.value) for c in turn.merge.item(item.id).contributions if c not in own]
        rest = text
        for known in sorted({*kept_texts, *others}, key=len, reverse=True):
            rest = rest.replace(known, "")
        rest = rest.strip()
        if rest:
            add_contribution(turn, item, rest, rest, via="form", message_id=None)
            changed = True
        return changed
    wanted = {value_key(e) for e in split_value(item, value)}
    for contribution in own:
        if not {value_key(e) for e in split_value(item, contribution.value)} <= wanted:
            retract(turn, contribution, "edited_away")
            changed = True
    held = {
        value_key(e)
        for c in turn.merge.item(item.id).contributions
        for e in split_value(item, c.value)
    }
    new = [e for e in split_value(item, value) if value_key(e) not in held]
    if new:
        add_contribution(turn, item, text, new, via="form", message_id=None)
        changed = True
    return changed


def open_form(turn: Turn, section: Section, trigger: str | None) -> None:
    if refuse_if_cancelled(turn):
        return
    turn.emit(
        OpenForm(
            channel=turn.state.channel,
            user=turn.actor,
            trigger=trigger,
            form=messages.section_form(turn.state, turn.merge, section, lambda a: is_me(turn, a)),
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
