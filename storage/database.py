"""Opening the database: URL defaults, SQLite settings that make it safe for concurrent turns,
and migrations applied programmatically through Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

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
        """Apply every migration up to the newest."""
        async with self.engine.begin() as connection:
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
    # SQLAlchemy's documented recipe: stop the driver from issuing its own deferred BEGIN and
    # begin every transaction IMMEDIATE, so two turns never deadlock upgrading a read lock.
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
