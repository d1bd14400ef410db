"""Initial schema: reports, contributions, assignments, audit trail, processed events,
submissions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.tables import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A literal, not storage.tables.PLATFORM_ID: a migration must keep meaning what it meant.
PLATFORM_ID = 255


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _moment(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(PLATFORM_ID), nullable=False),
        sa.Column("thread", sa.String(PLATFORM_ID), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("lead", _json(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        sa.Column("checklist_version", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("navigation", _json(), nullable=False),
    )
    op.create_index("ix_reports_thread", "reports", ["platform", "channel", "thread"])
    op.create_index("ix_reports_channel_status", "reports", ["platform", "channel", "status"])

    op.create_table(
        "contributions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("report_id", sa.String(64), sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("author_id", sa.String(PLATFORM_ID), nullable=False),
        sa.Column("author_name", sa.Text(), nullable=False),
        _moment("at"),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("source_message_id", sa.String(PLATFORM_ID), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("value", _json(), nullable=False),
        _moment("edited_at", nullable=True),
        _moment("retracted_at", nullable=True),
        sa.Column("retracted_reason", sa.String(16), nullable=True),
    )
    op.create_index("ix_contributions_report_position", "contributions", ["report_id", "position"])
    op.create_index("ix_contributions_source_message_id", "contributions", ["source_message_id"])

    op.create_table(
        "assignments",
        sa.Column("report_id", sa.String(64), sa.ForeignKey("reports.id"), primary_key=True),
        sa.Column("section_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.String(PLATFORM_ID), nullable=False),
        sa.Column("assignee_name", sa.Text(), nullable=False),
        sa.Column("by_id", sa.String(PLATFORM_ID), nullable=False),
        sa.Column("by_name", sa.Text(), nullable=False),
        _moment("at"),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(64), nullable=False),
        _moment("at"),
        sa.Column("actor_id", sa.String(PLATFORM_ID), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=True),
        sa.Column("detail", _json(), nullable=False),
    )
    op.create_index("ix_audit_events_report_id", "audit_events", ["report_id"])
    _make_audit_append_only()

    op.create_table(
        "processed_events",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(PLATFORM_ID), primary_key=True),
        sa.Column("report_id", sa.String(64), nullable=True),
        _moment("processed_at"),
    )

    op.create_table(
        "submissions",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("report_id", sa.String(64), sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("report_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", _json(), nullable=False),
        sa.Column("confirmed_by", _json(), nullable=False),
        _moment("requested_at"),
        sa.Column("snapshot", _json(), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _moment("next_attempt_at", nullable=True),
        _moment("sent_at", nullable=True),
    )
    op.create_index("ix_submissions_report_id", "submissions", ["report_id"])
    op.create_index("ix_submissions_status", "submissions", ["status"])


def _make_audit_append_only() -> None:
    """The audit trail is evidence: the database itself refuses to rewrite it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON "
                "audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )


def downgrade() -> None:
    for table in (
        "submissions",
        "processed_events",
        "audit_events",
        "assignments",
        "contributions",
        "reports",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
