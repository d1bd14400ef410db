"""Guided mode: which question comes next, how it is asked, and skip / back / next / later /
resume."""

from __future__ import annotations

from conversations import messages
from conversations.checklist import Item
from conversations.effects import Button
from conversations.merge import ItemStatus, merged_display
from conversations.permissions import refuse_if_cancelled
from conversations.richtext import RichText, code, rich, user_text
from conversations.turn import Turn

# `back` remembers this many questions.
_HISTORY_LIMIT = 100


def navigate(turn: Turn, keyword: str) -> None:
    if refuse_if_cancelled(turn):
        return
    cursor = turn.state.cursor
    if keyword == "later":
        turn.change(guiding=False)
        turn.post(
            rich(
                "Pausing the questions. Answer any item with ",
                code("4.2: your answer"),
                ", or say ",
                code("resume"),
                ".",
            )
        )
    elif keyword == "resume":
        turn.change(guiding=True)
        still_open = cursor is not None and turn.merge.item(cursor).status is ItemStatus.MISSING
        text = question_text(turn, cursor) if still_open and cursor else advance(turn, cursor)
        turn.post(text, question_buttons(turn))
    elif keyword == "back":
        go_back(turn)
    elif cursor is None:
        turn.change(guiding=True)
        turn.post(advance(turn, None), question_buttons(turn))
    elif keyword == "skip":
        turn.change(skipped=(*turn.state.skipped, cursor), guiding=True)
        turn.record("item_skipped", cursor)
        number = turn.checklist.item(cursor).number
        turn.post(rich(f"Skipped {number}.\n\n") + advance(turn, cursor), question_buttons(turn))
    else:  # next: move on, leaving the item open for later
        turn.change(guiding=True)
        turn.post(advance(turn, cursor), question_buttons(turn))


def go_back(turn: Turn) -> None:
    if not turn.state.asked:
        turn.tell(rich("There is no earlier question to go back to."))
        return
    previous = turn.state.asked[-1]
    turn.change(cursor=previous, asked=turn.state.asked[:-1], guiding=True)
    item = turn.checklist.item(previous)
    current = merged_display(turn.merge.item(previous)) or messages.NO_ANSWER_YET
    turn.post(
        rich(f"Back to {item.number} (so far: ", user_text(current), ").\n\n")
        + question_text(turn, previous),
        question_buttons(turn),
    )


def advance(turn: Turn, after: str | None) -> RichText:
    """Move the cursor to the next open item after `after` and return its question."""
    following = next_open_item(turn, after)
    asked = turn.state.asked
    if after is not None:
        asked = (*asked, after)[-_HISTORY_LIMIT:]
    if following is None:
        turn.change(cursor=None, asked=asked)
        return messages.all_done(turn.merge)
    turn.change(cursor=following.id, asked=asked)
    return question_text(turn, following.id)


def next_open_item(turn: Turn, after: str | None) -> Item | None:
    items = turn.checklist.asking_order()
    start = 0
    if after is not None:
        start = next(i for i, item in enumerate(items) if item.id == after) + 1
    merge = turn.merge
    for offset in range(len(items)):
        item = items[(start + offset) % len(items)]
        if merge.item(item.id).status is ItemStatus.MISSING:
            return item
    return None


def question_text(turn: Turn, item_id: str) -> RichText:
    item = turn.checklist.item(item_id)
    section = turn.checklist.section_of(item)
    assignee = next(
        (a.assignee for a in turn.state.assignments if a.section_id == section.id), None
    )
    return messages.question(
        item,
        section,
        messages.checklist_position(turn.checklist, item),
        turn.checklist.item_count,
        assignee,
    )


def question_buttons(turn: Turn) -> tuple[Button, ...]:
    if turn.state.cursor is None:
        return ()
    section = turn.checklist.section_of(turn.checklist.item(turn.state.cursor))
    return (messages.form_button(section, turn.state.id),)


def section_list(turn: Turn) -> str:
    return ", ".join(f"{s.number} {s.title}" for s in turn.checklist.sections)
