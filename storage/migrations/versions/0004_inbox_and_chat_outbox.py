"""Acknowledged means stored: the inbox of signed deliveries, the chat outbox of effects,
the lanes that order both, grants for private surfaces, and each report's workspace.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.tables import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("workspace", sa.String(255), nullable=False, server_default=""))
    # Reports from before this revision learn their workspace where an address book knows it
    # (Slack OAuth installs remember each channel's team; Teams references carry the tenant).
    # The rest keep "", which binds them by platform and channel alone (see bot.binding).
    op.execute(
        """
        UPDATE reports SET workspace = (
            SELECT COALESCE(slack_channels.enterprise_id, slack_channels.team_id, '')
            FROM slack_channels WHERE slack_channels.channel_id = reports.channel
        )
        WHERE platform = 'slack'
          AND EXISTS (SELECT 1 FROM slack_channels WHERE channel_id = reports.channel)
        """
    )
    op.create_table(
        "inbox",
        sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("delivery_id", sa.String(255), nullable=False),
        sa.Column("lane", sa.Text(), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("platform", "delivery_id", name="uq_inbox_delivery"),
    )
    op.create_index("ix_inbox_lane_pending", "inbox", ["lane", "done_at", "id"])
    op.create_index("ix_inbox_done_at", "inbox", ["done_at"])
    op.create_table(
        "chat_outbox",
        sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("lane", sa.Text(), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=True),
        sa.Column("effect", _JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_chat_outbox_lane_pending", "chat_outbox", ["lane", "done_at", "id"])
    op.create_table(
        "work_lanes",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("lane", sa.Text(), primary_key=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("free_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "report_grants",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("workspace", sa.String(255), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("report_id", sa.String(64), sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_grants")
    op.drop_table("work_lanes")
    op.drop_index("ix_chat_outbox_lane_pending", "chat_outbox")
    op.drop_table("chat_outbox")
    op.drop_index("ix_inbox_done_at", "inbox")
    op.drop_index("ix_inbox_lane_pending", "inbox")
    op.drop_table("inbox")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("workspace")
