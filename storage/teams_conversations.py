"""Bot Framework conversation references, kept so the bot can post into a Teams conversation
later: after the inbound request is over, after a restart, from another replica.

Keys are conversation ids as the adapter addresses them (a channel id without `;messageid=`,
a personal or group chat id), plus `user:<Teams user id>` for the personal chat with a person,
where the bot sends what only that person should see. A reference is stored as the plain JSON
the Bot Framework uses, so this module knows nothing of the SDK.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.database import Database
from storage.tables import metadata

teams_conversations: Table = metadata.tables["teams_conversations"]
USER_PREFIX = "user:"
# Entries remembered per process; past this the memory starts afresh (it is only a cache).
_CACHE_LIMIT = 10_000


def user_key(user_id: str) -> str:
    return f"{USER_PREFIX}{user_id}"


class TeamsConversations:
    def __init__(self, database: Database) -> None:
        self.database = database
        # What this process last wrote or read per key. Every inbound activity saves its
        # reference, and it almost never changes: an unchanged one costs no write transaction.
        # Another replica's newer reference reaches this one with the next activity it receives
        # from that conversation; until then the older service URL still works.
        self._known: dict[str, dict[str, Any]] = {}

    async def save(self, key: str, reference: dict[str, Any]) -> None:
        """Insert or replace the reference stored under `key`."""
        if self._known.get(key) == reference:
            return
        values = {"conversation_id": key, "reference": reference, "updated_at": datetime.now(UTC)}
        async with self.database.writing() as connection:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(teams_conversations).values(values)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[teams_conversations.c.conversation_id],
                    set_={
                        "reference": statement.excluded.reference,
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )
        self._remember(key, reference)

    async def load(self, key: str) -> dict[str, Any] | None:
        if key in self._known:
            return dict(self._known[key])
        async with self.database.engine.connect() as connection:
            reference = (
                await connection.execute(
                    select(teams_conversations.c.reference).where(
                        teams_conversations.c.conversation_id == key
                    )
                )
            ).scalar_one_or_none()
        if reference is None:
            return None
        self._remember(key, reference)
        return dict(reference)

    async def updated_at(self, key: str) -> datetime | None:
        async with self.database.engine.connect() as connection:
            result: datetime | None = (
                await connection.execute(
                    select(teams_conversations.c.updated_at).where(
                        teams_conversations.c.conversation_id == key
                    )
                )
            ).scalar_one_or_none()
        return result

    def forget(self) -> None:
        """Drop what this process remembers (tests use it to read the database afresh)."""
        self._known.clear()

    def _remember(self, key: str, reference: dict[str, Any]) -> None:
        if len(self._known) >= _CACHE_LIMIT:
            self._known.clear()
        self._known[key] = dict(reference)
