"""A question's own message: asked once, then edited in place to show what became of it (its
answers with their authors, a conflict, a skip, an undo). Answers change an existing message
instead of adding one, so the thread gets one new post per question, not one per answer.

The first question is the exception: the report's root message asks it (see
ReportState.asking_on_root), and the root is the report's summary, never rewritten into a
question's answers. What became of that question is told to whoever did it, privately."""

from __future__ import annotations

from conversations import messages
from conversations.checklist import Item
from conversations.effects import Button
from conversations.richtext import RichText, rich
from conversations.state import PostedQuestion
from conversations.turn import Turn


def question_message(turn: Turn, item_id: str) -> PostedQuestion | None:
    """The newest message that asked `item_id`, confirmed by the platform or not yet."""
    asked = [q for q in turn.state.questions if q.item_id == item_id]
    return max(asked, key=lambda q: q.at) if asked else None


def asked_on_root(turn: Turn, item: Item) -> bool:
    """Whether the root message is where `item` was last asked (the first question)."""
    posted = question_message(turn, item.id)
    return posted is not None and posted.on_root


def show_on_question(
    turn: Turn, item: Item, text: RichText, buttons: tuple[Button, ...] = ()
) -> bool:
    """Rewrite the message that asked `item` to `text` and `buttons` (which replace the
    question's own: its choices are used up). False when no thread message asked it: also
    when the root did, which stays the report's summary (`asked_on_root`)."""
    posted = question_message(turn, item.id)
    if posted is None or posted.on_root:
        return False
    state = turn.state
    if state.questions and state.questions[0] == posted:
        # A report begun before the root asked the first question has its welcome on the
        # thread's first question message; it stays for whoever comes later.
        text = messages.welcome(state) + rich("\n") + text
    turn.edit(posted.message_id, text, buttons, question=item.id)
    return True
