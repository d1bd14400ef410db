"""The tables. Written with SQLModel; the repository talks to them through SQLAlchemy Core
so that one turn is a handful of statements, never an object graph."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite has no time zones and returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; store aware UTC datetimes")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Room for any platform's identifiers (Teams user and conversation ids run to ~100 characters).
# SQLite ignores lengths, so a tighter bound would only ever fail on PostgreSQL.
PLATFORM_ID = 255

JsonColumn = JSON().with_variant(JSONB(), "postgresql")


def _json(nullable: bool = False) -> Any:
    return Field(sa_column=Column(JsonColumn, nullable=nullable))


def _moment(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class ReportRow(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        # One report per thread: a thread's replies go to the report it is the root of
        # (storage/repository.py looks it up by this key).
        Index("uq_reports_thread", "platform", "channel", "thread", unique=True),
        Index("ix_reports_channel_status", "platform", "channel", "status"),
        # One number per report in a channel: two `new` at once cannot both take the same one
        # (the loser's save fails and its turn runs again, storage/repository.py).
        UniqueConstraint("platform", "channel", "number", name="uq_reports_channel_number"),
    )

    id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(max_length=32)
    # The Slack workspace (or Enterprise Grid org) or the Teams tenant the report lives in:
    # with platform and channel, where events must come from to touch it.
    workspace: str = Field(default="", max_length=PLATFORM_ID)
    channel: str = Field(max_length=PLATFORM_ID)
    thread: str | None = Field(default=None, max_length=PLATFORM_ID)
    title: str = Field(sa_column=Column(Text, nullable=False))
    # The short per-channel number (1, 2, 3 …) people use to name the report.
    number: int = Field(sa_column=Column(Integer, nullable=False))
    status: str = Field(max_length=32)
    lead: dict[str, Any] = _json()
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
    checklist_version: str = Field(max_length=32)
    # Optimistic concurrency: every saved turn increments it; a stale writer updates 0 rows.
    version: int
    # The engine's working state: cursor, guiding, asked, skipped, resolutions, send_request.
    navigation: dict[str, Any] = _json()
    # Set when retention purged the report's answers (storage/retention.py): the row stays as
    # its tombstone.
    purged_at: datetime | None = _moment(nullable=True)


class ContributionRow(SQLModel, table=True):
    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_report_position", "report_id", "position"),)

    id: str = Field(primary_key=True, max_length=64)
    report_id: str = Field(sa_column=Column(String(64), ForeignKey("reports.id"), nullable=False))
    # Contributions are append-only in the engine; this keeps their order.
    position: int
    item_id: str = Field(max_length=64)
    author_id: str = Field(max_length=PLATFORM_ID)
    author_name: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = _moment()
    via: str = Field(max_length=16)
    source_message_id: str | None = Field(default=None, max_length=PLATFORM_ID, index=True)
    raw: str = Field(sa_column=Column(Text, nullable=False))
    value: Any = _json()
    edited_at: datetime | None = _moment(nullable=True)
    retracted_at: datetime | None = _moment(nullable=True)
    retracted_reason: str | None = Field(default=None, max_length=16)
    # What the answer said beyond what its parser took (conversations.answers.notes).
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Who added someone else's message to the report ("Add to JCDC report"), if anyone.
    added_by_id: str | None = Field(default=None, max_length=PLATFORM_ID)
    added_by_name: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AssignmentRow(SQLModel, table=True):
    __tablename__ = "assignments"

    report_id: str = Field(sa_column=Column(String(64), ForeignKey("reports.id"), primary_key=True))
    section_id: str = Field(primary_key=True, max_length=64)
    # The order the engine keeps them in, so a loaded report equals the saved one.
    position: int
    assignee_id: str = Field(max_length=PLATFORM_ID)
    assignee_name: str = Field(sa_column=Column(Text, nullable=False))
    by_id: str = Field(max_length=PLATFORM_ID)
    by_name: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = _moment()


class AuditEventRow(SQLModel, table=True):
    """Append-only: the repository never updates or deletes it, and triggers refuse to."""

    __tablename__ = "audit_events"

    id: int | None = Field(
        default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True)
    )
    report_id: str = Field(max_length=64, index=True)
    at: datetime = _moment()
    actor_id: str = Field(max_length=PLATFORM_ID)
    actor_name: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(max_length=64)
    item_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = _json()
    # Set by the one update the database allows: retention removing answer text from `detail`.
    redacted_at: datetime | None = _moment(nullable=True)


class ProcessedEventRow(SQLModel, table=True):
    """Inbound event ids already handled: platform retries and double clicks stop here."""

    __tablename__ = "processed_events"

    platform: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=PLATFORM_ID)
    report_id: str | None = Field(default=None, max_length=64)
    processed_at: datetime = _moment()


class SubmissionRow(SQLModel, table=True):
    """A confirmed send: the frozen report version waiting for (or past) delivery."""

    __tablename__ = "submissions"

    id: str = Field(primary_key=True, max_length=128)
    report_id: str = Field(
        sa_column=Column(String(64), ForeignKey("reports.id"), nullable=False, index=True)
    )
    report_version: int
    status: str = Field(default="pending", max_length=16, index=True)
    requested_by: dict[str, Any] = _json()
    confirmed_by: list[dict[str, Any]] = _json()
    requested_at: datetime = _moment()
    snapshot: dict[str, Any] = _json()
    message_id: str | None = Field(default=None, max_length=255)
    # The exact bytes sent, stored before the first attempt: every retry sends the same mail.
    message: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    next_attempt_at: datetime | None = _moment(nullable=True)
    sent_at: datetime | None = _moment(nullable=True)


class SlackChannelRow(SQLModel, table=True):
    """The workspace a Slack channel belongs to: a post made outside a request (a submission
    outcome, say) needs that workspace's bot token, and Slack's payloads name the team only
    on inbound requests."""

    __tablename__ = "slack_channels"

    channel_id: str = Field(primary_key=True, max_length=PLATFORM_ID)
    team_id: str | None = Field(default=None, max_length=PLATFORM_ID)
    enterprise_id: str | None = Field(default=None, max_length=PLATFORM_ID)
    updated_at: datetime = _moment()


class TeamsConversationRow(SQLModel, table=True):
    """A Bot Framework conversation reference (service URL, conversation, bot, tenant), kept
    so that the bot can post into the conversation later, after a restart included."""

    __tablename__ = "teams_conversations"

    conversation_id: str = Field(primary_key=True, max_length=PLATFORM_ID)
    reference: dict[str, Any] = _json()
    updated_at: datetime = _moment()


# SQLite makes only INTEGER PRIMARY KEY an alias of its rowid (autoincrementing); PostgreSQL
# gets a 64-bit identity, since inbox and chat-outbox ids only ever grow.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


class InboxRow(SQLModel, table=True):
    """A signed inbound delivery, stored before the platform is answered. Processed in arrival
    order per lane (one channel); `done_at` is set in the transaction of the turn it caused."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "delivery_id", name="uq_inbox_delivery"),
        Index("ix_inbox_lane_pending", "lane", "done_at", "id"),
        Index("ix_inbox_done_at", "done_at"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(SERIAL, primary_key=True, autoincrement=True)
    )
    platform: str = Field(max_length=32)
    # The platform's own id for the delivery: a re-delivery of the same one is stored once.
    delivery_id: str = Field(max_length=PLATFORM_ID)
    # Deliveries of one lane (platform, workspace, channel) are processed one at a time, in order.
    lane: str = Field(sa_column=Column(Text, nullable=False))
    payload: dict[str, Any] = _json()
    received_at: datetime = _moment()
    attempts: int = 0
    # After a failed attempt: not before this time.
    next_attempt_at: datetime | None = _moment(nullable=True)
    done_at: datetime | None = _moment(nullable=True)
    # handled, ignored, duplicate, refused, or failed (given up after repeated errors).
    outcome: str | None = Field(default=None, max_length=16)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ChatOutboxRow(SQLModel, table=True):
    """An effect a committed turn produced (a post, a root update, a notice), performed after
    the commit; a crash in between leaves it here to be performed after the restart."""

    __tablename__ = "chat_outbox"
    __table_args__ = (Index("ix_chat_outbox_lane_pending", "lane", "done_at", "id"),)

    id: int | None = Field(
        default=None, sa_column=Column(SERIAL, primary_key=True, autoincrement=True)
    )
    platform: str = Field(max_length=32)
    # Effects of one channel are performed in order, paced together.
    lane: str = Field(sa_column=Column(Text, nullable=False))
    report_id: str | None = Field(default=None, max_length=64)
    effect: dict[str, Any] = _json()
    created_at: datetime = _moment()
    attempts: int = 0
    next_attempt_at: datetime | None = _moment(nullable=True)
    done_at: datetime | None = _moment(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class WorkLaneRow(SQLModel, table=True):
    """Who works a lane (of the inbox or the chat outbox) now, until when, and for chat lanes
    when the channel may be posted to next (pacing shared by every replica)."""

    __tablename__ = "work_lanes"

    kind: str = Field(primary_key=True, max_length=16)
    lane: str = Field(sa_column=Column(Text, primary_key=True))
    owner: str | None = Field(default=None, max_length=PLATFORM_ID)
    lease_until: datetime | None = _moment(nullable=True)
    # GCRA's "theoretical arrival time" of the channel's next post.
    free_at: datetime | None = _moment(nullable=True)


class ReportGrantRow(SQLModel, table=True):
    """A person who was given a private surface of a report (a form, a notice with buttons, in
    a modal or a personal chat) may act on it from there. Payload ids are only hints: this row
    is what lets a submit from outside the report's channel in."""

    __tablename__ = "report_grants"

    platform: str = Field(primary_key=True, max_length=32)
    workspace: str = Field(primary_key=True, max_length=PLATFORM_ID)
    user_id: str = Field(primary_key=True, max_length=PLATFORM_ID)
    report_id: str = Field(sa_column=Column(String(64), ForeignKey("reports.id"), primary_key=True))
    granted_at: datetime = _moment()
