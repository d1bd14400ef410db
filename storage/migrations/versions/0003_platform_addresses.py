"""Where to post later: Slack channels' workspaces and Teams conversation references.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.tables import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "slack_channels",
        sa.Column("channel_id", sa.String(255), primary_key=True),
        sa.Column("team_id", sa.String(255), nullable=True),
        sa.Column("enterprise_id", sa.String(255), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("reference", _JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("teams_conversations")
    op.drop_table("slack_channels")
