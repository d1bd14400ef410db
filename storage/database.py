"""Opening the database: URL defaults, SQLite settings that make it safe for concurrent turns,
and migrations applied programmatically through Alembic, one process at a time (several
replicas may start together on one empty database)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, PoolResetState, event, exc, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from storage import postgres_driver, sqlite_driver
from storage.sqlite_checkpoints import Checkpoints

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./jcdc-bot.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another turn's transaction before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# asyncpg waits this long for a server to accept a connection (its own default is a minute): a
# black-holed database fails quickly, and `serve` retries, saying so, instead of hanging.
POSTGRES_CONNECT_TIMEOUT_S = 5.0
# Connections kept for urgent writes (group commits of inbound deliveries: one at a time is
# the usual case, a second one covers a commit in flight).
URGENT_POOL_SIZE = 2
# The advisory lock every replica takes before migrating a PostgreSQL database ("jcdc-mig" in
# ASCII). Advisory locks are per database, so one server can host several bots' databases.
MIGRATION_LOCK_KEY = 0x6A6364632D6D6967

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def normalise_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async drivers this project uses."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError(f"{url!r} is not a database URL (expected e.g. sqlite:///jcdc-bot.db)")
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


WRITE = {"jcdc_write": True}


class WriterQueue:
    """SQLite's one writer at a time, queued in this process: the lock is handed over at once
    instead of each writer polling SQLite's sleeping busy handler. Urgent writers (storing an
    inbound delivery, which a platform waits for) go before the turns already waiting."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def held(self, urgent: bool = False) -> AsyncIterator[None]:
        if self._busy or self._urgent or self._normal:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            (self._urgent if urgent else self._normal).append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._hand_over()  # it was handed to us as we were cancelled: pass it on
                else:
                    with suppress(ValueError):
                        (self._urgent if urgent else self._normal).remove(waiter)
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # stays busy: ownership passes to the waiter
                    return
        self._busy = False


