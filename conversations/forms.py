"""Section forms: opening one (prefilled with the person's own earlier form answers) and
taking a submitted one, all or nothing."""

from __future__ import annotations

from pydantic import JsonValue

from conversations import messages
from conversations.answering import Answering
from conversations.answers import Accepted, parse_answer
from conversations.checklist import AnswerKind, Item, Section
from conversations.commands import Command
from conversations.effects import FormRejected, OpenForm
from conversations.events import FormSubmitted
from conversations.merge import ItemStatus, value_key
from conversations.richtext import Span, command_ref, rich, strong


class Forms(Answering):
    def on_form(self, event: FormSubmitted) -> None:
        if self._state is None:
            self.tell(rich("That report no longer exists."))
            return
        section = self.checklist.find_section(event.section_id)
        if section is None:
            self.tell(rich("That form belongs to a section this checklist does not have."))
            return
        if self.refuse_if_cancelled():
            return
        errors: dict[str, str] = {}
        entered: dict[str, tuple[Item, str, JsonValue]] = {}
        for item in section.items:
            text = event.values.get(item.id, "").strip()
            if not text:
                continue
            if item.kind is AnswerKind.TLP and not self.can_decide():
                errors[item.id] = "Only the lead or an approver sets the TLP."
                continue
            parsed = parse_answer(item, text)
            if isinstance(parsed, Accepted):
                entered[item.id] = (item, text, parsed.value)
            else:
                errors[item.id] = parsed.reason
        if errors:
            self.effects.append(FormRejected(user=self.actor, errors=errors))
            return
        changed = self.apply_form(section, entered)
        if not changed:
            self.tell(rich("The form had no new answers; nothing changed."))
            return
        self.record("form_submitted", section=section.id, items=list(changed))
        numbers = ", ".join(self.checklist.item(item_id).number for item_id in changed)
        notice: list[Span | str] = [
            strong(self.actor.name),
            f" answered section {section.number} in a form: ",
            numbers,
            ".",
        ]
        for item_id in changed:
            merged = self.merge.item(item_id)
            if merged.status is ItemStatus.CONFLICT:
                notice += ["\n", *messages.conflict_notice(merged)]
        self.post(rich(*notice))

    def apply_form(
        self, section: Section, entered: dict[str, tuple[Item, str, JsonValue]]
    ) -> list[str]:
        """Replace this person's earlier form answers in the section; returns changed ids."""
        changed: list[str] = []
        for item in section.items:
            previous = [
                c
                for c in self.state.contributions
                if c.active and c.item_id == item.id and c.via == "form" and self.is_me(c.author)
            ]
            if item.id not in entered:
                for contribution in previous:  # cleared in the form: withdrawn
                    self.retract(contribution, "edited_away")
                if previous:
                    changed.append(item.id)
                continue
            _, text, value = entered[item.id]
            if any(value_key(c.value) == value_key(value) for c in previous):
                continue
            for contribution in previous:
                self.retract(contribution, "superseded")
            self.add_contribution(item, text, value, via="form", message_id=None)
            changed.append(item.id)
        return changed

    def open_form(self, section: Section, trigger: str | None) -> None:
        if self.refuse_if_cancelled():
            return
        self.effects.append(
            OpenForm(
                channel=self.state.channel,
                user=self.actor,
                trigger=trigger,
                form=messages.section_form(self.state, section, self.is_me),
            )
        )

    def open_form_command(self, command: Command) -> None:
        if command.argument:
            section = self.checklist.find_section(command.argument)
        elif self.state.cursor is not None:
            section = self.checklist.section_of(self.checklist.item(self.state.cursor))
        else:
            section = None
        if section is None:
            self.tell(
                rich(
                    "Which section? Use ",
                    command_ref("form <section>"),
                    ". Sections: ",
                    self._section_list(),
                    ".",
                )
            )
            return
        self.open_form(section, getattr(self.event, "trigger", None))
