"""What a turn costs in trips to SQLite's driver thread (storage/sqlite_driver.py counts them):
a whole answer, its effects performed and marked done, takes none unless a checkpoint of the
WAL has just completed; neither does a batch of waiting deliveries for one report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import sqlite_driver
from storage.database import Database
from storage.repository import ReportStore
from tests.bot.test_inbox_batching import Bot, answers
from tests.bot.test_runner import make_runner, reply, start_report
from tests.conversations.harness import BOB


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[ReportStore]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'turns.db'}")
    await database.upgrade()
    yield ReportStore(database)
    await database.dispose()


async def test_a_whole_turn_crosses_into_the_driver_thread_at_most_four_times(
    sqlite_store: ReportStore,
) -> None:
    runner, chat = make_runner(sqlite_store)
    _, thread = await start_report(runner, chat)
    await runner.handle(reply(BOB, "0.2: Example Corp", "E-warm", thread))
    for n in range(5):
        start = sqlite_driver.Connection.hops
        # Waits for the effects too: posted, marked done, the next question's time saved.
        result = await runner.handle(reply(BOB, f"2.1: 203.0.113.{n}", f"E{n}", thread))
        assert result.outcome == "handled"
        # Measured: 0 (every COMMIT on the loop's thread: no checkpoint was due). Room for
        # one that starts the WAL again after a checkpoint. aiosqlite took 46.
        assert sqlite_driver.Connection.hops - start <= 1
    await runner.chat_worker.close()


async def test_a_batch_of_ten_costs_what_one_turn_costs(sqlite_store: ReportStore) -> None:
    bot = Bot(sqlite_store)
    try:
        _, thread = await start_report(bot.runner, bot.chat)
        await bot.store_all(answers(thread, 1, prefix="W"))  # warm: the worker's first lane
        await bot.settled()
        start = sqlite_driver.Connection.hops
        await bot.store_all(answers(thread, 10))
        await bot.settled()
        # Measured: 0 (storing them in one statement, the batch's turn and the posts marked
        # done all commit on the loop's thread); room for one COMMIT after a checkpoint.
        assert sqlite_driver.Connection.hops - start <= 1
    finally:
        await bot.close()
