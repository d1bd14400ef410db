"""Answers in the thread: guided replies, `N.M:` direct answers, edits and deletions."""

from __future__ import annotations

from conversations import actions, messages
from conversations.answers import Accepted, acknowledgement, parse_answer
from conversations.answers.notes import leftover_note
from conversations.answers.results import quote
from conversations.checklist import AnswerKind, Item, Section
from conversations.effects import Button
from conversations.events import MessageDeleted, MessageEdited, MessagePosted, QuestionPosted
from conversations.guide import QUESTIONS_KEPT, advance, ask, section_list
from conversations.ids import contribution_id_for
from conversations.merge import ItemMerge, ItemStatus
from conversations.permissions import can_decide, is_me, refuse_if_cancelled, refuse_tlp_change
from conversations.question_messages import asked_on_root, question_message, show_on_question
from conversations.recording import contribute, retract
from conversations.replies import DirectAnswer, parse_direct_answer
from conversations.retiring import retire_private
from conversations.richtext import (
    RichText,
    Span,
    code,
    command_ref,
    emphasis,
    rich,
    strong,
    user_text,
)
from conversations.state import Contribution, PendingAnswer, PostedQuestion
from conversations.talk import talk_reason
from conversations.turn import Turn

# The state keeps this many replies waiting for Record / Just talk.
_PENDING_KEPT = 50


def on_question_posted(turn: Turn, event: QuestionPosted) -> None:
    """A question message exists: it now carries the platform's id and time."""
    questions = list(turn.state.questions)
    if any(q.message_id == event.message_id for q in questions):
        return  # a replay
    posted = PostedQuestion(item_id=event.item_id, message_id=event.message_id, at=event.sent_at)
    waiting = next(
        (i for i, q in enumerate(questions) if q.message_id is None and q.item_id == event.item_id),
        None,
    )
    if waiting is None:
        questions.append(posted)
    else:
        questions[waiting] = posted
    # Kept in time order: the comparison below takes the latest one before a reply.
    questions.sort(key=lambda q: q.at)
    turn.change(questions=tuple(questions[-QUESTIONS_KEPT:]))


def answered_question(turn: Turn, event: MessagePosted) -> str | None:
    """The item a plain reply answers: the latest question posted before the reply was
    written (by the platform's clock), whatever the cursor has moved to since; the cursor
    when the platform gives no time or no question is known to be older. A question not yet
    confirmed by the platform counts from when it was asked (see PostedQuestion). "" when the
    reply followed the note that every question is answered: then it answers nothing."""
    if event.sent_at is not None:
        sent_at = event.sent_at
        seen = [q for q in turn.state.questions if q.at < sent_at]
        if seen:
            return max(seen, key=lambda q: q.at).item_id
    return turn.state.cursor


def guided_answer(turn: Turn, event: MessagePosted, item_id: str) -> None:
    """A plain reply while the questions are being asked answers the question its author saw;
    one that reads like talk is kept aside until its author says what it is."""
    item = turn.checklist.item(item_id)
    if talk_reason(event.text) is not None:
        hold(turn, event, item)
        return
    record_reply(turn, item, event.text, event.message_id)


def record_reply(turn: Turn, item: Item, text: str, message_id: str | None) -> None:
    merged = contribute(turn, item, text, via="guided", message_id=message_id)
    if merged is not None:
        acknowledge(turn, item, merged)


def acknowledge(turn: Turn, item: Item, merged: ItemMerge) -> None:
    """Show what was recorded on the question's own message, with its Undo; only then, when
    this answered the current question, the next one is posted. An answer to an item never
    asked in the thread is acknowledged to its author alone, and only a conflict (the lead
    must settle it) adds a post of its own. So is an answer to the question the root message
    asked, with its Undo: the root is the summary, never an answer's acknowledgement."""
    shown = _shown(turn, item)
    undo = (undo_button(turn),)
    # The question's message lists every answer (thousands, for an indicator list): it is
    # written only when there is one to rewrite.
    on_question = question_message(turn, item.id) is not None and show_on_question(
        turn, item, messages.answered(item, merged, shown), undo
    )
    if merged.status is ItemStatus.CONFLICT:
        turn.post(rich(*messages.conflict_notice(merged)))
    if asked_on_root(turn, item):
        # The root asked it, and the root stays the report's summary: its author hears what
        # was recorded, with the Undo the question's message would have carried.
        turn.tell(messages.recorded(turn.actor, item, shown, merged), undo)
    elif not on_question and merged.status is not ItemStatus.CONFLICT:
        # No Undo here: a button in a private notice would open this report to clicks from
        # a personal chat (Teams), and its author can take the answer back in the thread.
        turn.tell(messages.recorded(turn.actor, item, shown, merged) + _taking_back(turn))
    if turn.state.guiding and turn.state.cursor == item.id:
        ask(turn, advance(turn, item.id))


