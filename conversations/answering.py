"""Answers in the thread: guided replies, `N.M:` direct answers, edits and deletions."""

from __future__ import annotations

from conversations import messages
from conversations.answers import Accepted, acknowledgement, parse_answer
from conversations.answers.notes import leftover_note
from conversations.answers.results import quote
from conversations.checklist import AnswerKind, Item, Section
from conversations.events import MessageDeleted, MessageEdited, MessagePosted
from conversations.guide import advance, question_buttons, section_list
from conversations.merge import ItemStatus
from conversations.permissions import can_decide, is_me, refuse_tlp_change
from conversations.recording import contribute, retract
from conversations.replies import DirectAnswer, parse_direct_answer
from conversations.richtext import Span, command_ref, rich, strong, user_text
from conversations.state import Contribution
from conversations.turn import Turn


def guided_answer(turn: Turn, event: MessagePosted) -> None:
    """A plain reply while the questions are being asked answers the current one."""
    item = turn.checklist.item(turn.state.cursor or "")
    merged = contribute(turn, item, event.text, via="guided", message_id=event.message_id)
    if merged is None:
        return
    turn.post(
        messages.recorded(turn.actor, item, _shown(turn, item), merged)
        + rich("\n\n")
        + advance(turn, item.id),
        question_buttons(turn),
    )


# Kinds whose plain answers may start with "N.M word" ("3.5 million", "1.5 hours ago").
_NUMERIC_KINDS = (AnswerKind.NUMBER, AnswerKind.DATETIME)


def meant_direct(turn: Turn, direct: DirectAnswer | None) -> DirectAnswer | None:
    """A loose direct answer (`4.2 OpenAI`) counts unless the question being asked takes a
    number or a time, which it could be the start of, or its number names no section."""
    if direct is None or not direct.loose:
        return direct
    state = turn.current
    asking = state.cursor if state is not None and state.guiding else None
    if asking is not None and turn.checklist.item(asking).kind in _NUMERIC_KINDS:
        return None
    if turn.checklist.find_item(direct.number) is None and _section(turn, direct.number) is None:
        return None
    return direct


def _section(turn: Turn, number: str) -> Section | None:
    """The section an item number is in, whether or not the item exists."""
    return turn.checklist.find_section(number.partition(".")[0].lstrip("0") or "0")


def no_such_item(turn: Turn, number: str) -> None:
    section = _section(turn, number)
    if section is None:
        turn.tell(
            rich(
                f"There is no item {number}. Sections: ",
                section_list(turn),
                "; ",
                command_ref("status"),
                " lists them.",
            )
        )
        return
    first, last = section.items[0].number, section.items[-1].number
    turn.tell(
        rich(
            f"There is no item {number}; section {section.number} has {first} to {last}. ",
            command_ref("status"),
            " lists them all.",
        )
    )


def direct_answer(turn: Turn, event: MessagePosted, direct: DirectAnswer) -> None:
    item = turn.checklist.find_item(direct.number)
    if item is None:
        no_such_item(turn, direct.number)
        return
    merged = contribute(turn, item, direct.text, via="direct", message_id=event.message_id)
    if merged is None:
        return
    reply = messages.recorded(turn.actor, item, _shown(turn, item), merged)
    if turn.state.guiding and turn.state.cursor == item.id:
        turn.post(reply + rich("\n\n") + advance(turn, item.id), question_buttons(turn))
    else:
        turn.post(reply)


def _shown(turn: Turn, item: Item) -> str:
    """How this turn's new answer reads back (the last contribution just added)."""
    latest = turn.state.contributions[-1]
    return with_note(acknowledgement(item, latest.value), latest.note, item)


def with_note(shown: str, note: str | None, item: Item) -> str:
    """Say that the words the parser did not take were kept, so nobody types them again."""
    if note is None:
        return shown
    if item.kind is AnswerKind.IOCS:
        return f"{shown}; kept your words with them as a note"
    return f"{shown}; kept {quote(note)} as a note"


def on_edit(turn: Turn, event: MessageEdited) -> None:
    # Only a message's author can edit it; an edit that claims to come from someone else
    # (a namesake in another workspace, say) changes nobody's answer.
    targets = [
        c
        for c in turn.state.contributions
        if c.active and c.source_message_id == event.message_id and is_me(turn, c.author)
    ]
    if not targets:
        return
    direct = parse_direct_answer(event.text)
    for contribution in targets:
        edit_contribution(
            turn,
            contribution,
            event,
            direct.number if direct else None,
            direct.text if direct else event.text,
        )


def edit_contribution(
    turn: Turn, old: Contribution, event: MessageEdited, number: str | None, text: str
) -> None:
    old_item = turn.checklist.item(old.item_id)
    new_item = turn.checklist.find_item(number) if number else old_item
    if new_item is None:
        turn.tell(
            rich(
                f"Your edit points at item {number}, which does not exist; "
                f"your answer to {old_item.number} stays as it was."
            )
        )
        return
    if new_item.id != old_item.id:
        merged = contribute(turn, new_item, text, via="direct", message_id=event.message_id)
        if merged is not None:
            retract(turn, old, "edited_away")
            turn.post(
                rich(
                    strong(turn.actor.name),
                    f" moved an answer from {old_item.number} to {new_item.number}: ",
                    user_text(_shown(turn, new_item)),
                )
            )
        return
    if refuse_tlp_change(turn, new_item):
        return
    parsed = parse_answer(new_item, text)
    if not isinstance(parsed, Accepted):
        turn.tell(
            rich(
                f"Your edit to {new_item.number} could not be used: {parsed.reason} "
                "The earlier answer stays."
            )
        )
        return
    note = leftover_note(new_item, text, parsed.value)
    edited = old.model_copy(
        update={"raw": text, "value": parsed.value, "note": note, "edited_at": turn.now}
    )
    turn.change(
        contributions=tuple(edited if c.id == old.id else c for c in turn.state.contributions)
    )
    turn.record("answer_edited", new_item.id, contribution=old.id, raw=text)
    merged = turn.merge.item(new_item.id)
    notice: list[Span | str] = [
        strong(old.author.name),
        f" edited {new_item.number}: ",
        user_text(with_note(parsed.display, note, new_item)),
    ]
    if merged.status is ItemStatus.CONFLICT:
        notice += ["\n", *messages.conflict_notice(merged)]
    turn.post(rich(*notice))


def on_delete(turn: Turn, event: MessageDeleted) -> None:
    for contribution in [
        c for c in turn.state.contributions if c.active and c.source_message_id == event.message_id
    ]:
        item = turn.checklist.item(contribution.item_id)
        number = item.number
        if item.kind is AnswerKind.TLP and not can_decide(turn):
            # Withdrawing a marking changes the marking: a former lead deleting their old
            # answer must not lower it behind the current lead's back.
            turn.tell(
                rich(
                    f"That message is gone, but its answer to {number} stays: only the lead (",
                    strong(turn.state.lead.name),
                    ") or an approver changes the TLP marking.",
                )
            )
            continue
        retract(turn, contribution, "deleted")
        turn.post(
            rich(
                strong(contribution.author.name),
                f"'s answer to {number} was withdrawn (message deleted).",
            )
        )
