"""Starting before the database: `jcdc-bot serve` (a real process) waits for PostgreSQL,
saying so every few seconds, and comes up when it does; settings that can never work fail at
once with a message instead of a traceback. The one-shot commands do not wait."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import make_url

from tests.adapters.email.smtp_server import free_port
from tests.conftest import POSTGRES_URL
from tests.pg_server import throwaway_postgres

DB_PASSWORD = "db-pass-never-shown-3f9a"
WAITING = re.compile(r"WARNING .*database not reachable at (\S+): (.+); retrying")


class Serve:
    """`python -m bot serve` with its stderr collected line by line as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        assert process.stderr is not None
        self._reader = asyncio.create_task(self._read(process.stderr))

    @classmethod
    async def start(cls, port: int, environment: Mapping[str, str]) -> Serve:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--port",
            str(port),
            env={**os.environ, **environment},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    def matching(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        return [m for line in self.lines if (m := pattern.search(line))]

    async def wait_for_line(self, pattern: re.Pattern[str], within: float) -> re.Match[str]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if found := self.matching(pattern):
                return found[0]
            if self.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"no line matching {pattern.pattern!r}:\n" + "\n".join(self.lines))

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.exited(within=30)

    async def exited(self, within: float) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout=within)
        await self._reader
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


async def _health(url: str) -> int | None:
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


@pytest.mark.postgres
async def test_serve_waits_for_a_postgres_that_starts_later() -> None:
    with throwaway_postgres(start=False) as database:
        # The server trusts every local connection, so the password is never asked for: it is
        # there to show that it stays out of the log.
        url = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:{database.port}/postgres"
        port = free_port()
        serve = await Serve.start(port, {"DATABASE_URL": url})
        try:
            waiting = await serve.wait_for_line(WAITING, within=30)
            assert (
                waiting.group(1) == f"postgresql://postgres:***@127.0.0.1:{database.port}/postgres"
            )
            # ECONNREFUSED, in asyncio's words ("Connect call failed") or uvloop's
            # ("Connection refused"): serve runs on uvloop (bot/event_loop.py).
            assert "[Errno 111]" in waiting.group(2)
            # Waiting, not gone; and not a line per attempt (those come every few hundred ms
            # at first), but one every few seconds.
            await asyncio.sleep(6)
            assert serve.process.returncode is None
            assert 1 <= len(serve.matching(WAITING)) <= 2
            assert await _health(f"http://127.0.0.1:{port}/healthz") is None

            await asyncio.to_thread(database.start)
            deadline = time.monotonic() + 30
            while await _health(f"http://127.0.0.1:{port}/healthz") != 200:
                assert serve.process.returncode is None, serve.output
                assert time.monotonic() < deadline, serve.output
                await asyncio.sleep(0.1)
            await serve.wait_for_line(re.compile("INFO .*database reachable at"), within=5)
        finally:
            code = await serve.stop()
        assert code == 0, serve.output
        assert DB_PASSWORD not in serve.output
        assert "Traceback" not in serve.output


def _refusing_role_url() -> str:
    """The shared test server, as a role it does not have."""
    shared = make_url(POSTGRES_URL).set(username="no_such_role_jcdc", password=DB_PASSWORD)
    return shared.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    ("database_url", "told"),
    [
        # A scheme SQLAlchemy has no dialect for.
        (f"nosuchdb://user:{DB_PASSWORD}@127.0.0.1/x", "DATABASE_URL nosuchdb://user:***@"),
        # Not a URL at all: nothing of it is repeated.
        (f"user:{DB_PASSWORD}@127.0.0.1/x", "DATABASE_URL ********** cannot be used"),
        # The server answers, and says no: that will not pass by waiting.
        pytest.param(
            "refusing-role",
            'role "no_such_role_jcdc" does not exist',
            marks=pytest.mark.postgres,
        ),
    ],
    ids=["unknown-scheme", "not-a-url", "refused-role"],
)
async def test_serve_fails_at_once_when_waiting_cannot_help(database_url: str, told: str) -> None:
    if database_url == "refusing-role":
        database_url = _refusing_role_url()
    serve = await Serve.start(free_port(), {"DATABASE_URL": database_url})
    code = await serve.exited(within=30)
    assert code == 1, serve.output
    assert told in serve.output
    assert DB_PASSWORD not in serve.output
    assert "Traceback" not in serve.output


async def test_one_shot_commands_do_not_wait_for_the_database() -> None:
    # Nothing listens on this port: `db upgrade` (from cron, a deploy step) says so and stops.
    url = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:{free_port()}/postgres"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "db",
        "upgrade",
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    output = (stdout + stderr).decode()
    assert process.returncode == 1, output
    assert "Error: database not reachable at postgresql://postgres:***@" in output
    assert DB_PASSWORD not in output
    assert "Traceback" not in output


async def test_serve_refuses_smtp_credentials_without_tls_at_start(tmp_path: Path) -> None:
    smtp_password = "smtp-pass-never-shown-77c1"
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_TLS": "none",
        "SMTP_USERNAME": "jcdc",
        "SMTP_PASSWORD": smtp_password,
    }
    serve = await Serve.start(free_port(), environment)
    assert await serve.exited(within=30) == 1, serve.output
    assert "SMTP_ALLOW_PLAINTEXT_AUTH=true" in serve.output
    assert smtp_password not in serve.output
    assert "Traceback" not in serve.output
    # Refused before anything else was done: the database was not even created.
    assert not (tmp_path / "serve.db").exists()

    allowed = {**environment, "SMTP_ALLOW_PLAINTEXT_AUTH": "true"}
    port = free_port()
    serve = await Serve.start(port, allowed)
    try:
        deadline = time.monotonic() + 30
        while await _health(f"http://127.0.0.1:{port}/healthz") != 200:
            assert serve.process.returncode is None, serve.output
            assert time.monotonic() < deadline, serve.output
            await asyncio.sleep(0.1)
    finally:
        assert await serve.stop() == 0, serve.output


async def test_sigterm_while_waiting_for_the_database_is_a_clean_stop() -> None:
    url = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:{free_port()}/postgres"
    serve = await Serve.start(free_port(), {"DATABASE_URL": url})
    try:
        await serve.wait_for_line(WAITING, within=30)
    finally:
        code = await serve.stop()
    assert code == 0, serve.output
    assert "stopped before the database was reachable" in serve.output
    assert "Traceback" not in serve.output
