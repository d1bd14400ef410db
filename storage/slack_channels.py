"""The workspace each Slack channel belongs to (table `slack_channels`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from storage.database import Database
from storage.tables import SlackChannelRow

_table = SlackChannelRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Workspace:
    team_id: str | None
    enterprise_id: str | None


class SlackChannels:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Channels never move between workspaces: what was read or written once stays true.
        self._known: dict[str, Workspace] = {}

    async def remember(self, channel: str, workspace: Workspace) -> None:
        if not channel or self._known.get(channel) == workspace:
            return
        values = {
            "channel_id": channel,
            "team_id": workspace.team_id,
            "enterprise_id": workspace.enterprise_id,
            "updated_at": datetime.now(UTC),
        }
        dialect = postgresql if self.database.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(_table).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["channel_id"],
            set_={k: statement.excluded[k] for k in ("team_id", "enterprise_id", "updated_at")},
        )
        async with self.database.writing() as connection:
            await connection.execute(statement)
        self._known[channel] = workspace

    async def workspace_of(self, channel: str) -> Workspace | None:
        if channel in self._known:
            return self._known[channel]
        async with self.database.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(_table.c.team_id, _table.c.enterprise_id).where(
                        _table.c.channel_id == channel
                    )
                )
            ).first()
        if row is None:
            return None
        found = self._known[channel] = Workspace(
            team_id=row.team_id, enterprise_id=row.enterprise_id
        )
        return found
