"""Answers in the thread: guided replies, `N.M:` direct answers, edits and deletions, and
the one rule for recording a contribution."""

from __future__ import annotations

from pydantic import JsonValue

from conversations import messages
from conversations.answers import Accepted, acknowledgement, parse_answer
from conversations.checklist import AnswerKind, Item
from conversations.commands import is_side_remark, parse_direct_answer, parse_thread_keyword
from conversations.events import MessageDeleted, MessageEdited, MessagePosted
from conversations.guide import Guide
from conversations.ids import contribution_id_for
from conversations.merge import ItemMerge, ItemStatus, value_key
from conversations.richtext import Span, command_ref, rich, strong, user_text
from conversations.state import Contribution, RetractReason, Via


class Answering(Guide):
    def on_message(self, event: MessagePosted) -> None:
        if self._state is None or is_side_remark(event.text):
            return
        direct = parse_direct_answer(event.text)
        keyword = None if direct else parse_thread_keyword(event.text)
        if keyword == "help":
            self.tell(messages.help_text())
            return
        if self.refuse_if_cancelled():
            return
        if keyword is not None:
            self.navigate(keyword)
        elif direct is not None:
            self.direct_answer(direct.number, direct.text, event.message_id)
        elif self.state.guiding and self.state.cursor is not None:
            self.guided_answer(event.text, event.message_id)

    def guided_answer(self, text: str, message_id: str) -> None:
        item = self.checklist.item(self.state.cursor or "")
        merged = self.contribute(item, text, via="guided", message_id=message_id)
        if merged is None:
            return
        self.post(
            messages.recorded(self.actor, item, self._shown(item), merged)
            + rich("\n\n")
            + self.advance(item.id),
            self.question_buttons(),
        )

    def direct_answer(self, number: str, text: str, message_id: str) -> None:
        item = self.checklist.find_item(number)
        if item is None:
            self.tell(
                rich(
                    f"There is no item {number}. Sections: ",
                    self._section_list(),
                    "; ",
                    command_ref("status"),
                    " lists them.",
                )
            )
            return
        merged = self.contribute(item, text, via="direct", message_id=message_id)
        if merged is None:
            return
        reply = messages.recorded(self.actor, item, self._shown(item), merged)
        if self.state.guiding and self.state.cursor == item.id:
            self.post(reply + rich("\n\n") + self.advance(item.id), self.question_buttons())
        else:
            self.post(reply)

    def _shown(self, item: Item) -> str:
        """How this turn's new answer reads back (the last contribution just added)."""
        latest = self.state.contributions[-1]
        return acknowledgement(item, latest.value)

    def on_edit(self, event: MessageEdited) -> None:
        if self._state is None:
            return
        # Only a message's author can edit it; an edit that claims to come from someone else
        # (a namesake in another workspace, say) changes nobody's answer.
        targets = [
            c
            for c in self.state.contributions
            if c.active and c.source_message_id == event.message_id and self.is_me(c.author)
        ]
        if not targets:
            return
        direct = parse_direct_answer(event.text)
        for contribution in targets:
            self.edit_contribution(
                contribution,
                event,
                direct.number if direct else None,
                direct.text if direct else event.text,
            )

    def edit_contribution(
        self, old: Contribution, event: MessageEdited, number: str | None, text: str
    ) -> None:
        old_item = self.checklist.item(old.item_id)
        new_item = self.checklist.find_item(number) if number else old_item
        if new_item is None:
            self.tell(
                rich(
                    f"Your edit points at item {number}, which does not exist; "
                    f"your answer to {old_item.number} stays as it was."
                )
            )
            return
        if new_item.id != old_item.id:
            merged = self.contribute(new_item, text, via="direct", message_id=event.message_id)
            if merged is not None:
                self.retract(old, "edited_away")
                self.post(
                    rich(
                        strong(self.actor.name),
                        f" moved an answer from {old_item.number} to {new_item.number}: ",
                        user_text(self._shown(new_item)),
                    )
                )
            return
        if self.refuse_tlp_change(new_item):
            return
        parsed = parse_answer(new_item, text)
        if not isinstance(parsed, Accepted):
            self.tell(
                rich(
                    f"Your edit to {new_item.number} could not be used: {parsed.reason} "
                    "The earlier answer stays."
                )
            )
            return
        edited = old.model_copy(update={"raw": text, "value": parsed.value, "edited_at": self.now})
        self.change(
            contributions=tuple(edited if c.id == old.id else c for c in self.state.contributions)
        )
        self.record("answer_edited", new_item.id, contribution=old.id, raw=text)
        merged = self.merge.item(new_item.id)
        notice: list[Span | str] = [
            strong(old.author.name),
            f" edited {new_item.number}: ",
            user_text(parsed.display),
        ]
        if merged.status is ItemStatus.CONFLICT:
            notice += ["\n", *messages.conflict_notice(merged)]
        self.post(rich(*notice))

    def on_delete(self, event: MessageDeleted) -> None:
        if self._state is None:
            return
        for contribution in [
            c
            for c in self.state.contributions
            if c.active and c.source_message_id == event.message_id
        ]:
            item = self.checklist.item(contribution.item_id)
            number = item.number
            if item.kind is AnswerKind.TLP and not self.can_decide():
                # Withdrawing a marking changes the marking: a former lead deleting their old
                # answer must not lower it behind the current lead's back.
                self.tell(
                    rich(
                        f"That message is gone, but its answer to {number} stays: only the lead (",
                        strong(self.state.lead.name),
                        ") or an approver changes the TLP marking.",
                    )
                )
                continue
            self.retract(contribution, "deleted")
            self.post(
                rich(
                    strong(contribution.author.name),
                    f"'s answer to {number} was withdrawn (message deleted).",
                )
            )

    def retract(self, contribution: Contribution, reason: RetractReason) -> None:
        retracted = contribution.model_copy(
            update={"retracted_at": self.now, "retracted_reason": reason}
        )
        self.change(
            contributions=tuple(
                retracted if c.id == contribution.id else c for c in self.state.contributions
            )
        )
        self.record(
            "answer_retracted", contribution.item_id, contribution=contribution.id, reason=reason
        )

    def contribute(
        self, item: Item, text: str, via: Via, message_id: str | None
    ) -> ItemMerge | None:
        """Parse and record one answer; explain and record nothing when it is unusable."""
        if self.refuse_tlp_change(item):
            return None
        parsed = parse_answer(item, text)
        if not isinstance(parsed, Accepted):
            self.tell(rich(strong(f"{item.number}: "), parsed.reason, " Nothing was recorded."))
            return None
        own = [
            c
            for c in self.state.contributions
            if c.active and c.item_id == item.id and self.is_me(c.author)
        ]
        if any(value_key(c.value) == value_key(parsed.value) for c in own):
            self.tell(rich(f"You already gave that answer to {item.number}; nothing changed."))
            return None
        # A person changing their own single answer replaces it; it is not a conflict.
        if not item.accumulates:
            for contribution in own:
                self.retract(contribution, "superseded")
        self.add_contribution(item, text, parsed.value, via=via, message_id=message_id)
        return self.merge.item(item.id)

    def add_contribution(
        self, item: Item, text: str, value: JsonValue, via: Via, message_id: str | None
    ) -> None:
        event = self.event
        contribution = Contribution(
            id=contribution_id_for(event.platform, event.event_id, item.id),
            item_id=item.id,
            author=self.actor,
            at=self.now,
            via=via,
            source_message_id=message_id,
            raw=text,
            value=value,
        )
        self.change(
            contributions=(*self.state.contributions, contribution),
            skipped=tuple(s for s in self.state.skipped if s != item.id),
        )
        self.record("answer_recorded", item.id, contribution=contribution.id, via=via, raw=text)
