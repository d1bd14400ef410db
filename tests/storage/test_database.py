"""Opening databases: URL normalisation, SQLite's settings for concurrent turns, UTC columns."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage import sqlite_driver
from storage.database import DEFAULT_DATABASE_URL, Database, normalise_url
from storage.rows import contributions, processed_events
from tests.storage.states import NEW_DELHI, T0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///jcdc.db", "sqlite+aiosqlite:///jcdc.db"),
        ("sqlite:////var/lib/jcdc/jcdc.db", "sqlite+aiosqlite:////var/lib/jcdc/jcdc.db"),
        ("sqlite+aiosqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u:p@h:5433/db", "postgresql+asyncpg://u:p@h:5433/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        # An explicit driver is the operator's choice, even one this project does not ship.
        (
            "postgresql+psycopg://u@h/db?sslmode=require",
            "postgresql+psycopg://u@h/db?sslmode=require",
        ),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_the_default_url_is_already_normal() -> None:
    assert normalise_url(DEFAULT_DATABASE_URL) == DEFAULT_DATABASE_URL


def test_normalise_url_rejects_non_urls() -> None:
    with pytest.raises(ValueError, match="is not a database URL"):
        normalise_url("jcdc.db")


def test_from_url_picks_the_async_driver(tmp_path: Path) -> None:
    sqlite_db = Database.from_url(f"sqlite:///{tmp_path / 'a.db'}")
    postgres_db = Database.from_url("postgres://nobody@127.0.0.1:1/none")
    assert (sqlite_db.engine.dialect.driver, sqlite_db.is_sqlite) == ("aiosqlite", True)
    assert (postgres_db.engine.dialect.driver, postgres_db.is_sqlite) == ("asyncpg", False)


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(
    tmp_path: Path,
) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        async with database.engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
            raw = await connection.get_raw_connection()
            # The driver waits for locks in its thread, up to this (tests/storage/
            # test_sqlite_hops.py shows it waiting without blocking the event loop).
            timeout = raw.driver_connection.busy_timeout_ms  # type: ignore[union-attr]
        assert (mode, timeout, foreign_keys) == ("wal", 10_000, 1)
    finally:
        await database.dispose()


async def test_sqlite_write_transactions_take_the_write_lock_when_they_begin(
    tmp_path: Path,
) -> None:
    # BEGIN IMMEDIATE: a turn holds the write lock from its first statement, so two turns
    # never both read and then deadlock upgrading to write. Readers still read (WAL).
    path = tmp_path / "lock.db"
    database = Database.from_url(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        await database.upgrade()
        async with database.writing() as connection:
            await connection.execute(select(processed_events.c.event_id))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM processed_events").fetchone() == (0,)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        await database.dispose()


async def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.writing() as connection:
            await connection.execute(
                insert(contributions).values(
                    id="orphan",
                    report_id="no-such-report",
                    position=0,
                    item_id="handling.org",
                    author_id="U1",
                    author_name="Alice",
                    at=T0,
                    via="direct",
                    raw="x",
                    value="x",
                )
            )


async def test_datetimes_are_stored_and_returned_as_aware_utc(database: Database) -> None:
    local = T0.astimezone(NEW_DELHI)
    async with database.writing() as connection:
        await connection.execute(
            insert(processed_events).values(platform="p", event_id="e", processed_at=local)
        )
    async with database.engine.connect() as connection:
        stored = (await connection.execute(select(processed_events.c.processed_at))).scalar_one()
    assert stored == T0
    assert stored.utcoffset() is not None
    assert stored.utcoffset().total_seconds() == 0


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetimes are ambiguous"):
        async with database.writing() as connection:
            await connection.execute(
                insert(processed_events).values(
                    platform="p", event_id="e", processed_at=datetime(2026, 11, 20, 14, 0)
                )
            )


async def test_sqlite_pool_sends_no_rollback_after_a_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'jcdc.db'}")
    rollbacks = 0
    original = sqlite_driver.Connection.rollback

    async def counted(self: sqlite_driver.Connection) -> None:
        nonlocal rollbacks
        rollbacks += 1
        await original(self)

    async def failing_turn() -> None:
        async with database.writing() as connection:
            await connection.execute(text("INSERT INTO probe VALUES (2)"))
            raise RuntimeError("the turn failed")

    try:
        async with database.writing() as connection:  # the first connect initialises the dialect
            await connection.execute(text("CREATE TABLE probe (x INTEGER)"))
        monkeypatch.setattr(sqlite_driver.Connection, "rollback", counted)
        for _ in range(3):
            async with database.writing() as connection:
                await connection.execute(text("INSERT INTO probe VALUES (1)"))
        assert rollbacks == 0  # the pool took the connections back without a ROLLBACK
        with pytest.raises(RuntimeError):
            await failing_turn()
        assert rollbacks == 1  # a failed transaction is still rolled back, once
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM probe")) == 3
    finally:
        await database.dispose()


async def test_a_transaction_sqlalchemy_does_not_know_of_is_rolled_back_on_return(
    tmp_path: Path,
) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'jcdc.db'}")
    try:
        async with database.engine.connect() as connection:
            await connection.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            await connection.commit()
        async with database.engine.connect() as connection:
            # Behind SQLAlchemy's back: it has no transaction to roll back when this closes.
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("BEGIN IMMEDIATE")
            await driver.execute("INSERT INTO probe VALUES (1)")
            assert driver.in_transaction
        assert not driver.in_transaction  # back in the pool, and rolled back
        async with database.engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM probe")) == 0
    finally:
        await database.dispose()


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_postgres_reads_without_begin_and_rollback(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reading()` on PostgreSQL: one round trip per statement, none around them (READ
    COMMITTED gives each statement its own snapshot in a transaction too)."""
    # (SQLite reads in a transaction, which costs it no round trip.)
    import asyncpg.connection

    simple: list[str] = []
    original = asyncpg.connection.Connection.execute

    async def recording(self: object, query: str, *args: object, **kwargs: object) -> object:
        simple.append(query)
        return await original(self, query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", recording)
    async with database.writing() as connection:
        await connection.execute(
            insert(processed_events).values(platform="p", event_id="e1", processed_at=T0)
        )
    assert any(q.startswith("BEGIN") for q in simple)  # a write still has its transaction
    simple.clear()
    for _ in range(3):
        async with database.reading() as connection:
            found = await connection.scalar(select(processed_events.c.event_id))
        assert found == "e1"
    assert simple == []
    # The pool's connections are back in transactions for everyone else.
    async with database.engine.connect() as connection:
        await connection.scalar(select(processed_events.c.event_id))
        assert connection.in_transaction()
    # And on the wire: a write after those reads, on the same pooled connections, still
    # opens its transaction (the autocommit of a read does not stay with the connection).
    simple.clear()
    async with database.writing() as connection:
        await connection.execute(
            insert(processed_events).values(platform="p", event_id="e2", processed_at=T0)
        )
    assert any(q.startswith("BEGIN") for q in simple), simple
