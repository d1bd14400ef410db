"""A turn through the inbox, as `serve` runs it, builds no SQL statement of its own: every one
it executes is an object built once (storage.prepared says why), so none pays for building
and cache-keying again. Counted, not timed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from storage.database import Database
from storage.repository import ReportStore
from tests.bot.test_inbox_batching import Bot, answers, make_bot
from tests.bot.test_runner import start_report
from tests.storage.pending import pending


@contextmanager
def executed(database: Database) -> Iterator[list[object]]:
    """The statement objects executed while the block runs (both pools on PostgreSQL)."""
    statements: list[object] = []

    def record(_connection: Any, statement: object, *_: Any) -> None:
        statements.append(statement)

    engines = [database.engine, *([database.urgent_engine] if database.urgent_engine else [])]
    for engine in engines:
        event.listen(engine.sync_engine, "before_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_execute", record)


async def one_turn(bot: Bot, delivery: Any) -> None:
    """Stored, handed to the worker, processed and its effects performed (without the
    checks of `Bot.settled`, whose queries are the test's, not the turn's)."""
    await bot.store_all([delivery])
    await bot.worker.idle()
    await bot.runner.chat_worker.drain(set(bot.runner.chat_worker.lanes()))


async def test_a_turn_executes_only_statements_built_before_it(store: ReportStore) -> None:
    bot = make_bot(store)
    _, thread = await start_report(bot.runner, bot.chat)
    deliveries = answers(thread, 4)
    await one_turn(bot, deliveries[0])  # warm: the first turn of an answer
    with executed(store.database) as first:
        await one_turn(bot, deliveries[1])
    with executed(store.database) as later:
        for delivery in deliveries[2:]:
            await one_turn(bot, delivery)
    assert await pending(bot.inbox) == 0

    # Stored, taken, saved, queued, settled, posted, finished: the whole turn ran ...
    assert len(first) >= 10
    assert len(later) >= 2 * len(first) - 2  # (the pending-effects check may come or not)
    # ... and two more turns executed no statement object the first had not.
    built = {id(s) for s in later} - {id(s) for s in first}
    assert not built, [str(s) for s in later if id(s) in built]