def _taking_back(turn: Turn) -> RichText:
    """How the author of an answer acknowledged in private takes it back."""
    latest = turn.state.contributions[-1]
    if latest.source_message_id is None:
        return rich()
    return rich(" (delete or edit your message to change it)")


def undo_button(turn: Turn) -> Button:
    """Undo for this turn's newest contribution."""
    latest = turn.state.contributions[-1]
    return Button(action=actions.UNDO, label="Undo", value=f"{turn.state.id}:{latest.id}")


def hold(turn: Turn, event: MessagePosted, item: Item) -> None:
    held = PendingAnswer(
        id=contribution_id_for(event.platform, event.event_id, item.id),
        item_id=item.id,
        author=turn.actor,
        message_id=event.message_id,
        text=event.text,
        at=turn.now,
    )
    if any(p.id == held.id for p in turn.state.pending):
        return
    turn.change(pending=(*turn.state.pending, held)[-_PENDING_KEPT:])
    turn.record("answer_held", item.id, pending=held.id, raw=event.text)
    value = f"{turn.state.id}:{held.id}"
    turn.tell(
        rich(
            "Record this as your answer to ",
            strong(item.number),
            " ",
            emphasis(item.question),
            "?\n",
            user_text(event.text),
        ),
        (
            Button(action=actions.RECORD_PENDING, label="Record", value=value, style="primary"),
            Button(action=actions.JUST_TALK, label="Just talk", value=value),
        ),
    )


def _pending_of(turn: Turn, value: str) -> PendingAnswer | None:
    wanted = value.partition(":")[2]
    found = next((p for p in turn.state.pending if p.id == wanted), None)
    if found is None:
        settled = rich("That reply was already settled (or its message deleted).")
        turn.tell(settled)
        retire_private(turn, settled)  # a stale prompt: its buttons go
        return None
    if not is_me(turn, found.author):
        turn.tell(rich("Only whoever wrote that reply decides whether it is an answer."))
        return None
    return found


def record_pending(turn: Turn, value: str) -> None:
    """Record: the held reply becomes an answer to the question it was held for."""
    held = _pending_of(turn, value)
    if held is None or refuse_if_cancelled(turn):
        return
    turn.change(pending=tuple(p for p in turn.state.pending if p.id != held.id))
    item = turn.checklist.item(held.item_id)
    before = len(turn.state.contributions)
    record_reply(turn, item, held.text, held.message_id)
    # The prompt says what became of the reply; its Record / Just talk are used up.
    if len(turn.state.contributions) > before:
        retire_private(
            turn, rich(f"Recorded as your answer to {item.number}: ", user_text(held.text))
        )
    else:
        retire_private(turn, rich(f"Not recorded as an answer to {item.number}."))


def just_talk(turn: Turn, value: str) -> None:
    held = _pending_of(turn, value)
    if held is None:
        return
    turn.change(pending=tuple(p for p in turn.state.pending if p.id != held.id))
    turn.record("answer_declined", held.item_id, pending=held.id)
    if not retire_private(turn, rich("Not recorded: kept as talk.")):
        turn.tell(rich("Not recorded."))


def answer_button(turn: Turn, value: str) -> None:
    """One of a question's choices, clicked: an answer from whoever clicked."""
    _, _, rest = value.partition(":")
    item_id, _, choice = rest.partition(":")
    item = turn.checklist.find_item(item_id) if item_id else None
    if item is None or refuse_if_cancelled(turn):
        if item is None:
            turn.tell(rich("That question is no longer in the checklist."))
        return
    merged = contribute(turn, item, choice, via="button", message_id=None)
    if merged is not None:
        acknowledge(turn, item, merged)


def undo(turn: Turn, value: str) -> None:
    """Undo: its author, whoever added it to the report for them, or the lead retracts a
    capture, as deleting its message would."""
    wanted = set(value.partition(":")[2].split(","))
    targets = [c for c in turn.state.contributions if c.id in wanted and c.active]
    if not targets:
        stale = rich("That answer was already withdrawn.")
        if not retire_private(turn, stale):  # a used private Undo: its button goes
            turn.tell(stale)
        return
    undone: list[str] = []
    # Some of it was acknowledged only privately: the undo is told there too.
    privately = False
    for contribution in targets:
        item = turn.checklist.item(contribution.item_id)
        mine = is_me(turn, contribution.author) or (
            contribution.added_by is not None and is_me(turn, contribution.added_by)
        )
        if not (mine or can_decide(turn)) or (item.kind is AnswerKind.TLP and not can_decide(turn)):
            turn.tell(
                rich(
                    f"Only whoever gave the answer to {item.number} or the lead (",
                    strong(turn.state.lead.name),
                    ") can undo it.",
                )
            )
            continue
        retract(turn, contribution, "undone")
        undone.append(item.number)
        withdrawn = rich(
            strong(contribution.author.name),
            f"'s answer to {item.number} was withdrawn (undone by ",
            strong(turn.actor.name),
            ").",
        )
        if refresh_question(turn, item, withdrawn):
            continue
        if asked_on_root(turn, item):
            privately = True  # no thread post: the root's question was answered privately
        else:
            turn.post(withdrawn)
    if undone:
        # Pressed on a private acknowledgement (a form's, an added message's, the root's
        # question's): that message says what was undone, and its Undo is gone.
        gone = rich(f"Undone: the answer to {', '.join(undone)} was withdrawn.")
        if not retire_private(turn, gone) and privately:
            turn.tell(gone)


