"""The state of one report: everything the engine needs to take the next turn."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import JsonValue

from conversations.frozen import FrozenModel


class Actor(FrozenModel):
    """A person (or the bot) on a chat platform."""

    id: str
    name: str


class ReportStatus(StrEnum):
    OPEN = "open"
    # The lead confirmed sending; the submission is queued for delivery.
    SUBMIT_REQUESTED = "submit_requested"
    # Delivered to the JCDC mail relay; amendments can still be sent as a follow-up.
    SENT = "sent"
    CANCELLED = "cancelled"


# How a contribution arrived: a reply to the guided question, an `N.M: ...` direct answer,
# a section form, a command such as `tlp amber`, a button on the question, or "Add to JCDC
# report" on a channel message (someone else's words, added by `added_by`).
Via = Literal["guided", "direct", "form", "command", "button", "shortcut"]
# `undone`: its author or the lead pressed Undo on the acknowledgement.
RetractReason = Literal["deleted", "superseded", "edited_away", "undone"]


class Contribution(FrozenModel):
    id: str
    item_id: str
    author: Actor
    at: datetime
    via: Via
    source_message_id: str | None
    # Exactly what the person typed, kept verbatim.
    raw: str
    # The parsed, normalised value (its shape depends on the item's answer kind).
    value: JsonValue
    edited_at: datetime | None = None
    retracted_at: datetime | None = None
    retracted_reason: RetractReason | None = None
    # The person's words that the parser did not take ("prompt injection" beside T1059), or
    # an indicator list in its own words ("exfil to X from Y"): kept, shown, sent.
    note: str | None = None
    # Who put someone else's message into the report ("Add to JCDC report"); None when the
    # author added it themselves.
    added_by: Actor | None = None

    @property
    def active(self) -> bool:
        return self.retracted_at is None


class Resolution(FrozenModel):
    """The lead's decision between conflicting values of a single-valued item."""

    item_id: str
    value: JsonValue
    by: Actor
    at: datetime


class PostedQuestion(FrozenModel):
    """A question the bot asked in the thread: a reply written after it (by the platform's
    clock) and before the next one answers it, whatever the cursor says by the time the reply
    is processed."""

    item_id: str
    # None until the platform has confirmed the post (QuestionPosted).
    message_id: str | None = None
    # Confirmed: the platform's own time of the message (Slack ts, Teams message id). Until
    # then, the time the turn that asked it ran: the message cannot be older than that, so a
    # reply written before it surely answers an earlier question.
    at: datetime
    # Asked on the report's root message (the first question, until the thread asks one),
    # not in a thread message of its own: `message_id` is then the root's, which is never
    # edited as a question (it stays the report's summary).
    on_root: bool = False


class PendingAnswer(FrozenModel):
    """A reply that reads like talk: kept until its author says whether it is an answer."""

    id: str
    item_id: str
    author: Actor
    message_id: str
    text: str
    at: datetime


class Assignment(FrozenModel):
    section_id: str
    assignee: Actor
    by: Actor
    at: datetime


class SendRequest(FrozenModel):
    """A send waiting for confirmation, or one that was confirmed."""

    requested_by: Actor
    requested_at: datetime
    confirmed_by: tuple[Actor, ...] = ()
    # When the last confirmation came, and the thread message that asked for it (when the
    # Confirm was pressed on it): the outcome of sending is written into that message, so
    # the thread keeps one record of the send rather than gaining a post per outcome.
    confirmed_at: datetime | None = None
    message: str | None = None


class SentEmail(FrozenModel):
    """The last e-mail the mail relay accepted for this report."""

    # The content's fingerprint (see conversations.fingerprint) as it was confirmed.
    fingerprint: str
    at: datetime
    message_id: str | None = None


class DeliveryRecord(FrozenModel):
    """What went to JCDC, so that mailing an unchanged report again is a deliberate choice."""

    # The fingerprint of the content last confirmed for sending; it becomes `last_sent` when
    # the outbox reports that submission sent.
    submitted: str | None = None
    last_sent: SentEmail | None = None


class ReportChoice(FrozenModel):
    """One of the channel's open reports, as offered when a command does not say which."""

    id: str
    number: int
    title: str
    lead: Actor


class ReportState(FrozenModel):
    id: str
    platform: str
    # The Slack workspace (or Enterprise Grid org) or Teams tenant; "" for reports from
    # before workspaces were recorded.
    workspace: str = ""
    channel: str
    # The root message's id; replies under it form the report's thread.
    thread: str | None = None
    title: str
    # The report's short number in its channel (1, 2, 3 …), what people type to name it
    # (`/jcdc status #2`). Storage assigns it when the report is first saved; None until then.
    number: int | None = None
    lead: Actor
    status: ReportStatus = ReportStatus.OPEN
    created_at: datetime
    updated_at: datetime
    checklist_version: str
    # Guided mode: the item the bot asked last, and whether it keeps asking.
    cursor: str | None = None
    guiding: bool = True
    # Items asked before the cursor, newest last, for `back`.
    asked: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    # The questions posted in the thread, oldest first (the last few hundred).
    questions: tuple[PostedQuestion, ...] = ()
    # Replies waiting for their author's Record / Just talk.
    pending: tuple[PendingAnswer, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    send_request: SendRequest | None = None
    delivery: DeliveryRecord = DeliveryRecord()
    # Incremented by storage on every saved turn (optimistic concurrency, frozen versions).
    version: int = 0
    # When retention deleted the report's answers (storage/retention.py). Set by storage
    # only; a purged report takes no new input, so that nothing is recorded or mailed as a
    # follow-up of a report whose answers are gone.
    purged_at: datetime | None = None

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @property
    def asking_on_root(self) -> str | None:
        """The item the root message asks, if it asks one: the first question stays on the
        root until anything is asked in the thread, while the guide is still on it. Derived
        from what is saved each turn (`questions`, the cursor), so a restart changes nothing."""
        if self.status is not ReportStatus.OPEN or not self.guiding or self.cursor is None:
            return None
        if not self.questions or not all(q.on_root for q in self.questions):
            return None
        return self.cursor if self.questions[-1].item_id == self.cursor else None
