"""The workspace each Slack channel belongs to (table `slack_channels`), the storage side of
the Slack adapter's `ChannelDirectory` port.

Written inside a turn's transaction from the addresses its event brings (`write`), read by
the Slack adapter when a post needs the channel's workspace token (`workspace_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import JsonValue
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.tables import SlackChannelRow

# The name Slack's addresses give this book (conversations.addresses.Address.book).
BOOK = "slack_channels"

_table = SlackChannelRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChannelWorkspace:
    team_id: str | None
    enterprise_id: str | None


def _text(value: JsonValue) -> str | None:
    return value if isinstance(value, str) and value else None


def workspace_from(value: Mapping[str, JsonValue]) -> ChannelWorkspace:
    return ChannelWorkspace(
        team_id=_text(value.get("team_id")), enterprise_id=_text(value.get("enterprise_id"))
    )


class SlackChannels:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Channels never move between workspaces: what was read or committed once stays true.
        self._known: dict[str, ChannelWorkspace] = {}

    async def write(
        self, connection: AsyncConnection, channel: str, workspace: ChannelWorkspace, now: datetime
    ) -> bool:
        """Inside a transaction: remember the channel's workspace. False when already known
        (nothing written)."""
        if not channel or self._known.get(channel) == workspace:
            return False
        values = {
            "channel_id": channel,
            "team_id": workspace.team_id,
            "enterprise_id": workspace.enterprise_id,
            "updated_at": now,
        }
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(_table).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["channel_id"],
            set_={k: statement.excluded[k] for k in ("team_id", "enterprise_id", "updated_at")},
        )
        await connection.execute(statement)
        return True

    def committed(self, channel: str, workspace: ChannelWorkspace) -> None:
        """What `write` wrote is committed: reads need not ask the database for it again."""
        self._known[channel] = workspace

    async def workspace_of(self, channel: str) -> ChannelWorkspace | None:
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
        found = self._known[channel] = ChannelWorkspace(
            team_id=row.team_id, enterprise_id=row.enterprise_id
        )
        return found
