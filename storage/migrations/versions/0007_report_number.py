"""A short number per report in its channel (1, 2, 3 …), what people type to name it.

Existing reports are numbered in the order they were created, channel by channel.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # ROW_NUMBER() works on both SQLite (3.25+) and PostgreSQL.
    op.execute(
        """
        UPDATE reports SET number = (
            SELECT numbered.n FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY platform, channel ORDER BY created_at, id
                ) AS n
                FROM reports
            ) AS numbered
            WHERE numbered.id = reports.id
        )
        """
    )
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(
            "uq_reports_channel_number", ["platform", "channel", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint("uq_reports_channel_number", type_="unique")
        batch.drop_column("number")
