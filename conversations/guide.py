"""Guided mode: which question comes next, how it is asked, and skip / back / next / later /
resume."""

from __future__ import annotations

from conversations import messages
from conversations.checklist import Item
from conversations.effects import Button
from conversations.merge import ItemStatus, merged_display
from conversations.permissions import refuse_if_cancelled
from conversations.question_messages import show_on_question
from conversations.richtext import RichText, code, rich, strong, user_text
from conversations.state import PostedQuestion
from conversations.turn import Turn

# `back` remembers this many questions.
_HISTORY_LIMIT = 100
# The state keeps this many asked questions (a report asks each item about once).
QUESTIONS_KEPT = 300


def ask(turn: Turn, text: RichText, first: tuple[Button, ...] = ()) -> None:
    """Post `text`, which ends with the current question (or the note that all are done),
    with the question's buttons after `first`; the post is marked as asking the cursor. Once
    the thread asks something, the root message no longer carries the first question
    (ReportState.asking_on_root): the turn's root update puts it back to the summary."""
    cursor = turn.state.cursor
    # "All done" is kept too (as no item), so that a reply written after it answers nothing.
    asked = PostedQuestion(item_id=cursor or "", at=turn.now)
    turn.change(questions=(*turn.state.questions, asked)[-QUESTIONS_KEPT:])
    turn.post(text, (*first, *question_buttons(turn)), question=cursor)


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
        ask(turn, text)
    elif keyword == "back":
        go_back(turn)
    elif cursor is None:
        turn.change(guiding=True)
        ask(turn, advance(turn, None))
    elif keyword == "skip":
        turn.change(skipped=(*turn.state.skipped, cursor), guiding=True)
        turn.record("item_skipped", cursor)
        item = turn.checklist.item(cursor)
        skipped = rich(
            strong(f"\u2192 {item.number} "), item.question, f" — skipped by {turn.actor.name}"
        )
        # The skipped question's message says so (its buttons are spent); the next follows.
        if show_on_question(turn, item, skipped):
            ask(turn, advance(turn, cursor))
        else:
            ask(turn, rich(f"Skipped {item.number}.\n") + advance(turn, cursor))
    else:  # next: move on, leaving the item open for later
        turn.change(guiding=True)
        ask(turn, advance(turn, cursor))


def go_back(turn: Turn) -> None:
    if not turn.state.asked:
        turn.tell(rich("There is no earlier question to go back to."))
        return
    previous = turn.state.asked[-1]
    turn.change(cursor=previous, asked=turn.state.asked[:-1], guiding=True)
    item = turn.checklist.item(previous)
    current = merged_display(turn.merge.item(previous)) or messages.NO_ANSWER_YET
    ask(
        turn,
        rich(f"Back to {item.number} (so far: ", user_text(current), ").\n\n")
        + question_text(turn, previous),
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
    return messages.question_of(turn.state, turn.checklist, item_id)


def question_buttons(turn: Turn) -> tuple[Button, ...]:
    """The current question's choices (one click answers it), More (its help, privately),
    then its section's form."""
    if turn.state.cursor is None:
        return ()
    item = turn.checklist.item(turn.state.cursor)
    return messages.question_buttons_of(turn.state.id, turn.checklist, item)


def show_more(turn: Turn, value: str) -> None:
    """More, pressed on a question: its help, example and every way to answer, privately."""
    item = turn.checklist.find_item(value.partition(":")[2])
    if item is None:
        turn.tell(rich("That question is no longer in the checklist."))
        return
    turn.tell(messages.more(item, turn.checklist.section_of(item)))


def section_list(turn: Turn) -> str:
    return ", ".join(f"{s.number} {s.title}" for s in turn.checklist.sections)
