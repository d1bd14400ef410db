"""Opening databases and migrating them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from storage.database import Database, normalise_url
from storage.tables import metadata


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///jcdc.db", "sqlite+aiosqlite:///jcdc.db"),
        ("sqlite+aiosqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u:p@h:5433/db", "postgresql+asyncpg://u:p@h:5433/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_normalise_url_rejects_non_urls() -> None:
    with pytest.raises(ValueError, match="is not a database URL"):
        normalise_url("jcdc.db")


async def test_migrations_match_the_models(database: Database) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_upgrade_is_idempotent(database: Database) -> None:
    await database.upgrade()
    async with database.engine.connect() as connection:
        version = await connection.execute(text("SELECT version_num FROM alembic_version"))
        assert version.scalar_one() == "0002"


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: object) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path}/wal.db")
    try:
        async with database.engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert (mode, timeout, foreign_keys) == ("wal", 10_000, 1)
    finally:
        await database.dispose()