def refresh_question(turn: Turn, item: Item, gone: RichText, latest: str | None = None) -> bool:
    """Show `item`'s answers as they are now on its question's message (`gone`: what to say
    when none is left; `latest`: how the newest answer reads back). False when the item was
    never asked in the thread."""
    return show_on_question(turn, item, *_as_now(turn, item, gone, latest))


def _as_now(
    turn: Turn, item: Item, withdrawn: RichText, latest: str | None = None
) -> tuple[RichText, tuple[Button, ...]]:
    """A question's message as its answers are now: the answers (the newest one's Undo), or,
    when the last was withdrawn, the question open again with how to answer it."""
    merged = turn.merge.item(item.id)
    if merged.contributions:
        newest = merged.contributions[-1]
        undo = Button(action=actions.UNDO, label="Undo", value=f"{turn.state.id}:{newest.id}")
        return messages.answered(item, merged, latest), (undo,)
    return (
        rich(strong(f"{item.number} "), item.question, " — ")
        + withdrawn
        + rich(" Answer it with ", code(f"{item.number}: your answer"), "."),
        messages.choice_buttons(turn.state.id, item),
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
    if merged is not None:
        acknowledge(turn, item, merged)


def _shown(turn: Turn, item: Item) -> str:
    """How this turn's new answer reads back (the last contribution just added)."""
    latest = turn.state.contributions[-1]
    shown = acknowledgement(item, latest.value)
    if item.kind is AnswerKind.DATETIME:
        # Parsed again for the remark on whose zone a time was read in (not stored).
        again = parse_answer(item, latest.raw, turn.time_context)
        if isinstance(again, Accepted) and again.value == latest.value:
            shown = again.display
    return with_note(shown, latest.note, item)


def with_note(shown: str, note: str | None, item: Item) -> str:
    """Say that the words the parser did not take were kept, so nobody types them again."""
    if note is None:
        return shown
    if item.kind is AnswerKind.IOCS:
        return f"{shown}; kept your words with them as a note"
    return f"{shown}; kept {quote(note)} as a note"


def on_edit(turn: Turn, event: MessageEdited) -> None:
    # A reply held as possible talk is held with its new text.
    if any(p.message_id == event.message_id for p in turn.state.pending):
        turn.change(
            pending=tuple(
                p.model_copy(update={"text": event.text})
                if p.message_id == event.message_id and is_me(turn, p.author)
                else p
                for p in turn.state.pending
            )
        )
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
            moved = rich(
                strong(turn.actor.name),
                f" moved an answer from {old_item.number} to {new_item.number}: ",
                user_text(_shown(turn, new_item)),
            )
            # Both questions' messages show it; the author is told either way.
            refresh_question(turn, old_item, moved)
            refresh_question(turn, new_item, moved, _shown(turn, new_item))
            turn.tell(moved)
        return
    if refuse_tlp_change(turn, new_item):
        return
    parsed = parse_answer(new_item, text, turn.time_context)
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
    shown = with_note(parsed.display, note, new_item)
    if merged.status is ItemStatus.CONFLICT:
        # Two answers now disagree: the lead must hear of it.
        notice += ["\n", *messages.conflict_notice(merged)]
        turn.post(rich(*notice))
    else:
        # The edited answer reads back with its notes when it is the one shown last.
        newest = bool(merged.contributions) and merged.contributions[-1].id == old.id
        if not refresh_question(turn, new_item, rich(*notice), shown if newest else None):
            turn.tell(rich(*notice))


def on_delete(turn: Turn, event: MessageDeleted) -> None:
    if any(p.message_id == event.message_id for p in turn.state.pending):
        turn.change(
            pending=tuple(p for p in turn.state.pending if p.message_id != event.message_id)
        )
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
        withdrawn = rich(
            strong(contribution.author.name),
            f"'s answer to {number} was withdrawn (message deleted).",
        )
        if refresh_question(turn, item, withdrawn):
            continue
        if asked_on_root(turn, item):
            turn.tell(withdrawn)  # the root's question was acknowledged privately, so is this
        else:
            turn.post(withdrawn)
