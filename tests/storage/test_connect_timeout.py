"""A PostgreSQL server that accepts connections and then never answers (a black hole: a hung
server, a firewall that drops replies) makes connecting fail after a few seconds instead of
hanging: asyncpg's connect timeout is set for every PostgreSQL URL."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from storage.database import POSTGRES_CONNECT_TIMEOUT_S, Database


@contextmanager
def black_hole() -> Iterator[int]:
    """A port whose listening socket is never accept()ed: the kernel completes the TCP
    handshake, and nothing ever reads or answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


async def _connect_seconds(database: Database) -> float:
    started = time.monotonic()
    try:
        with pytest.raises((TimeoutError, OSError)):
            async with database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await database.dispose()
    return time.monotonic() - started


async def test_connecting_to_a_black_hole_times_out_with_the_callers_connect_args_kept() -> None:
    with black_hole() as port:
        database = Database.from_url(
            f"postgresql://nobody@127.0.0.1:{port}/none",
            connect_args={"server_settings": {"search_path": "elsewhere"}},
        )
        elapsed = await asyncio.wait_for(_connect_seconds(database), timeout=30)
    assert POSTGRES_CONNECT_TIMEOUT_S - 0.5 <= elapsed < POSTGRES_CONNECT_TIMEOUT_S + 10


async def test_a_callers_own_connect_timeout_wins() -> None:
    with black_hole() as port:
        database = Database.from_url(
            f"postgresql://nobody@127.0.0.1:{port}/none", connect_args={"timeout": 0.5}
        )
        elapsed = await asyncio.wait_for(_connect_seconds(database), timeout=30)
    assert elapsed < POSTGRES_CONNECT_TIMEOUT_S - 1
