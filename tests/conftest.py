"""Shared fixtures: every storage-backed test runs on SQLite and on the real PostgreSQL.

PostgreSQL tests get a schema of their own in the database named by TEST_POSTGRES_URL, dropped
afterwards. When that server is unreachable they fail with a clear message; CI never skips them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from storage.database import Database, normalise_url
from storage.repository import ReportStore

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _plain_postgres_dsn(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = Database.from_url(f"sqlite:///{tmp_path / 'test.db'}")
        await db.upgrade()
        yield db
        await db.dispose()
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    dsn = _plain_postgres_dsn(POSTGRES_URL)
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(
            f"PostgreSQL at {POSTGRES_URL} is unreachable ({error}); start it or set "
            "TEST_POSTGRES_URL. These tests never skip."
        )
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        db = Database.from_url(
            POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
        )
        await db.upgrade()
        yield db
        await db.dispose()
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.fixture
def store(database: Database) -> ReportStore:
    return ReportStore(database)
