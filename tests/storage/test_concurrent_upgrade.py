"""Several replicas migrating one empty database at the same moment: every one of them
succeeds, and the schema ends at head. Real OS processes, released together from a barrier
once each has imported everything, so their upgrades overlap as much as they can."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from storage.database import Database, alembic_config
from tests.conftest import _with
from tests.pg_server import fresh_database

# Enough that, without the migration lock, a run on PostgreSQL practically always has a loser.
REPLICAS = 5
POSTGRES_ROUNDS = 2

UPGRADE = """
import asyncio, sys
from storage.database import Database

async def main() -> None:
    database = Database.from_url(sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()  # the barrier: every replica waits for the same "go"
    try:
        await database.upgrade()
    finally:
        await database.dispose()

asyncio.run(main())
"""


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def _upgrade_together(url: str) -> list[tuple[int, str]]:
    """Start REPLICAS processes, release them at once; their exit codes and stderr."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            UPGRADE,
            url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(REPLICAS)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert line == b"ready\n", line
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
        await asyncio.gather(*(p.stdin.drain() for p in processes if p.stdin is not None))
        outcomes = []
        for process in processes:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
            assert process.returncode is not None
            outcomes.append((process.returncode, stderr.decode(errors="replace")))
        return outcomes
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _postgres_version(url: str) -> list[str]:
    connection = await asyncpg.connect(_with(url, drivername="postgresql"), timeout=5)
    try:
        rows = await connection.fetch("SELECT version_num FROM alembic_version")
        tables = await connection.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'reports'"
        )
    finally:
        await connection.close()
    assert tables == 1
    return [row["version_num"] for row in rows]


def _failures(outcomes: list[tuple[int, str]]) -> list[str]:
    return [f"exit {code}: {stderr[-2000:]}" for code, stderr in outcomes if code != 0]


@pytest.mark.postgres
async def test_replicas_migrate_one_empty_postgres_database_together() -> None:
    for _ in range(POSTGRES_ROUNDS):
        # A fresh database each round: only an empty one has the race on creating tables.
        async with asyncio.timeout(180), fresh_database() as url:
            outcomes = await _upgrade_together(url)
            assert _failures(outcomes) == []
            assert await _postgres_version(url) == [_head()]


async def test_replicas_migrate_one_empty_sqlite_file_together(tmp_path: Path) -> None:
    # Passes without the file lock too (BEGIN IMMEDIATE serialises these short migrations);
    # the next test shows what the lock adds.
    path = tmp_path / "replicas.db"
    outcomes = await _upgrade_together(f"sqlite:///{path}")
    assert _failures(outcomes) == []
    with closing(sqlite3.connect(path)) as connection:
        versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    assert versions == [_head()]


async def test_a_sqlite_upgrade_waits_for_a_replica_that_is_migrating(tmp_path: Path) -> None:
    # However long the other replica's migration takes: SQLite's own busy timeout (10 s) would
    # let the waiting one fail with "database is locked".
    path = tmp_path / "held.db"
    database = Database.from_url(f"sqlite:///{path}")
    with (tmp_path / "held.db.migrate.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a replica holds while it migrates
        upgrading = asyncio.create_task(database.upgrade())
        try:
            await asyncio.sleep(1)
            assert not upgrading.done()
            assert not _sqlite_tables(path)
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    try:
        await asyncio.wait_for(upgrading, timeout=30)
        assert "reports" in _sqlite_tables(path)
    finally:
        await database.dispose()


async def test_an_upgrade_cancelled_while_waiting_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "cancelled.db"
    first = Database.from_url(f"sqlite:///{path}")
    second = Database.from_url(f"sqlite:///{path}")
    try:
        with (tmp_path / "cancelled.db.migrate.lock").open("w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            waiting = asyncio.create_task(first.upgrade())
            await asyncio.sleep(0.3)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            fcntl.flock(held, fcntl.LOCK_UN)
        # The cancelled waiter's thread got the lock after all, and let it go again.
        await asyncio.wait_for(second.upgrade(), timeout=30)
        assert "reports" in _sqlite_tables(path)
    finally:
        await first.dispose()
        await second.dispose()


def _sqlite_tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}
