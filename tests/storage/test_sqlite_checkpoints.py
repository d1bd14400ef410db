"""The WAL's checkpoints run in a thread of their own (storage/sqlite_checkpoints.py): COMMITs
on the event loop's thread never checkpoint, the WAL is still checkpointed past SQLite's own
threshold, the one COMMIT that starts the WAL again goes to the driver's thread, and nothing
committed is lost, whoever reads the file next."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from storage import sqlite_driver
from storage.database import Database
from storage.rows import processed_events
from storage.sqlite_checkpoints import Checkpoints
from tests.storage.states import T0

# Each row about a page of WAL: a checkpoint after a few dozen commits, not a thousand.
PADDING = "x" * 3000


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'wal.db'}")
    assert database.checkpoints is not None
    database.checkpoints.pages = 40  # the threshold, in pages (SQLite's default is 1,000)
    await database.upgrade()
    yield database
    await database.dispose()


async def _write(database: Database, n: int) -> None:
    async with database.writing() as connection:
        await connection.execute(
            insert(processed_events).values(
                platform="p", event_id=f"e{n}-{PADDING}", processed_at=T0
            )
        )


def _wal(tmp_path: Path) -> int:
    wal = tmp_path / "wal.db-wal"
    return wal.stat().st_size if wal.exists() else 0


async def test_connections_leave_checkpoints_to_the_checkpointer(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as connection:
        autocheckpoint = await connection.scalar(text("PRAGMA wal_autocheckpoint"))
        limit = await connection.scalar(text("PRAGMA journal_size_limit"))
        driver = (await connection.get_raw_connection()).driver_connection
    assert autocheckpoint == 0
    assert limit == 0
    assert isinstance(driver, sqlite_driver.Connection)
    assert driver.checkpoints is sqlite_db.checkpoints


async def test_the_wal_is_checkpointed_off_the_loop_and_started_again_in_the_thread(
    sqlite_db: Database, tmp_path: Path
) -> None:
    checkpoints = sqlite_db.checkpoints
    assert checkpoints is not None
    await _write(sqlite_db, 0)
    assert not checkpoints.may_restart  # the first COMMIT started the WAL (in the thread)
    largest = 0
    hops_before = sqlite_driver.Connection.hops
    for n in range(1, 200):
        await _write(sqlite_db, n)
        if checkpoints._running is not None:
            await checkpoints._running  # in the checkpoint's own thread
        largest = max(largest, _wal(tmp_path))
    hops = sqlite_driver.Connection.hops - hops_before
    # Checkpointed at the threshold (measured: 32 times, each complete), so the WAL never
    # grew far past it ...
    assert checkpoints.runs >= 10
    limit = checkpoints.pages * (4096 + 24)
    assert limit <= largest < 2 * limit
    # ... and started again after each complete checkpoint by the one COMMIT sent to the
    # driver's thread (the last one's may still be to come); the others committed on the
    # loop's thread.
    completed = checkpoints.completed - 1  # the first counts the new WAL
    assert completed >= 10
    assert completed - 1 <= hops <= completed
    async with sqlite_db.engine.connect() as connection:
        count = await connection.scalar(select(text("count(*)")).select_from(processed_events))
    assert count == 200


async def test_what_was_committed_is_in_the_file_for_another_process(
    sqlite_db: Database, tmp_path: Path
) -> None:
    for n in range(120):
        await _write(sqlite_db, n)
    # Read while the bot's connections are open (through the WAL), as another replica would.
    other = sqlite3.connect(tmp_path / "wal.db")
    try:
        (count,) = other.execute("SELECT count(*) FROM processed_events").fetchone()
    finally:
        other.close()
    assert count == 120


async def test_closing_leaves_everything_in_the_database_file(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'wal.db'}")
    await database.upgrade()
    for n in range(30):
        await _write(database, n)
    await database.dispose()
    # The last connection closed checkpointed the WAL and removed it.
    assert not (tmp_path / "wal.db-wal").exists()
    connection = sqlite3.connect(tmp_path / "wal.db")
    try:
        (count,) = connection.execute("SELECT count(*) FROM processed_events").fetchone()
    finally:
        connection.close()
    assert count == 30


async def test_a_commit_after_a_complete_checkpoint_waits_in_the_thread() -> None:
    checkpoints = Checkpoints()
    # A new WAL starts with a synced header: the first COMMIT goes to the thread.
    assert checkpoints.may_restart
    checkpoints.committed(wrote=True, seen=checkpoints.completed)
    assert not checkpoints.may_restart
    checkpoints.completed += 1  # a checkpoint completed
    assert checkpoints.may_restart
    # A COMMIT that wrote nothing cannot have started the WAL again.
    checkpoints.committed(wrote=False, seen=checkpoints.completed)
    assert checkpoints.may_restart
    # One that began before the checkpoint completed says nothing of the WAL after it.
    checkpoints.committed(wrote=True, seen=checkpoints.completed - 1)
    assert checkpoints.may_restart
    checkpoints.committed(wrote=True, seen=checkpoints.completed)
    assert not checkpoints.may_restart


async def test_an_in_memory_database_commits_in_the_thread_as_before() -> None:
    database = Database.from_url("sqlite+aiosqlite:///:memory:")
    try:
        async with database.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
        assert isinstance(driver, sqlite_driver.Connection)
        assert driver.checkpoints is None
    finally:
        await database.dispose()
