"""The database `serve` opens on PostgreSQL: a pool with a kept connection for every admitted
turn (no overflow connections opened and closed again), and asyncpg's prepared statements
reused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.settings import Settings
from bot.wiring import open_store, pool_size
from storage.repository import ReportStore
from tests.pg_server import fresh_database

TURNS = 8


async def _backends_of_a_burst(store: ReportStore, size: int) -> set[int]:
    """Hold `size` connections at once; the PostgreSQL backend process behind each."""
    engine = store.database.engine
    everyone_in = asyncio.Barrier(size)

    async def one() -> int:
        async with engine.connect() as connection:
            pid = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
            await everyone_in.wait()
            return pid

    return set(await asyncio.gather(*(one() for _ in range(size))))


@pytest.mark.postgres
async def test_bursts_of_turns_reuse_the_same_database_sessions() -> None:
    async with fresh_database() as url:
        settings = Settings(database_url=url, max_concurrent_turns=TURNS)
        store = await open_store(settings, wait=False)
        try:
            size = pool_size(TURNS)
            assert size >= TURNS
            first = await _backends_of_a_burst(store, size)
            second = await _backends_of_a_burst(store, size)
            assert len(first) == size
            # Every connection came back to the pool and was reused: no new sessions.
            assert second == first
        finally:
            await store.database.dispose()


@pytest.mark.postgres
async def test_a_repeated_query_is_prepared_once_per_connection() -> None:
    async with fresh_database() as url:
        store = await open_store(Settings(database_url=url), wait=False)
        try:
            probe = text("SELECT count(*) AS jcdc_probe FROM reports WHERE id = :id")
            async with store.database.engine.connect() as connection:
                for n in range(3):
                    await connection.execute(probe, {"id": f"r{n}"})
                prepared = await connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_prepared_statements "
                        "WHERE statement LIKE '%AS jcdc' || '_probe FROM%'"  # not matching itself
                    )
                )
            # asyncpg's statement cache (on in SQLAlchemy's dialect) keeps one named prepared
            # statement for the three runs; without it the server would hold none.
            assert prepared == 1
        finally:
            await store.database.dispose()
