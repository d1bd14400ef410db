"""Retention: a purged report keeps a tombstone (`reports.purged_at`) and its audit trail, whose
entries may be redacted exactly once (`audit_events.redacted_at`): the answer text goes, who
did what and when stays, and the database still refuses every other change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of an audit entry that are evidence: a redaction must leave them as they were.
_KEPT = ("id", "report_id", "at", "actor_id", "actor_name", "action", "item_id")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("purged_at", UTCDateTime(), nullable=True))
    _drop_append_only_triggers()
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("redacted_at", UTCDateTime(), nullable=True))
    _create_triggers(redactable=True)


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("redacted_at")
    _create_triggers(redactable=False)
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("purged_at")


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")


def _create_triggers(*, redactable: bool) -> None:
    # The one update allowed: the first redaction, which sets redacted_at and may change only
    # `detail`. Deletes stay refused.
    unchanged = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT)
    allowed = f"OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL AND {unchanged}"
    if op.get_bind().dialect.name == "postgresql":
        check = f"IF TG_OP = 'UPDATE' AND {allowed} THEN RETURN NEW; END IF; " if redactable else ""
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ BEGIN "
            f"{check}RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    # SQLite spells IS NOT DISTINCT FROM as IS.
    sqlite_allowed = allowed.replace("IS NOT DISTINCT FROM", "IS")
    when = f" WHEN NOT ({sqlite_allowed})" if redactable else ""
    op.execute(
        f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events{when} "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    )