class Database:
    def __init__(
        self,
        engine: AsyncEngine,
        urgent_engine: AsyncEngine | None = None,
        checkpoints: Checkpoints | None = None,
    ) -> None:
        self.engine = engine
        self.writers = WriterQueue() if engine.dialect.name == "sqlite" else None
        # SQLite: the connection every write transaction of this process uses, one at a time.
        self._writer: AsyncConnection | None = None
        # SQLite: the WAL's checkpoints, run off the event loop (storage/sqlite_checkpoints.py),
        # each as this process's writer of the moment.
        self.checkpoints = checkpoints
        if checkpoints is not None:
            checkpoints.writers = self.writers
        # PostgreSQL: urgent writes get connections of their own, so that storing a delivery
        # never waits for a connection that a turn holds.
        self.urgent_engine = urgent_engine
        # PostgreSQL: the same pool, its connections in autocommit while they read (see
        # `reading`); SQLite reads in a transaction, which costs it no round trip.
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )
        # PostgreSQL: the urgent pool's connections in autocommit, for single statements.
        self._urgent_autocommit = (
            urgent_engine.execution_options(isolation_level="AUTOCOMMIT")
            if urgent_engine is not None
            else None
        )
        # PostgreSQL: write transactions on connections in autocommit too, begun and ended by
        # storage.postgres_driver on asyncpg itself (so the turn's fixed writes may go to
        # asyncpg directly and still run inside them).
        self._pg_writers = (
            {
                urgent: on.execution_options(isolation_level="AUTOCOMMIT", **WRITE)
                for urgent, on in ((False, engine), (True, urgent_engine or engine))
            }
            if engine.dialect.name == "postgresql"
            else {}
        )

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads that need no snapshot common to their statements: on
        PostgreSQL in autocommit, because its isolation level (READ COMMITTED) gives each
        statement a snapshot of its own inside a transaction too, and the BEGIN and ROLLBACK
        around them would be two round trips that change nothing; on SQLite a read
        transaction (one snapshot for all, and no round trip to pay)."""
        return (self._autocommit or self.engine).connect()

    @asynccontextmanager
    async def writing(self, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed on normal exit, rolled back on an exception.
        `urgent` (storing an inbound delivery, which a platform waits for): ahead of the other
        writers of this process on SQLite; on a pool of its own on PostgreSQL."""
        if self.writers is not None:
            async with self.writers.held(urgent), self._sqlite_writer() as connection:
                yield connection
            return
        async with (
            self._pg_writers[urgent].connect() as connection,
            postgres_driver.transaction(connection),
        ):
            yield connection

    @asynccontextmanager
    async def _sqlite_writer(self) -> AsyncIterator[AsyncConnection]:
        """SQLite, with this process's writer turn held: a transaction on the one connection
        kept for writing. SQLite has one writer at a time, so one connection serves them all,
        and taking it from the pool and giving it back (events, a reset, bookkeeping) would
        cost more than a whole turn's BEGIN and COMMIT. A connection that a transaction left
        in doubt (cut short by a cancellation, invalidated, still in a transaction) is closed
        and the next writer opens another."""
        connection = self._writer
        if connection is None or connection.closed or connection.invalidated:
            connection = self.engine.connect()
            await connection.start()
            await connection.execution_options(**WRITE)
            self._writer = connection
        try:
            async with connection.begin():
                yield connection
        except BaseException as error:
            if (
                not isinstance(error, Exception)
                or connection.invalidated
                or connection.in_transaction()
            ):
                self._writer = None
                await connection.close()
            raise

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[AsyncConnection]:
        """A connection for writes each of which holds by itself, so that none needs the
        others committed with it: on PostgreSQL in autocommit (no BEGIN and COMMIT round
        trips around them); on SQLite an ordinary write transaction (one commit for all,
        and no round trips to save)."""
        if self._autocommit is None:
            async with self.writing() as connection:
                yield connection
            return
        async with self._autocommit.connect() as connection:
            yield connection

    @asynccontextmanager
    async def statement_alone(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one urgent write that is atomic by itself (a single INSERT): on
        PostgreSQL in autocommit, one round trip instead of BEGIN, INSERT, COMMIT; on SQLite an
        ordinary urgent write transaction."""
        if self._urgent_autocommit is None:
            async with self.writing(urgent=True) as connection:
                yield connection
            return
        async with self._urgent_autocommit.connect() as connection:
            yield connection

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        normal = normalise_url(url)
        parsed = make_url(normal)
        if (parsed.get_backend_name(), parsed.get_driver_name()) == ("postgresql", "asyncpg"):
            # The caller's connect_args win (the tests' search_path, a longer timeout).
            engine_options["connect_args"] = {
                "timeout": POSTGRES_CONNECT_TIMEOUT_S,
                **engine_options.get("connect_args", {}),
            }
        if parsed.get_backend_name() == "sqlite":
            # No ROLLBACK from the pool when a connection comes back: SQLAlchemy already
            # rolled back anything left open, and _configure_sqlite's reset listener covers a
            # transaction it does not know of.
            engine_options.setdefault("pool_reset_on_return", None)
            # Our own driver connection (storage/sqlite_driver.py): one driver-thread hop per
            # write transaction instead of three or four per statement.
            engine_options["async_creator"] = _sqlite_creator(
                parsed, engine_options.pop("connect_args", {})
            )
        engine = create_async_engine(normal, **engine_options)
        if engine.dialect.name == "sqlite":
            checkpoints = Checkpoints()
            _configure_sqlite(engine, checkpoints)
            return cls(engine, checkpoints=checkpoints)
        urgent_options = {
            **engine_options,
            "pool_size": URGENT_POOL_SIZE,
            "max_overflow": URGENT_POOL_SIZE,
        }
        urgent_engine = create_async_engine(normal, **urgent_options)
        for each in (engine, urgent_engine):
            _configure_postgres(each)
        return cls(engine, urgent_engine)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def upgrade(self) -> None:
        """Apply every migration up to the newest, in one transaction on a connection that
        Alembic borrows (its "connection sharing with asyncio" recipe; see migrations/env.py).

        One process at a time: replicas starting together on an empty PostgreSQL database would
        otherwise all try to create the same tables, and all but one fail. PostgreSQL: an
        advisory lock taken in the migration's own transaction, so it is released by the commit
        (or by the server, should this process die). SQLite: an exclusive lock on a file beside
        the database, so a replica waits however long another one migrates, instead of giving
        up after SQLite's busy timeout. Whoever comes second finds the schema at head and has
        nothing left to do."""
        file_lock = _sqlite_migration_lock(self.engine.url)
        async with (
            _file_lock(file_lock) if file_lock is not None else nullcontext(),
            self.writing() as connection,
        ):
            if not self.is_sqlite:
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(_upgrade)

    async def dispose(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()
        await self.engine.dispose()
        if self.urgent_engine is not None:
            await self.urgent_engine.dispose()
        if self.checkpoints is not None:
            await self.checkpoints.close()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _sqlite_migration_lock(url: URL) -> Path | None:
    """`<database file>.migrate.lock` for a SQLite file; None for anything else (an in-memory
    database belongs to one process, and other databases have locks of their own)."""
    if url.get_backend_name() != "sqlite":
        return None
    name = url.database or ""
    if name in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    if url.query.get("uri") == "true":
        name = name.removeprefix("file:")
    return Path(f"{name}.migrate.lock")


def _file_lock(path: Path) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def held() -> AsyncIterator[None]:
        # Never deleted afterwards: a replica waiting on the old file and a newcomer creating a
        # new one would both "hold" the lock.
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        # flock blocks, so it waits in a thread; the event loop keeps serving meanwhile.
        acquiring = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX))
        try:
            await asyncio.shield(acquiring)
        except BaseException:
            # Cancelled while waiting: the thread may still get the lock later. Closing the
            # descriptor once it is done releases whatever it got.
            acquiring.add_done_callback(lambda _: os.close(descriptor))
            raise
        try:
            yield
        finally:
            os.close(descriptor)  # releases the lock

    return held()


def _sqlite_creator(url: URL, connect_args: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
    """What opens a connection: the file (and its sqlite3 options) as SQLAlchemy's pysqlite
    dialect reads them from the URL, with the caller's connect_args on top."""
    arguments, options = url.get_dialect()().create_connect_args(url)
    options = {**options, **connect_args}

    def create() -> Awaitable[Any]:
        return sqlite_driver.connect(*arguments, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS, **options)

    return create


def _configure_sqlite(engine: AsyncEngine, checkpoints: Checkpoints) -> None:
    # SQLAlchemy's documented recipe: stop the driver from issuing its own BEGIN and emit our
    # own. Writers begin IMMEDIATE so two turns never deadlock upgrading a read lock; readers
    # begin deferred and, in WAL mode, never wait for a writer.
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver opens connections in autocommit mode and owns the busy timeout (it waits
        # for locks in its thread, never on the event loop's): see storage/sqlite_driver.py.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        (mode,) = cursor.fetchone()
        cursor.execute("PRAGMA foreign_keys=ON")
        # With WAL this is still safe against a crashed process; only a power cut may lose the
        # last commits. Worth it: every turn commits, and FULL syncs the disk on each one.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA database_list")
        file = next((row[2] for row in cursor.fetchall() if row[1] == "main"), "")
        driver = getattr(dbapi_connection, "driver_connection", None)
        if str(mode).lower() == "wal" and file and isinstance(driver, sqlite_driver.Connection):
            # The WAL is checkpointed in a thread of its own, not by the COMMIT that fills it:
            # commits then never wait for the disk and may run on the event loop's thread. The
            # WAL file is cut back when it starts again, so its size says what it holds.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute("PRAGMA journal_size_limit=0")
            cursor.execute("PRAGMA page_size")
            (page_size,) = cursor.fetchone()
            checkpoints.attach(file, int(page_size))
            driver.checkpoints = checkpoints
        cursor.close()

    @event.listens_for(engine.sync_engine.pool, "reset")
    def on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # With pool_reset_on_return=None the pool does nothing itself. A connection whose
        # SQLAlchemy transaction was rolled back (or committed) has no open transaction: the
        # driver says so without a trip to its thread. Only one that still has one (a raw
        # BEGIN nobody finished) is rolled back here.
        if not state.asyncio_safe or state.transaction_was_reset:
            return
        if dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get("jcdc_write", False)
        driver = connection.connection.driver_connection
        if not isinstance(driver, sqlite_driver.Connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
            return
        # Straight to our driver: an execution context, a cursor and their events cost more
        # than the BEGIN itself, and every transaction (every turn has three) begins.
        try:
            await_(driver.begin(immediate=writing))
        except sqlite3.Error as error:
            # Wrapped as exec_driver_sql would have: callers see SQLAlchemy's error classes.
            raise exc.DBAPIError.instance(
                "BEGIN IMMEDIATE" if writing else "BEGIN", (), error, sqlite3.Error
            ) from error
        except BaseException as error:
            if not isinstance(error, Exception):
                # Cut short (a cancelled task) while the BEGIN may still run in the driver's
                # thread: never reused, as SQLAlchemy treats a statement cut short.
                connection.invalidate(error)
            raise


def _configure_postgres(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine.pool, "reset")
    def on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # A write transaction is begun and ended on asyncpg by storage.postgres_driver, which
        # the adapter's own ROLLBACK on return does not know of. postgres_driver ends or
        # invalidates every one it begins; should one still be open, it is rolled back here
        # rather than handed to the next checkout. (A connection reset outside the event loop
        # is closed by SQLAlchemy instead.)
        driver = dbapi_connection.driver_connection
        if state.asyncio_safe and driver is not None and driver.is_in_transaction():
            dbapi_connection.run_async(lambda raw: raw.execute("ROLLBACK"))
