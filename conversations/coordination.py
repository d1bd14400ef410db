"""Running the report: starting it, status and preview, assigning sections, the TLP
marking, settling conflicts, handing over the lead, cancelling and reopening."""

from __future__ import annotations

from pydantic import JsonValue

from conversations import messages
from conversations.answers import Accepted, parse_answer, tlp_meaning
from conversations.checklist import AnswerKind, Item
from conversations.commands import MAX_TITLE_LENGTH, Command
from conversations.effects import PostRoot, ShowPreview
from conversations.events import RootPosted
from conversations.ids import report_id_for
from conversations.merge import ItemMerge, ItemStatus
from conversations.richtext import command_ref, mention, rich, strong, user_text
from conversations.sending import Sending
from conversations.state import Assignment, ReportState, ReportStatus, Resolution


class Coordination(Sending):
    def new_report(self, title: str) -> None:
        if not title:
            self.tell(
                rich(
                    "Give the report a title, e.g. ",
                    command_ref("new Prompt injection in support copilot"),
                    ".",
                )
            )
            return
        if "\x00" in title:
            self.tell(rich("That title contains a NUL character; please type it again."))
            return
        if len(title) > MAX_TITLE_LENGTH:
            self.tell(
                rich(
                    f"Titles can be at most {MAX_TITLE_LENGTH} characters; "
                    f"that one has {len(title)}. Put details in the answers."
                )
            )
            return
        event = self.event
        report_id = self.new_report_id
        if report_id is None:
            report_id = report_id_for(event.platform, event.event_id)
        self._state = ReportState(
            id=report_id,
            platform=event.platform,
            workspace=event.workspace,
            channel=event.channel,
            title=title,
            lead=self.actor,
            created_at=self.now,
            updated_at=self.now,
            checklist_version=self.checklist.version,
        )
        self.record("report_created", title=title, checklist_version=self.checklist.version)
        self.effects.append(
            PostRoot(
                report_id=self.state.id,
                channel=self.state.channel,
                card=messages.root_card(self.state, self.merge),
            )
        )

    def on_root_posted(self, event: RootPosted) -> None:
        if self._state is None or self.state.thread is not None:
            return  # a replay: the thread already exists
        self.change(thread=event.message_id)
        self.record("thread_opened", message_id=event.message_id)
        self.post(
            messages.welcome(self.state) + rich("\n\n") + self.advance(None),
            self.question_buttons(),
        )

    def show_status(self) -> None:
        self.tell(messages.status(self.state, self.merge))

    def show_preview(self) -> None:
        self.effects.append(
            ShowPreview(
                report_id=self.state.id,
                channel=self.state.channel,
                thread=self.state.thread,
                user=self.actor,
            )
        )

    def assign(self, command: Command) -> None:
        reference = command.argument.split(" ", 1)[0] if command.argument else ""
        section = self.checklist.find_section(reference) if reference else None
        mentions = getattr(self.event, "mentions", ())
        if section is None or not mentions:
            self.tell(
                rich(
                    "Use ",
                    command_ref("assign <section> @person"),
                    ", e.g. ",
                    command_ref("assign 4 @dana"),
                    ". Sections: ",
                    self._section_list(),
                    ".",
                )
            )
            return
        assignee = mentions[0]
        current = next((a for a in self.state.assignments if a.section_id == section.id), None)
        # Anyone may take an open section; handing work to others, or taking it from whoever
        # has it, is the lead's call.
        taking_open_section = current is None and self.space.key(assignee) == self.me
        if not (taking_open_section or self.can_decide()):
            who = rich("Only the lead (", strong(self.state.lead.name), ") or an approver ")
            if current is None:
                self.tell(
                    who
                    + rich(
                        "can hand a section to someone else; you can take an unassigned one with ",
                        command_ref(f"assign {section.number} @you"),
                        ". Nothing was changed.",
                    )
                )
            else:
                self.tell(
                    who
                    + rich(
                        f"can reassign section {section.number}; it is ",
                        strong(current.assignee.name),
                        "'s. Nothing was changed.",
                    )
                )
            return
        kept = tuple(a for a in self.state.assignments if a.section_id != section.id)
        assignment = Assignment(
            section_id=section.id, assignee=assignee, by=self.actor, at=self.now
        )
        self.change(assignments=(*kept, assignment))
        self.record("section_assigned", section=section.id, assignee=assignee.id)
        self.post(
            rich(
                mention(assignee.id, assignee.name),
                ", ",
                strong(self.actor.name),
                f" handed you section {section.number} — {section.title}.",
            ),
            (messages.form_button(section, self.state.id),),
        )

    def set_tlp(self, command: Command) -> None:
        item = next((i for i in self.checklist.items() if i.kind is AnswerKind.TLP), None)
        if item is None:
            self.tell(rich("This checklist has no TLP item."))
            return
        if not command.argument:
            self.tell(
                rich(
                    f"The marking is {self.merge.tlp}. Change it with ",
                    command_ref("tlp <clear|green|amber|amber+strict|red>"),
                    ".",
                )
            )
            return
        merged = self.contribute(item, command.argument, via="command", message_id=None)
        if merged is not None and isinstance(merged.value, str):
            self.post(
                rich(
                    "Marking set to ",
                    strong(merged.value),
                    " by ",
                    strong(self.actor.name),
                    ". ",
                    tlp_meaning(merged.value),
                )
            )

    def resolve(self, command: Command) -> None:
        if self.refuse_unless_decider("settle conflicting answers"):
            return
        reference, _, choice = command.argument.partition(" ")
        item = self.checklist.find_item(reference) if reference else None
        if item is None or not choice.strip():
            self.tell(
                rich(
                    "Use ",
                    command_ref("resolve <item> <choice>"),
                    ", e.g. ",
                    command_ref("resolve 1.5 2"),
                    " to pick the second value shown.",
                )
            )
            return
        merged = self.merge.item(item.id)
        if merged.status is not ItemStatus.CONFLICT:
            self.tell(rich(f"{item.number} has no open conflict."))
            return
        value = self._chosen_value(item, merged, choice.strip())
        if value is None:
            return
        kept = tuple(r for r in self.state.resolutions if r.item_id != item.id)
        self.change(
            resolutions=(
                *kept,
                Resolution(item_id=item.id, value=value, by=self.actor, at=self.now),
            )
        )
        self.record("conflict_resolved", item.id, value=value)
        self.post(
            rich(
                strong(self.actor.name),
                f" settled {item.number}: ",
                user_text(messages.describe_value(item, self.merge.item(item.id))),
            )
        )

    def _chosen_value(self, item: Item, merged: ItemMerge, choice: str) -> JsonValue | None:
        if choice.isdecimal():
            index = int(choice)
            if 1 <= index <= len(merged.alternatives):
                return merged.alternatives[index - 1].value
            self.tell(rich(f"Pick a number from 1 to {len(merged.alternatives)}."))
            return None
        parsed = parse_answer(item, choice)
        if not isinstance(parsed, Accepted):
            self.tell(rich(f"{item.number}: {parsed.reason}"))
            return None
        return parsed.value

    def hand_over_lead(self, command: Command) -> None:
        if self.refuse_unless_decider("hand over the lead"):
            return
        mentions = getattr(self.event, "mentions", ())
        if not mentions:
            self.tell(rich("Use ", command_ref("lead @person"), "."))
            return
        new_lead = mentions[0]
        self.change(lead=new_lead)
        self.record("lead_changed", new_lead=new_lead.id)
        self.post(
            rich(
                strong(self.actor.name),
                " handed the lead to ",
                mention(new_lead.id, new_lead.name),
                ".",
            )
        )

    def cancel(self, command: Command) -> None:
        if command.argument.lower() == "send":
            self.cancel_send()
            return
        if self.refuse_unless_decider("cancel the report"):
            return
        if self.state.status is ReportStatus.CANCELLED:
            self.tell(rich("This report is already cancelled."))
            return
        if self.state.status is ReportStatus.SUBMIT_REQUESTED:
            self.tell(
                rich(
                    "This report was already confirmed for sending to JCDC, so "
                    "cancelling it now would not unsend it. Nothing was changed."
                )
            )
            return
        self.change(status=ReportStatus.CANCELLED, cursor=None, send_request=None)
        self.record("report_cancelled")
        self.post(
            rich(
                "Report cancelled by ",
                strong(self.actor.name),
                ". Nothing was sent; the lead can ",
                command_ref("reopen"),
                " it.",
            )
        )

    def reopen(self) -> None:
        if self.refuse_unless_decider("reopen the report"):
            return
        if self.state.status is not ReportStatus.CANCELLED:
            self.tell(rich("This report is not cancelled."))
            return
        self.change(status=ReportStatus.OPEN, guiding=True)
        self.record("report_reopened")
        self.post(
            rich("Report reopened by ", strong(self.actor.name), ".\n\n") + self.advance(None),
            self.question_buttons(),
        )
