"""Shared fixtures: every storage-backed test runs on SQLite and on the real PostgreSQL.

- `database`: an empty, migrated `Database`, once per backend (test ids `[sqlite]`,
  `[postgres]`); `store`: a `ReportStore` over it.
- SQLite: a fresh file in the test's tmp_path.
- PostgreSQL: the server named by TEST_POSTGRES_URL gets one throwaway database per test
  session (`jcdc_test_<random>`, dropped at the end), and each test a fresh schema in it,
  selected through the connections' search_path. Every test therefore migrates an empty schema
  of its own, and a run leaves nothing behind in the server's own databases.
- An unreachable PostgreSQL makes the postgres tests fail with the reason, never skip; run
  `pytest -m "not postgres"` to leave them out on purpose.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import make_url

from storage.database import Database, normalise_url
from storage.repository import ReportStore

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _with(url: str, *, drivername: str | None = None, database: str | None = None) -> str:
    changed = make_url(normalise_url(url)).set(drivername=drivername, database=database)
    return changed.render_as_string(hide_password=False)


def _run_alone(coroutine: Coroutine[Any, Any, None]) -> None:
    # A loop of our own, never installed as the current one: pytest-asyncio's loops stay as
    # they are, and session setup can happen while no test's loop runs.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        runner.run(coroutine)


async def _execute_on_server(sql: str) -> None:
    # asyncpg takes libpq-style URLs: the plain postgresql:// scheme, no SQLAlchemy driver.
    connection = await asyncpg.connect(_with(POSTGRES_URL, drivername="postgresql"), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """The URL of a database created for this test session and dropped after it."""
    name = f"jcdc_test_{secrets.token_hex(6)}"
    try:
        _run_alone(_execute_on_server(f'CREATE DATABASE "{name}"'))
        unusable = None
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        unusable = error
    if unusable is not None:
        pytest.fail(
            f"PostgreSQL at {make_url(POSTGRES_URL)!r} is unusable: {unusable!r}. Start it or "
            'point TEST_POSTGRES_URL at one; deselect these tests with -m "not postgres".',
            pytrace=False,
        )
    yield _with(POSTGRES_URL, database=name)
    # FORCE: a test that failed half-way may have left a connection open.
    _run_alone(_execute_on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    # Synchronous on purpose: the session database is created with a loop of its own, which
    # cannot start from inside an async fixture's running loop.
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("postgres_session_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    schema = f"test_{secrets.token_hex(6)}"
    if make_url(normalise_url(database_url)).get_backend_name() == "sqlite":
        db = Database.from_url(database_url)
    else:
        # Left in place afterwards: the session database, and every schema in it, is dropped.
        db = Database.from_url(
            database_url, connect_args={"server_settings": {"search_path": schema}}
        )
    try:
        if not db.is_sqlite:
            async with db.engine.begin() as connection:
                await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        await db.upgrade()
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def store(database: Database) -> ReportStore:
    return ReportStore(database)
