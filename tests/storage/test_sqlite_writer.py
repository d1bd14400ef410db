"""SQLite: every write transaction of a process runs on the one connection kept for writing
(storage.database.Database._sqlite_writer), one at a time; a transaction that fails is rolled
back on it, one cut short gives it up, and the next one opens another."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text

from storage.database import Database
from storage.rows import processed_events
from tests.storage.states import SQLITE_FILE, T0


async def _write(database: Database, n: int) -> Any:
    async with database.writing() as connection:
        await connection.execute(
            insert(processed_events).values(platform="p", event_id=f"e{n}", processed_at=T0)
        )
        return (await connection.get_raw_connection()).driver_connection


async def _stored(database: Database) -> list[str]:
    async with database.reading() as connection:
        return sorted((await connection.execute(select(processed_events.c.event_id))).scalars())


async def test_write_transactions_share_one_connection_and_take_none_from_the_pool(
    sqlite_db: Database,
) -> None:
    first = await _write(sqlite_db, 0)
    checkouts = 0

    def counted(*_: Any) -> None:
        nonlocal checkouts
        checkouts += 1

    event.listen(sqlite_db.engine.sync_engine.pool, "checkout", counted)
    try:
        drivers = [await _write(sqlite_db, n) for n in range(1, 6)]
        # Urgent ones (a delivery stored before its acknowledgement) too.
        async with sqlite_db.statement_alone() as connection:
            urgent = (await connection.get_raw_connection()).driver_connection
    finally:
        event.remove(sqlite_db.engine.sync_engine.pool, "checkout", counted)
    assert all(driver is first for driver in drivers)
    assert urgent is first
    assert checkouts == 0
    assert await _stored(sqlite_db) == [f"e{n}" for n in range(6)]


async def test_a_failed_transaction_is_rolled_back_and_the_connection_kept(
    sqlite_db: Database,
) -> None:
    first = await _write(sqlite_db, 1)

    async def failing() -> None:
        async with sqlite_db.writing() as connection:
            await connection.execute(
                insert(processed_events).values(platform="p", event_id="lost", processed_at=T0)
            )
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        await failing()
    assert await _write(sqlite_db, 2) is first
    assert await _stored(sqlite_db) == ["e1", "e2"]


async def test_a_transaction_cut_short_gives_up_its_connection(
    sqlite_db: Database, tmp_path: Path
) -> None:
    first = await _write(sqlite_db, 1)
    other = sqlite3.connect(tmp_path / SQLITE_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writes: the next BEGIN waits for it
    try:
        waiting = asyncio.create_task(_write(sqlite_db, 2))
        await asyncio.sleep(0.2)
        waiting.cancel()  # cut short while its BEGIN IMMEDIATE waits in the driver's thread
        await asyncio.sleep(0.1)
    finally:
        other.execute("ROLLBACK")  # the BEGIN gets the lock, for a task that is gone
        other.close()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    # A new connection for the next writer; nothing of the cancelled one was written.
    second = await asyncio.wait_for(_write(sqlite_db, 3), 5)
    assert second is not first
    assert await _stored(sqlite_db) == ["e1", "e3"]


async def test_dispose_closes_the_writing_connection(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / SQLITE_FILE}")
    await database.upgrade()
    driver = await _write(database, 1)
    await database.dispose()
    assert driver._sqlite is None  # closed, in its thread
    check = sqlite3.connect(tmp_path / SQLITE_FILE)
    try:
        assert check.execute("SELECT count(*) FROM processed_events").fetchone() == (1,)
    finally:
        check.close()


async def test_a_migration_on_the_writing_connection_leaves_it_usable(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / SQLITE_FILE}")
    try:
        await database.upgrade()
        await database.upgrade()  # at head: nothing to do, on the same connection
        await _write(database, 1)
        async with database.reading() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM processed_events")) == 1
    finally:
        await database.dispose()
