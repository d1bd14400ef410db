"""Who added someone else's message to a report ("Add to JCDC report"): kept beside the
contribution, whose author stays the message's author.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contributions") as batch:
        batch.add_column(sa.Column("added_by_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("added_by_name", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contributions") as batch:
        batch.drop_column("added_by_name")
        batch.drop_column("added_by_id")
