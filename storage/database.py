"""Opening the database: URL defaults, SQLite settings that make it safe for concurrent turns,
and migrations applied programmatically through Alembic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./jcdc-bot.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another turn's transaction before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def normalise_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async drivers this project uses."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError(f"{url!r} is not a database URL (expected e.g. sqlite:///jcdc-bot.db)")
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


WRITE = {"jcdc_write": True}


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Queueing this process's writers here hands the lock
        # over at once, instead of each one polling SQLite's sleeping busy handler.
        self.write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed on normal exit, rolled back on an exception."""
        async with self.write_lock or nullcontext(), self.engine.connect() as connection:
            await connection.execution_options(**WRITE)
            async with connection.begin():
                yield connection

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        engine = create_async_engine(normalise_url(url), **engine_options)
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        return cls(engine)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def upgrade(self) -> None:
        """Apply every migration up to the newest, in one transaction on a connection that
        Alembic borrows (its "connection sharing with asyncio" recipe; see migrations/env.py)."""
        async with self.writing() as connection:
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _configure_sqlite(engine: AsyncEngine) -> None:
    # SQLAlchemy's documented recipe: stop the driver from issuing its own BEGIN and emit our
    # own. Writers begin IMMEDIATE so two turns never deadlock upgrading a read lock; readers
    # begin deferred and, in WAL mode, never wait for a writer.
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # With WAL this is still safe against a crashed process; only a power cut may lose the
        # last commits. Worth it: every turn commits, and FULL syncs the disk on each one.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get("jcdc_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
