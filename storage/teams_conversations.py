"""Bot Framework conversation references, kept so the bot can post into a Teams conversation
later: after the inbound request is over, after a restart, from another replica. The storage
side of the Teams adapter's `ConversationReferences` port.

Keys are what the Teams adapter addresses them by (a conversation id, or its key for the
personal chat with a person). A reference is stored as the plain JSON the Bot Framework uses,
so this module knows nothing of the SDK. References an activity brings are written inside its
turn's transaction (`write`); the chat port saves the personal chats it opens (`save`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.tables import metadata

# The name Teams' addresses give this book (conversations.addresses.Address.book).
BOOK = "teams_conversations"

teams_conversations: Table = metadata.tables["teams_conversations"]
# Entries remembered per process; past this the memory starts afresh (it is only a cache).
_CACHE_LIMIT = 10_000


class TeamsConversations:
    def __init__(self, database: Database) -> None:
        self.database = database
        # What this process last committed or read per key. Every inbound activity brings its
        # reference, and it almost never changes: an unchanged one costs no statement. Another
        # replica's newer reference reaches this one with the next activity it receives from
        # that conversation; until then the older service URL still works.
        self._known: dict[str, dict[str, Any]] = {}

    async def write(
        self,
        connection: AsyncConnection,
        key: str,
        reference: dict[str, Any],
        now: datetime,
        *,
        replace: bool = True,
    ) -> bool:
        """Inside a transaction: store `reference` under `key` (with `replace=False` only when
        there is none yet). False when nothing needed writing."""
        if key in self._known and (not replace or self._known[key] == reference):
            return False
        values = {"conversation_id": key, "reference": reference, "updated_at": now}
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(teams_conversations).values(values)
        if replace:
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[teams_conversations.c.conversation_id],
                    set_={
                        "reference": statement.excluded.reference,
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )
        else:
            await connection.execute(statement.on_conflict_do_nothing())
        return True

    def committed(self, key: str, reference: dict[str, Any], *, replace: bool = True) -> None:
        """What `write` wrote is committed. A gap-filling write may have found the gap already
        filled: then the next read asks the database."""
        if replace:
            self._remember(key, reference)
        else:
            self._known.pop(key, None)

    async def save(self, key: str, reference: dict[str, Any]) -> None:
        """Insert or replace the reference stored under `key`, in a transaction of its own."""
        if self._known.get(key) == reference:
            # Nothing to write: no transaction either (on PostgreSQL, an empty one still
            # costs its BEGIN and COMMIT round trips; storage/postgres_driver.py).
            return
        async with self.database.writing() as connection:
            written = await self.write(connection, key, reference, datetime.now(UTC))
        if written:
            self.committed(key, reference)

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

    def _remember(self, key: str, reference: dict[str, Any]) -> None:
        if len(self._known) >= _CACHE_LIMIT:
            self._known.clear()
        self._known[key] = dict(reference)
