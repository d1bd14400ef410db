"""One turn's working set: the evolving report state, and the effects and audit lines the turn
produces. The behaviour is plain functions over it, grouped by concern (guide, answering,
recording, forms, sending, coordination, permissions); `conversations.engine` routes each event
to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import JsonValue

from conversations.answers.temporal import TimeContext
from conversations.checklist import Checklist
from conversations.effects import AuditEntry, Button, EditPost, Effect, Ephemeral, Post
from conversations.events import Event
from conversations.merge import ReportMerge, merge_report
from conversations.policy import Policy
from conversations.richtext import RichText
from conversations.state import Actor, ReportChoice, ReportState

if TYPE_CHECKING:  # the command table's handlers take a Turn
    from conversations.command_spec import CommandTable


@dataclass(frozen=True)
class Step:
    state: ReportState | None
    effects: tuple[Effect, ...] = ()
    audit: tuple[AuditEntry, ...] = ()


@dataclass
class Turn:
    """What one call of `step` works on. Only these few operations change it: the state
    (`change`, or `current` set when a report starts), the effects (`post`, `tell`, `emit`)
    and the audit (`record`)."""

    before: ReportState | None
    current: ReportState | None
    event: Event
    checklist: Checklist
    now: datetime
    policy: Policy
    # The commands this turn understands (the help lists them).
    commands: CommandTable
    new_report_id: str | None = None
    new_report_number: int | None = None
    # The channel's open reports when a command named none and there are several: it asks.
    open_reports: tuple[ReportChoice, ...] = ()
    effects: list[Effect] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    # Holding the inputs keeps them alive, so identity comparison stays sound.
    _merges: list[tuple[tuple[object, ...], ReportMerge]] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return self.event.actor

    @property
    def time_context(self) -> TimeContext:
        """When and in which zone this turn's answers were written."""
        return TimeContext(self.now, self.event.tz)

    @property
    def state(self) -> ReportState:
        """The report; handlers that need one are only called when there is one."""
        assert self.current is not None, "handlers that need a report check for one first"
        return self.current

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
        self.current = self.state.model_copy(update={**updates, "updated_at": self.now})

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def post(
        self, text: RichText, buttons: tuple[Button, ...] = (), question: str | None = None
    ) -> None:
        """A message in the report's thread (`question`: the item it asks)."""
        state = self.state
        self.emit(
            Post(
                channel=state.channel,
                thread=state.thread,
                text=text,
                buttons=buttons,
                question=question,
            )
        )

    def edit(
        self,
        message_id: str | None,
        text: RichText,
        buttons: tuple[Button, ...] = (),
        question: str | None = None,
    ) -> None:
        """Rewrite a message the bot posted in the report's thread (`question`: the item it
        asked; `message_id` None for a question the platform has not confirmed yet, see
        EditPost)."""
        state = self.state
        self.emit(
            EditPost(
                channel=state.channel,
                thread=state.thread,
                report_id=state.id,
                message_id=message_id,
                text=text,
                buttons=buttons,
                question=question,
            )
        )

    def tell(self, text: RichText, buttons: tuple[Button, ...] = ()) -> None:
        """A private notice to whoever caused this turn."""
        where = self.current or self.event
        self.emit(
            Ephemeral(
                channel=where.channel,
                thread=where.thread,
                user=self.actor,
                text=text,
                buttons=buttons,
                report=_headline(self.current) if self.current is not None else None,
            )
        )

    def record(self, action: str, item_id: str | None = None, **detail: JsonValue) -> None:
        self.audit.append(
            AuditEntry(at=self.now, actor=self.actor, action=action, item_id=item_id, detail=detail)
        )


def _headline(state: ReportState) -> str:
    """The report as people name it: "#2 Prompt injection …" once it has its number."""
    return f"#{state.number} {state.title}" if state.number is not None else state.title
