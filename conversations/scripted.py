"""Events written by a script rather than a platform: the demo (`jcdc-bot demo`), the engine's
test harness and the benchmarks all make theirs here.

Each event gets a fresh id (ids are what makes replays idempotent, so a script must never
reuse one), comes from the script's platform, workspace and channel unless an `origin` says
otherwise, and lands in the report's thread once the script knows it (`thread`). Pure: no
I/O, no clock — the script says when things happen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypedDict

from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    RootPosted,
    ShortcutInvoked,
    ShortcutSubmitted,
    SubmissionOutcome,
)
from conversations.state import Actor

# The bot's own events (root posted, delivery outcomes) come from here, not a platform.
INTERNAL = "internal"


class _Where(TypedDict):
    event_id: str
    platform: str
    workspace: str
    channel: str
    thread: str | None
    actor: Actor
    report_id: str | None


@dataclass
class ScriptedEvents:
    platform: str
    channel: str
    workspace: str = ""
    # Event ids are `<prefix><n>`, n counting from 1.
    id_prefix: str = "E"
    # The report's root message and id, once known; events in the thread carry them.
    thread: str | None = None
    report_id: str | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        return f"{self.id_prefix}{next(self._ids)}"

    def _where(
        self,
        actor: Actor,
        in_thread: bool,
        origin: tuple[str, str] | None,
        report_id: str | None = None,
    ) -> _Where:
        platform, workspace = origin or (self.platform, self.workspace)
        return {
            "event_id": self.next_id(),
            "platform": platform,
            "workspace": workspace,
            "channel": self.channel,
            "thread": self.thread if in_thread else None,
            "actor": actor,
            "report_id": report_id,
        }

    def command(
        self,
        actor: Actor,
        text: str,
        mentions: tuple[Actor, ...] = (),
        trigger: str | None = None,
        in_thread: bool = False,
        origin: tuple[str, str] | None = None,
    ) -> CommandIssued:
        """`/jcdc <text>`; a slash command carries no thread unless `in_thread`."""
        return CommandIssued(
            **self._where(actor, in_thread, origin), text=text, mentions=mentions, trigger=trigger
        )

    def message(
        self,
        actor: Actor,
        text: str,
        message_id: str | None = None,
        origin: tuple[str, str] | None = None,
    ) -> MessagePosted:
        """A reply in the thread; its message id is a fresh one unless given."""
        where = self._where(actor, True, origin)
        return MessagePosted(**where, message_id=message_id or self.next_id(), text=text)

    def edit(
        self, actor: Actor, message_id: str, text: str, origin: tuple[str, str] | None = None
    ) -> MessageEdited:
        return MessageEdited(**self._where(actor, True, origin), message_id=message_id, text=text)

    def delete(
        self, actor: Actor, message_id: str, origin: tuple[str, str] | None = None
    ) -> MessageDeleted:
        return MessageDeleted(**self._where(actor, True, origin), message_id=message_id)

    def form(
        self,
        actor: Actor,
        section_id: str,
        values: dict[str, str],
        origin: tuple[str, str] | None = None,
    ) -> FormSubmitted:
        return FormSubmitted(
            **self._where(actor, False, origin, self.report_id),
            section_id=section_id,
            values=values,
        )

    def press(
        self,
        actor: Actor,
        action: str,
        value: str = "",
        trigger: str | None = None,
        origin: tuple[str, str] | None = None,
    ) -> ButtonPressed:
        return ButtonPressed(
            **self._where(actor, False, origin, self.report_id),
            action=action,
            value=value,
            trigger=trigger,
        )

    def shortcut(
        self,
        actor: Actor,
        author: Actor,
        message_id: str,
        text: str,
        trigger: str | None = None,
        origin: tuple[str, str] | None = None,
    ) -> ShortcutInvoked:
        """ "Add to JCDC report" on `author`'s channel message (no report named: the runner
        works out which, as for a command)."""
        return ShortcutInvoked(
            **self._where(actor, False, origin),
            message_id=message_id,
            text=text,
            author=author,
            trigger=trigger,
        )

    def shortcut_submit(
        self,
        actor: Actor,
        author: Actor,
        message_id: str,
        item_id: str,
        text: str,
        report_id: str | None = None,
        origin: tuple[str, str] | None = None,
    ) -> ShortcutSubmitted:
        """The shortcut's form, submitted for the report picked in it."""
        return ShortcutSubmitted(
            **self._where(actor, False, origin, report_id or self.report_id),
            item_id=item_id,
            text=text,
            author=author,
            message_id=message_id,
        )

    def root_posted(self, actor: Actor, message_id: str, event_id: str = "root") -> RootPosted:
        """What the runner tells the engine once the report's root message is posted."""
        assert self.report_id is not None, "the report must exist before its root message"
        return RootPosted(
            event_id=event_id,
            platform=INTERNAL,
            channel=self.channel,
            actor=actor,
            report_id=self.report_id,
            message_id=message_id,
        )

    def outcome(
        self,
        actor: Actor,
        submission_id: str,
        outcome: Literal["sent", "retrying", "failed"],
        at: datetime,
        message_id: str | None = None,
        detail: str = "",
    ) -> SubmissionOutcome:
        """What the outbox worker tells about a queued submission."""
        return SubmissionOutcome(
            event_id=self.next_id(),
            platform=INTERNAL,
            channel=self.channel,
            actor=actor,
            report_id=self.report_id,
            submission_id=submission_id,
            outcome=outcome,
            at=at,
            message_id=message_id,
            detail=detail,
        )
