"""PostgreSQL for tests that need more than the `database` fixture's schema.

`fresh_database()`: a brand-new, empty database on the shared server (TEST_POSTGRES_URL),
dropped afterwards.

`throwaway_postgres()`: a PostgreSQL server of the test's own: its data directory, port and
socket directory are fresh, and it is always stopped and removed afterwards. For tests that
need a database to be down, to come up late, or to go away and come back, none of which can
be done to the shared server at TEST_POSTGRES_URL.

    with throwaway_postgres() as server:      # initialised and started
        ... server.url ...
        server.stop()                          # an outage
        server.start()                         # over: same port, same data

`throwaway_postgres(start=False)` initialises it without starting it (a database that is
not up yet). start() and stop() block for a second or two; from async code, run them in a
thread (`await asyncio.to_thread(server.start)`) if the loop must keep serving meanwhile.

PostgreSQL refuses to run as root, so when the tests do, every server command runs as the
`postgres` user (runuser), in a directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import make_url

from storage.database import normalise_url
from tests.adapters.email.smtp_server import free_port
from tests.conftest import POSTGRES_URL

# How long initdb, a start or a stop may take before the test gives up on the server.
COMMAND_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 30.0


def _libpq_url(url: str, database: str | None = None) -> str:
    # asyncpg takes the plain postgresql:// scheme, without SQLAlchemy's driver suffix.
    parsed = make_url(normalise_url(url)).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _on_server(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(_libpq_url(server_url), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(server_url: str = POSTGRES_URL) -> AsyncIterator[str]:
    """The URL of a new, empty database on `server_url`'s server; dropped afterwards (FORCE:
    connections a failed test left open do not keep it)."""
    name = f"jcdc_fresh_{secrets.token_hex(6)}"
    await _on_server(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _libpq_url(server_url, database=name)
    finally:
        await _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_bin_dir() -> Path:
    """Where initdb and pg_ctl are: $PG_BIN, else the newest /usr/lib/postgresql/*/bin, else
    the PATH."""
    configured = os.environ.get("PG_BIN")
    if configured:
        return Path(configured)
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if installed:
        return installed[-1].parent
    found = shutil.which("initdb")
    if found is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb): install them or set PG_BIN")
    return Path(found).parent


@dataclass
class PostgresServer:
    port: int
    root: Path
    bin_dir: Path
    running: bool = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        # Our own: two servers (or the shared one) never meet in /var/run/postgresql.
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def initialise(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",  # a throwaway: nothing to lose in a power cut
        )

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        if self.running:
            return
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.socket_dir}",
                "-c fsync=off",
                "-c full_page_writes=off",
            ]
        )
        self.running = True  # from here on, stop() must try to stop it
        try:
            self._run(
                "pg_ctl",
                "--pgdata",
                str(self.data_dir),
                "--log",
                str(self.log_file),
                "--options",
                options,
                "--wait",
                "start",
            )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """A fast shutdown (open connections are closed, nothing is waited for)."""
        if not self.running:
            return
        try:
            self._run("pg_ctl", "--pgdata", str(self.data_dir), "--mode", "fast", "--wait", "stop")
        except (subprocess.SubprocessError, OSError):
            self._kill_postmaster()
        self.running = False

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            ready = subprocess.run(
                [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL on port {self.port} never became ready:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def _kill_postmaster(self) -> None:
        # Only ever the server this helper started: its pid is the first line of its pid file.
        with suppress(OSError, ValueError, IndexError):
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown

    def _run(self, program: str, *arguments: str) -> None:
        command = [*_as_postgres(), str(self.bin_dir / program), *arguments]
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
        if finished.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({finished.returncode}): {finished.stderr.strip()}\n"
                f"{self.log_tail()}"
            )


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _own_directory() -> Path:
    root = Path(tempfile.mkdtemp(prefix="jcdc-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
    return root


@contextmanager
def throwaway_postgres(port: int | None = None, *, start: bool = True) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL server on `port` (a free one by default), started unless `start` is
    False; always stopped and deleted afterwards."""
    root = _own_directory()
    server = PostgresServer(port=port or free_port(), root=root, bin_dir=postgres_bin_dir())
    try:
        server.initialise()
        server.socket_dir.mkdir()
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(server.socket_dir, account.pw_uid, account.pw_gid)
        if start:
            server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
