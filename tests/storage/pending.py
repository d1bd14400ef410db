"""How many inbox deliveries or chat effects are not done yet: what tests check after a run.

Kept in the tests, not in storage: the bot itself never needs the count.
"""

from __future__ import annotations

from sqlalchemy import func, select

from storage.chat_outbox import ChatOutbox, chat_outbox_table
from storage.inbox import Inbox, inbox_table


async def pending(queue: Inbox | ChatOutbox) -> int:
    table = inbox_table if isinstance(queue, Inbox) else chat_outbox_table
    async with queue.database.engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(table).where(table.c.done_at.is_(None))
        )
    return int(count or 0)
