"""Platform-neutral inbound events: what adapters translate platform payloads into."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from conversations.addresses import Address
from conversations.state import Actor


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # The platform's own id for this delivery (Slack event_id, Teams activity id, ...):
    # replays of the same id must change nothing.
    event_id: str
    platform: str
    # The Slack workspace (or Enterprise Grid org) or Teams tenant the event came from, as
    # the platform's signed envelope says; with platform and channel, where it came from.
    workspace: str = ""
    channel: str
    # The root message id when the event happened inside a report's thread.
    thread: str | None = None
    actor: Actor
    # Set when the platform payload names the report (buttons, forms, internal events). Only
    # a hint: the runner lets the event touch that report only from where the report lives.
    report_id: str | None = None
    # Where the platform says this channel or person can be reached later: saved with the
    # turn, never read by the engine (see conversations.addresses).
    addresses: tuple[Address, ...] = ()
    # The author's IANA time zone ("Europe/Berlin") as the platform reports it: a time written
    # without a zone is read in it. None when the platform does not say.
    tz: str | None = None


class CommandIssued(_Event):
    """`/jcdc <text>` in Slack, `@JCDC <text>` in Teams."""

    kind: Literal["command"] = "command"
    text: str
    # People mentioned in the command (for `assign`), already resolved by the adapter.
    mentions: tuple[Actor, ...] = ()
    # Opaque token that lets the adapter open a form right away (Slack trigger_id).
    trigger: str | None = None


class MessagePosted(_Event):
    kind: Literal["message_posted"] = "message_posted"
    message_id: str
    text: str
    # When the platform says the message was written (Slack ts, Teams message id): which
    # question it answers depends on it, not on when the bot gets to it. None when unknown.
    sent_at: datetime | None = None


class MessageEdited(_Event):
    kind: Literal["message_edited"] = "message_edited"
    message_id: str
    text: str


class MessageDeleted(_Event):
    kind: Literal["message_deleted"] = "message_deleted"
    message_id: str


class FormSubmitted(_Event):
    """A whole section answered in a form (Slack modal, Teams Adaptive Card)."""

    kind: Literal["form_submitted"] = "form_submitted"
    section_id: str
    # item id -> what the person entered; empty values mean "left blank".
    values: dict[str, str]


class ButtonPressed(_Event):
    kind: Literal["button_pressed"] = "button_pressed"
    action: str
    value: str = ""
    trigger: str | None = None
    # The thread message that carried the button, when the platform names it and the bot can
    # edit it (not an ephemeral or a personal chat's): a used control is retired there.
    message_id: str | None = None
    # The private message that carried the button, as the adapter can replace it (Slack: the
    # action's response_url for an ephemeral message; Teams: the card's id in the clicker's
    # personal chat); None where there is none.
    private_reply: str | None = None


class ShortcutInvoked(_Event):
    """ "Add to JCDC report" on a channel message (Slack message shortcut, Teams message
    action): the person wants that message in a report and is shown a form to say where."""

    kind: Literal["shortcut_invoked"] = "shortcut_invoked"
    # The message as the platform gave it: its id, its text, and who wrote it.
    message_id: str
    text: str
    author: Actor
    # Opaque token that lets the adapter open the form right away (Slack trigger_id).
    trigger: str | None = None


class ShortcutSubmitted(_Event):
    """The shortcut's form, submitted: `text` goes to `item_id` of `report_id`, written by
    `author` (the message's), added by the event's actor."""

    kind: Literal["shortcut_submitted"] = "shortcut_submitted"
    item_id: str
    text: str
    author: Actor
    message_id: str


class RootPosted(_Event):
    """Internal: the report's root message now exists and has this id."""

    kind: Literal["root_posted"] = "root_posted"
    message_id: str


class QuestionPosted(_Event):
    """Internal: a question message of the report now exists, with this id and platform
    time."""

    kind: Literal["question_posted"] = "question_posted"
    item_id: str
    message_id: str
    sent_at: datetime


class SubmissionOutcome(_Event):
    """Internal: what happened to a queued submission (from the outbox worker)."""

    kind: Literal["submission_outcome"] = "submission_outcome"
    submission_id: str
    outcome: Literal["sent", "retrying", "failed"]
    at: datetime
    message_id: str | None = None
    detail: str = ""
    next_attempt_at: datetime | None = None


Event = Annotated[
    CommandIssued
    | MessagePosted
    | MessageEdited
    | MessageDeleted
    | FormSubmitted
    | ButtonPressed
    | ShortcutInvoked
    | ShortcutSubmitted
    | RootPosted
    | QuestionPosted
    | SubmissionOutcome,
    Field(discriminator="kind"),
]
