"""A question's own message: asked once, then edited in place to show what became of it (its
answers with their authors, a conflict, a skip, an undo). Answers change an existing message
instead of adding one, so the thread gets one new post per question, not one per answer."""

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


def show_on_question(
    turn: Turn, item: Item, text: RichText, buttons: tuple[Button, ...] = ()
) -> bool:
    """Rewrite the message that asked `item` to `text` and `buttons` (which replace the
    question's own: its choices are used up). False when no message asked it."""
    posted = question_message(turn, item.id)
    if posted is None:
        return False
    state = turn.state
    if state.questions and state.questions[0] == posted:
        # The first question carries the report's welcome; it stays for whoever comes later.
        text = messages.welcome(state) + rich("\n") + text
    turn.edit(posted.message_id, text, buttons, question=item.id)
    return True
