"""Database URLs for tests that start `serve` as real processes: a fresh SQLite file, or a
fresh database created on the test PostgreSQL server (dropped afterwards). Processes take a
URL only, so a schema of our own (as tests/conftest.py uses) will not do."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.bot.serve_process import STARTED
from tests.conftest import POSTGRES_URL, _execute_on_server, _run_alone, _with


@pytest.fixture(autouse=True)
def no_serve_process_left() -> Iterator[None]:
    """Whatever a test does, the `serve` processes it started do not outlive it."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.returncode is None:
            with suppress(ProcessLookupError):
                process.kill()


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    name = f"jcdc_proc_{secrets.token_hex(6)}"
    _run_alone(_execute_on_server(f'CREATE DATABASE "{name}"'))
    try:
        yield _with(POSTGRES_URL, database=name)
    finally:
        _run_alone(_execute_on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def process_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'serve.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def process_postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url
