"""The conversation engine: `(state, event, checklist, now) -> (state, effects)`, nothing else.

No I/O, no clock, no platform: the turn runner loads the state, calls `step`, saves the new
state and performs the effects. Every input — however odd — yields a step; mistakes become a
friendly ephemeral notice and leave the report as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue

from conversations import actions, messages
from conversations.answers import Accepted, display_value, parse_answer, tlp_meaning
from conversations.checklist import AnswerKind, Checklist, Item, Section
from conversations.commands import (
    MAX_TITLE_LENGTH,
    Command,
    is_side_remark,
    parse_command,
    parse_direct_answer,
    parse_thread_keyword,
)
from conversations.effects import (
    AuditEntry,
    Button,
    Effect,
    Ephemeral,
    FormRejected,
    OpenForm,
    Post,
    PostRoot,
    ShowPreview,
    SubmitRequested,
    UpdateRoot,
)
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    Event,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    RootPosted,
    SubmissionOutcome,
)
from conversations.merge import ItemMerge, ItemStatus, ReportMerge, merge_report, value_key
from conversations.policy import Policy
from conversations.richtext import (
    RichText,
    Span,
    code,
    command_ref,
    mention,
    rich,
    strong,
    user_text,
)
from conversations.state import (
    Assignment,
    Contribution,
    ReportState,
    ReportStatus,
    Resolution,
    RetractReason,
    SendRequest,
    Via,
)

# Ids derived from platform event ids keep replays and retries deterministic.
_NAMESPACE = uuid.UUID("3f0c7a52-5d0e-4b8e-9a57-6f1d2a9c0b11")
_CommandHandler = Callable[[Command], None]
# `back` remembers this many questions.
_HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Step:
    state: ReportState | None
    effects: tuple[Effect, ...] = ()
    audit: tuple[AuditEntry, ...] = ()


def step(
    state: ReportState | None,
    event: Event,
    checklist: Checklist,
    now: datetime,
    policy: Policy | None = None,
) -> Step:
    turn = _Turn(state, event, checklist, now, policy or Policy())
    match event:
        case CommandIssued():
            turn.on_command(event)
        case MessagePosted():
            turn.on_message(event)
        case MessageEdited():
            turn.on_edit(event)
        case MessageDeleted():
            turn.on_delete(event)
        case FormSubmitted():
            turn.on_form(event)
        case ButtonPressed():
            turn.on_button(event)
        case RootPosted():
            turn.on_root_posted(event)
        case SubmissionOutcome():
            turn.on_submission_outcome(event)
    return turn.finish()


def report_id_for(platform: str, event_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"report:{platform}:{event_id}"))


class _Turn:
    """One turn's working set: the evolving state plus the effects and audit it produces."""

    def __init__(
        self,
        state: ReportState | None,
        event: Event,
        checklist: Checklist,
        now: datetime,
        policy: Policy,
    ) -> None:
        self.before = state
        self._state = state
        self.event = event
        self.actor = event.actor
        self.checklist = checklist
        self.now = now
        self.policy = policy
        self.effects: list[Effect] = []
        self.audit: list[AuditEntry] = []
        # Holding the inputs keeps them alive, so identity comparison stays sound.
        self._merges: list[tuple[tuple[object, ...], ReportMerge]] = []

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def state(self) -> ReportState:
        assert self._state is not None, "handlers that need a report check for one first"
        return self._state

    def merge_of(self, state: ReportState) -> ReportMerge:
        # A turn changes the state several times, mostly the cursor; the merge depends only
        # on these four fields, so it is recomputed only when one of them really changed.
        inputs = (state.contributions, state.resolutions, state.skipped, state.assignments)
        for known, merge in self._merges:
            if all(a is b for a, b in zip(known, inputs, strict=True)):
                return merge
        merge = merge_report(state, self.checklist, self.policy.default_tlp)
        self._merges.append((inputs, merge))
        return merge

    @property
    def merge(self) -> ReportMerge:
        return self.merge_of(self.state)

    def change(self, **updates: object) -> None:
        self._state = self.state.model_copy(update={**updates, "updated_at": self.now})

    def post(self, text: RichText, buttons: tuple[Button, ...] = ()) -> None:
        self.effects.append(
            Post(channel=self.state.channel, thread=self.state.thread, text=text, buttons=buttons)
        )

    def tell(self, text: RichText, buttons: tuple[Button, ...] = ()) -> None:
        """A private notice to whoever caused this turn."""
        channel = self._state.channel if self._state else self.event.channel
        thread = self._state.thread if self._state else self.event.thread
        self.effects.append(
            Ephemeral(channel=channel, thread=thread, user=self.actor, text=text, buttons=buttons)
        )

    def record(self, action: str, item_id: str | None = None, **detail: JsonValue) -> None:
        self.audit.append(
            AuditEntry(at=self.now, actor=self.actor, action=action, item_id=item_id, detail=detail)
        )

    def can_decide(self) -> bool:
        return self.actor.id == self.state.lead.id or self.actor.id in self.policy.approvers

    def refuse_unless_decider(self, what: str) -> bool:
        if self.can_decide():
            return False
        self.tell(
            rich(
                "Only the lead (",
                strong(self.state.lead.name),
                f") or an approver can {what}. Nothing was changed.",
            )
        )
        return True

    def finish(self) -> Step:
        after = self._state
        if after is not None and self.before is not None and after.thread is not None:
            card = messages.root_card(after, self.merge_of(after))
            if card != messages.root_card(self.before, self.merge_of(self.before)):
                self.effects.append(
                    UpdateRoot(channel=after.channel, message_id=after.thread, card=card)
                )
        return Step(after, tuple(self.effects), tuple(self.audit))

    # -- commands ---------------------------------------------------------------------------

    def on_command(self, event: CommandIssued) -> None:
        command = parse_command(event.text)
        if command.name == "new":
            self.new_report(command.argument)
            return
        if command.name == "help":
            self.tell(messages.help_text())
            return
        if self._state is None:
            self.tell(
                rich(
                    "There is no open JCDC report in this channel. Start one with ",
                    command_ref("new <title>"),
                    ".",
                )
            )
            return
        handler = self._command_handlers().get(command.name)
        if handler is None:
            self.tell(
                rich(
                    "I don't know the command ",
                    user_text(command.name),
                    ". Try ",
                    command_ref("help"),
                    ".",
                )
            )
            return
        handler(command)

    def _command_handlers(self) -> dict[str, _CommandHandler]:
        return {
            "status": lambda _: self.show_status(),
            "preview": lambda _: self.show_preview(),
            "send": lambda _: self.request_send(),
            "confirm": lambda _: self.confirm_send(),
            "cancel": self.cancel,
            "reopen": lambda _: self.reopen(),
            "assign": self.assign,
            "tlp": self.set_tlp,
            "resolve": self.resolve,
            "lead": self.hand_over_lead,
            "form": self.open_form_command,
            "skip": lambda _: self.navigate("skip"),
            "back": lambda _: self.navigate("back"),
            "next": lambda _: self.navigate("next"),
            "later": lambda _: self.navigate("later"),
            "resume": lambda _: self.navigate("resume"),
        }

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
        if len(title) > MAX_TITLE_LENGTH:
            self.tell(
                rich(
                    f"Titles can be at most {MAX_TITLE_LENGTH} characters; "
                    f"that one has {len(title)}. Put details in the answers."
                )
            )
            return
        event = self.event
        self._state = ReportState(
            id=report_id_for(event.platform, event.event_id),
            platform=event.platform,
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

    def open_form(self, section: Section, trigger: str | None) -> None:
        if self.refuse_if_cancelled():
            return
        self.effects.append(
            OpenForm(
                channel=self.state.channel,
                user=self.actor,
                trigger=trigger,
                form=messages.section_form(self.state, section, self.actor),
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

    # -- sending ------------------------------------------------------------------------------

    def request_send(self) -> None:
        if self.refuse_if_cancelled():
            return
        request = SendRequest(requested_by=self.actor, requested_at=self.now)
        self.change(send_request=request)
        self.record("send_requested")
        if not self.policy.confirm_send and self.can_decide():
            self.confirm_send()
            return
        self.post(
            messages.send_confirmation(self.state, self.merge, self.policy, self.actor),
            self.confirmation_buttons(),
        )

    def confirm_send(self) -> None:
        if not self.can_decide():
            self.record("send_confirmation_refused")
            self.refuse_unless_decider("confirm sending to JCDC")
            return
        request = self.state.send_request
        if request is None:
            self.tell(
                rich("No send is waiting for confirmation. Start with ", command_ref("send"), ".")
            )
            return
        needed = self.policy.confirmations_needed
        if len(request.confirmed_by) >= needed:
            names = " and ".join(a.name for a in request.confirmed_by)
            self.tell(
                rich(
                    "Already confirmed by ",
                    strong(names),
                    "; the report is queued. Nothing more to do.",
                )
            )
            return
        if any(a.id == self.actor.id for a in request.confirmed_by):
            self.tell(
                rich(
                    "You already confirmed. The two-person rule needs a second, "
                    "different approver (the lead or a configured approver)."
                )
            )
            return
        confirmed = request.model_copy(update={"confirmed_by": (*request.confirmed_by, self.actor)})
        if len(confirmed.confirmed_by) < needed:
            self.change(send_request=confirmed)
            self.record("send_confirmed_first")
            self.post(
                rich(
                    strong(self.actor.name),
                    " confirmed. Under the two-person rule a "
                    "second approver must confirm too before anything is sent.",
                ),
                self.confirmation_buttons(),
            )
            return
        self.change(send_request=confirmed, status=ReportStatus.SUBMIT_REQUESTED)
        self.record("send_confirmed")
        self.effects.append(
            SubmitRequested(
                report_id=self.state.id,
                report_version=self.state.version + 1,
                requested_by=request.requested_by,
                confirmed_by=confirmed.confirmed_by,
                at=self.now,
            )
        )
        self.post(
            rich(
                "Confirmed by ",
                strong(self.actor.name),
                ". The report, marked ",
                strong(self.merge.tlp),
                ", is queued for ",
                code(self.policy.recipient),
                ". I'll post the outcome here.",
            )
        )

    def confirmation_buttons(self) -> tuple[Button, ...]:
        return (
            Button(
                action=actions.CONFIRM_SEND,
                label="Confirm and send",
                value=self.state.id,
                style="primary",
            ),
            Button(action=actions.CANCEL_SEND, label="Cancel", value=self.state.id, style="danger"),
        )

    def on_submission_outcome(self, event: SubmissionOutcome) -> None:
        if self._state is None:
            return
        when = event.at.strftime("%Y-%m-%d %H:%M UTC")
        if event.outcome == "sent":
            self.change(status=ReportStatus.SENT)
            self.record(
                "submission_sent", submission=event.submission_id, message_id=event.message_id
            )
            self.post(
                rich(
                    strong("Sent to JCDC"),
                    f" ({self.policy.recipient}) at {when}. ",
                    "Message-ID: ",
                    code(event.message_id or "?"),
                    ". Later answers can go out as a follow-up with ",
                    command_ref("send"),
                    ".",
                )
            )
        elif event.outcome == "retrying":
            self.record("submission_delayed", submission=event.submission_id, reason=event.detail)
            retry = (
                event.next_attempt_at.strftime("%Y-%m-%d %H:%M UTC")
                if event.next_attempt_at
                else "shortly"
            )
            self.post(
                rich(
                    strong("Delivery to JCDC is delayed: "),
                    event.detail,
                    f". The report stays queued; next attempt {retry}.",
                )
            )
        else:
            self.change(status=ReportStatus.OPEN, send_request=None)
            self.record("submission_failed", submission=event.submission_id, reason=event.detail)
            self.post(
                rich(
                    strong("Sending to JCDC failed: "),
                    event.detail,
                    ". Nothing was delivered. Ask an administrator to check the mail "
                    "settings, then retry with ",
                    code(f"jcdc-bot outbox retry {event.submission_id}"),
                    " or press Send again.",
                )
            )

    def cancel_send(self) -> None:
        request = self.state.send_request
        if request is None or len(request.confirmed_by) >= self.policy.confirmations_needed:
            self.tell(rich("There is no pending send to cancel."))
            return
        self.change(send_request=None)
        self.record("send_cancelled")
        self.post(rich("Send cancelled by ", strong(self.actor.name), ". Nothing was sent."))

    def refuse_if_cancelled(self) -> bool:
        if self.state.status is not ReportStatus.CANCELLED:
            return False
        self.tell(
            rich(
                "This report was cancelled. The lead can ",
                command_ref("reopen"),
                " it, or start a new one with ",
                command_ref("new <title>"),
                ".",
            )
        )
        return True

    # -- the thread -----------------------------------------------------------------------------

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
        return display_value(item, latest.value)

    def on_edit(self, event: MessageEdited) -> None:
        if self._state is None:
            return
        targets = [
            c
            for c in self.state.contributions
            if c.active and c.source_message_id == event.message_id
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
            self.retract(contribution, "deleted")
            number = self.checklist.item(contribution.item_id).number
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

    # -- forms and buttons ------------------------------------------------------------------

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
                if c.active
                and c.item_id == item.id
                and c.via == "form"
                and c.author.id == self.actor.id
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

    def on_button(self, event: ButtonPressed) -> None:
        if self._state is None:
            self.tell(rich("That report no longer exists."))
            return
        if event.action == actions.OPEN_FORM:
            section = self.checklist.find_section(event.value.rpartition(":")[2])
            if section is None:
                self.tell(rich("That form is no longer available."))
            else:
                self.open_form(section, event.trigger)
            return
        handlers = {
            actions.STATUS: self.show_status,
            actions.PREVIEW: self.show_preview,
            actions.SEND: self.request_send,
            actions.CONFIRM_SEND: self.confirm_send,
            actions.CANCEL_SEND: self.cancel_send,
        }
        handler = handlers.get(event.action)
        if handler is None:
            self.tell(
                rich(
                    "That button is not one I know (it may be from an older message). Try ",
                    command_ref("help"),
                    ".",
                )
            )
            return
        handler()

    # -- answers ------------------------------------------------------------------------------

    def refuse_tlp_change(self, item: Item) -> bool:
        if item.kind is AnswerKind.TLP and not self.can_decide():
            self.tell(
                rich(
                    "Only the lead (",
                    strong(self.state.lead.name),
                    ") or an approver sets the TLP marking. Nothing was recorded.",
                )
            )
            return True
        return False

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
            if c.active and c.item_id == item.id and c.author.id == self.actor.id
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
            id=str(uuid.uuid5(_NAMESPACE, f"{event.platform}:{event.event_id}:{item.id}")),
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

    # -- guided mode ----------------------------------------------------------------------------

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

    def question_text(self, item_id: str) -> RichText:
        item = self.checklist.item(item_id)
        section = self.checklist.section_of(item)
        assignee = next(
            (a.assignee for a in self.state.assignments if a.section_id == section.id), None
        )
        return messages.question(
            item,
            section,
            messages.checklist_position(self.checklist, item),
            self.checklist.item_count,
            assignee,
        )

    def question_buttons(self) -> tuple[Button, ...]:
        if self.state.cursor is None:
            return ()
        section = self.checklist.section_of(self.checklist.item(self.state.cursor))
        return (messages.form_button(section, self.state.id),)

    def _section_list(self) -> str:
        return ", ".join(f"{s.number} {s.title}" for s in self.checklist.sections)
