"""Fixtures of the SQLite-only storage tests (the driver, its checkpoints, its writer)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database
from tests.storage.states import SQLITE_FILE


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path / SQLITE_FILE}")
    await database.upgrade()
    yield database
    await database.dispose()
