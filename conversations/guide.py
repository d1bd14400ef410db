"""Guided mode: which question comes next, and skip / back / next / later / resume."""

from __future__ import annotations

from conversations import messages
from conversations.checklist import Item
from conversations.merge import ItemStatus
from conversations.richtext import RichText, code, rich, user_text
from conversations.turn import TurnBase

# `back` remembers this many questions.
_HISTORY_LIMIT = 100


class Guide(TurnBase):
    def navigate(self, keyword: str) -> None:
        if self.refuse_if_cancelled():
            return
        cursor = self.state.cursor
        if keyword == "later":
            self.change(guiding=False)
            self.post(
                rich(
                    "Pausing the questions. Answer any item with ",
                    code("4.2: your answer"),
                    ", or say ",
                    code("resume"),
                    ".",
                )
            )
        elif keyword == "resume":
            self.change(guiding=True)
            still_open = cursor is not None and (
                self.merge.item(cursor).status is ItemStatus.MISSING
            )
            text = self.question_text(cursor) if still_open and cursor else self.advance(cursor)
            self.post(text, self.question_buttons())
        elif keyword == "back":
            self.go_back()
        elif cursor is None:
            self.change(guiding=True)
            self.post(self.advance(None), self.question_buttons())
        elif keyword == "skip":
            self.change(skipped=(*self.state.skipped, cursor), guiding=True)
            self.record("item_skipped", cursor)
            number = self.checklist.item(cursor).number
            self.post(
                rich(f"Skipped {number}.\n\n") + self.advance(cursor), self.question_buttons()
            )
        else:  # next: move on, leaving the item open for later
            self.change(guiding=True)
            self.post(self.advance(cursor), self.question_buttons())

    def go_back(self) -> None:
        if not self.state.asked:
            self.tell(rich("There is no earlier question to go back to."))
            return
        previous = self.state.asked[-1]
        self.change(cursor=previous, asked=self.state.asked[:-1], guiding=True)
        item = self.checklist.item(previous)
        current = messages.describe_value(item, self.merge.item(previous))
        self.post(
            rich(f"Back to {item.number} (so far: ", user_text(current), ").\n\n")
            + self.question_text(previous),
            self.question_buttons(),
        )

    def advance(self, after: str | None) -> RichText:
        """Move the cursor to the next open item after `after` and return its question."""
        following = self.next_open_item(after)
        asked = self.state.asked
        if after is not None:
            asked = (*asked, after)[-_HISTORY_LIMIT:]
        if following is None:
            self.change(cursor=None, asked=asked)
            return messages.all_done(self.merge)
        self.change(cursor=following.id, asked=asked)
        return self.question_text(following.id)

    def next_open_item(self, after: str | None) -> Item | None:
        items = list(self.checklist.items())
        start = 0
        if after is not None:
            start = next(i for i, item in enumerate(items) if item.id == after) + 1
        merge = self.merge
        for offset in range(len(items)):
            item = items[(start + offset) % len(items)]
            if merge.item(item.id).status is ItemStatus.MISSING:
                return item
        return None
