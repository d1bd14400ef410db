"""One turn's working set: the evolving report state, and the effects and audit lines the
turn produces. The behaviour lives in the modules built on it (guide, answering, forms,
sending, coordination); `conversations.engine` puts them together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue

from conversations import messages
from conversations.checklist import AnswerKind, Checklist, Item
from conversations.effects import AuditEntry, Button, Effect, Ephemeral, Post, UpdateRoot
from conversations.events import Event, RootPosted, SubmissionOutcome
from conversations.merge import ReportMerge, merge_report
from conversations.people import PersonKey, Space, report_space
from conversations.policy import Policy
from conversations.richtext import RichText, command_ref, rich, strong
from conversations.state import Actor, ReportState, ReportStatus


@dataclass(frozen=True)
class Step:
    state: ReportState | None
    effects: tuple[Effect, ...] = ()
    audit: tuple[AuditEntry, ...] = ()


class TurnBase:
    """The plumbing every turn shares."""

    def __init__(
        self,
        state: ReportState | None,
        event: Event,
        checklist: Checklist,
        now: datetime,
        policy: Policy,
        new_report_id: str | None = None,
    ) -> None:
        self.before = state
        self._state = state
        self.event = event
        self.actor = event.actor
        self.checklist = checklist
        self.now = now
        self.policy = policy
        self.new_report_id = new_report_id
        self.effects: list[Effect] = []
        self.audit: list[AuditEntry] = []
        # Holding the inputs keeps them alive, so identity comparison stays sound.
        self._merges: list[tuple[tuple[object, ...], ReportMerge]] = []

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

    @property
    def me(self) -> PersonKey:
        """Whoever caused this turn, keyed by where the event came from."""
        return PersonKey(self.event.platform, self.event.workspace, self.actor.id)

    @property
    def space(self) -> Space:
        """Where the people this report records (lead, authors, confirmers) live."""
        state = self.state
        return report_space(
            state.platform, state.workspace, self.event.platform, self.event.workspace
        )

    def is_me(self, person: Actor) -> bool:
        """Whether `person`, as recorded in this report, is whoever caused this turn."""
        return self.space.key(person) == self.me

    def is_approver(self) -> bool:
        # An approver acts for reports of their own workspace only: whatever they confirm is
        # recorded as a plain Actor of this report's workspace, where the same id may be
        # someone else.
        me = self.me
        return me in self.policy.approvers and Space(me.platform, me.workspace) == self.space

    def from_report_space(self) -> bool:
        """Whether this turn's person comes from the report's platform and workspace.

        The runner already keeps such events away; the engine checks again because it records
        people as plain Actors of the report's workspace, and a namesake from elsewhere would
        be taken for someone here from then on. The bot's own events come from nobody.
        """
        if self._state is None or isinstance(self.event, RootPosted | SubmissionOutcome):
            return True
        me = self.me
        return Space(me.platform, me.workspace) == self.space

    def refuse_outsider(self) -> None:
        self.tell(
            rich(
                "This report belongs to another workspace, so I can't take that from here. "
                "Nothing was changed."
            )
        )

    def can_decide(self) -> bool:
        return self.is_me(self.state.lead) or self.is_approver()

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

    def finish(self) -> Step:
        after = self._state
        if after is not None and self.before is not None and after.thread is not None:
            card = messages.root_card(after, self.merge_of(after))
            if card != messages.root_card(self.before, self.merge_of(self.before)):
                self.effects.append(
                    UpdateRoot(channel=after.channel, message_id=after.thread, card=card)
                )
        return Step(after, tuple(self.effects), tuple(self.audit))

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
