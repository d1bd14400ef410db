"""One report per thread: a unique index on (platform, channel, thread).

A thread's replies are routed to the report whose root message it is; two reports on one
thread made that lookup fail for every reply. Before the index, any such pair (only an old
demo run could make one) keeps the thread on its newest report and the older ones lose it:
they were unreachable from that thread already.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE reports SET thread = NULL
        WHERE thread IS NOT NULL AND EXISTS (
            SELECT 1 FROM reports AS newer
            WHERE newer.platform = reports.platform
              AND newer.channel = reports.channel
              AND newer.thread = reports.thread
              AND (newer.created_at > reports.created_at
                   OR (newer.created_at = reports.created_at AND newer.id > reports.id))
        )
        """
    )
    op.drop_index("ix_reports_thread", table_name="reports")
    op.create_index("uq_reports_thread", "reports", ["platform", "channel", "thread"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_reports_thread", table_name="reports")
    op.create_index("ix_reports_thread", "reports", ["platform", "channel", "thread"])
