"""SQLite's driver (storage/sqlite_driver.py): a write transaction crosses into a driver
thread only when its COMMIT may sync (storage/sqlite_checkpoints.py), a read never; a lock
held elsewhere is waited for in the thread, with the event loop free meanwhile; a call
cancelled while in the thread does not let the next one overtake it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from storage import sqlite_driver
from storage.database import Database
from storage.rows import processed_events
from tests.storage.states import SQLITE_FILE, T0


def _event(n: int) -> dict[str, object]:
    return {"platform": "p", "event_id": f"e{n}", "processed_at": T0}


async def test_a_write_transaction_is_no_hop_and_a_read_none(sqlite_db: Database) -> None:
    # The pool's first connection; its first COMMIT starts the WAL, in the thread.
    async with sqlite_db.writing() as connection:
        await connection.execute(insert(processed_events).values(_event(0)))
    start = sqlite_driver.Connection.hops
    for n in range(1, 6):
        async with sqlite_db.writing() as connection:
            await connection.execute(insert(processed_events).values(_event(n)))
            await connection.execute(select(processed_events.c.event_id))
    assert sqlite_driver.Connection.hops - start == 0
    start = sqlite_driver.Connection.hops
    async with sqlite_db.engine.connect() as connection:
        count = await connection.scalar(select(text("count(*)")).select_from(processed_events))
    assert count == 6
    assert sqlite_driver.Connection.hops - start == 0


async def test_a_lock_held_elsewhere_is_waited_for_in_the_thread(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / SQLITE_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> float:
        async with sqlite_db.writing() as connection:
            await connection.execute(insert(processed_events).values(_event(1)))
        return time.monotonic()

    ticker = asyncio.create_task(ticking())
    try:
        writer = asyncio.create_task(write())
        await asyncio.sleep(0.4)
        assert not writer.done()  # it waits for the lock ...
        assert ticks >= 10  # ... and the event loop goes on meanwhile
        released = time.monotonic()
        other.execute("ROLLBACK")
        assert await asyncio.wait_for(writer, 5) >= released
    finally:
        ticker.cancel()
        other.close()
    async with sqlite_db.engine.connect() as connection:
        assert await connection.scalar(select(processed_events.c.event_id)) == "e1"


async def test_a_call_cancelled_in_the_thread_is_not_overtaken(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / SQLITE_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write(n: int) -> None:
        async with sqlite_db.writing() as connection:
            await connection.execute(insert(processed_events).values(_event(n)))

    try:
        waiting = asyncio.create_task(write(1))
        await asyncio.sleep(0.2)
        waiting.cancel()  # its BEGIN IMMEDIATE still waits in the driver thread ...
        await asyncio.sleep(0.1)
    finally:
        other.execute("ROLLBACK")  # ... and now gets the lock, for a task that is gone
        other.close()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    # SQLAlchemy closes the connection of a cancelled task: the close queues behind the
    # call in the thread instead of running beside it, and releases what it took.
    for n in range(2, 5):
        await asyncio.wait_for(write(n), 5)
    async with sqlite_db.engine.connect() as connection:
        stored = (await connection.execute(select(processed_events.c.event_id))).scalars()
        assert sorted(stored) == ["e2", "e3", "e4"]


async def test_a_connection_with_a_call_in_its_thread_sends_the_next_call_there_too(
    tmp_path: Path,
) -> None:
    path = tmp_path / "order.db"
    connection = await sqlite_driver.connect(str(path), busy_timeout_ms=5_000)
    await connection.execute("CREATE TABLE probe (x INTEGER)")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(ticking())
    try:
        begin = asyncio.create_task(connection.execute("BEGIN IMMEDIATE"))
        await asyncio.sleep(0.1)
        begin.cancel()  # the BEGIN goes on waiting for the lock in the thread
        threading.Timer(0.5, other.execute, ["ROLLBACK"]).start()
        before = ticks
        # Run on the loop's thread, this would wait there for the thread's call to finish.
        await connection.execute("INSERT INTO probe VALUES (1)")
        assert ticks - before >= 10
        assert connection.in_transaction  # after the BEGIN, not beside it
        await connection.commit()
    finally:
        ticker.cancel()
        await connection.close()
        other.close()
    assert sqlite3.connect(path).execute("SELECT x FROM probe").fetchall() == [(1,)]
