"""The throwaway PostgreSQL server other tests stage outages with: it starts on its own port,
keeps its data across a stop and a start, refuses connections while stopped, and leaves
nothing behind."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.pg_server import throwaway_postgres


async def _query(url: str, sql: str) -> object:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


@pytest.mark.postgres
async def test_a_throwaway_server_stops_and_comes_back_with_its_data() -> None:
    with throwaway_postgres() as server:
        await _query(server.url, "CREATE TABLE kept AS SELECT 7 AS n")
        await asyncio.to_thread(server.stop)
        with pytest.raises(ConnectionRefusedError):
            await _query(server.url, "SELECT 1")
        await asyncio.to_thread(server.start)
        assert await _query(server.url, "SELECT n FROM kept") == 7
        root = server.root
    assert not root.exists()
    with pytest.raises(ConnectionRefusedError):
        await _query(server.url, "SELECT 1")


@pytest.mark.postgres
def test_a_server_not_started_is_not_listening_yet() -> None:
    with throwaway_postgres(start=False) as server:
        assert not server.running
        assert server.data_dir.is_dir()
        with pytest.raises(ConnectionRefusedError):
            asyncio.run(_query(server.url, "SELECT 1"))
