"""SQLite for the event loop with as few trips to a driver thread as it takes: none for a
transaction in the usual case, only for a call that has to wait.

aiosqlite, which SQLAlchemy's `sqlite+aiosqlite` dialect drives, sends every call to a thread
of its own and waits for the answer: opening a cursor, each execute, each fetch, each close,
BEGIN, COMMIT. A turn made some 46 such hops (a hop costs ~50 µs of wall time and, with the
event loop woken for its answer, ~100 µs of CPU, against ~2 µs for the sqlite3 call itself),
and most of them bought nothing: the thread is only worth it for calls that may *wait*, and a
SQLite call waits in two cases only:

- for another connection's lock (SQLITE_BUSY, and then the busy handler sleeps, up to the
  busy timeout): BEGIN IMMEDIATE while another process writes, rarely a read in WAL mode;
- for the disk: a COMMIT that checkpoints the WAL or starts it again (both sync files; with
  `synchronous=NORMAL` in WAL mode nothing else does).

So this driver runs each call on the event loop's own thread, with SQLite's busy timeout at 0
there, so that a call that would wait fails at once with SQLITE_BUSY instead, and is then
retried in the connection's thread, with the real busy timeout. A COMMIT runs on the loop's
thread too when the WAL is checkpointed elsewhere (`checkpoints`,
storage/sqlite_checkpoints.py) and no checkpoint has just completed; otherwise, and always
when closing (which may checkpoint), it goes to the connection's thread. Everything else
costs what the sqlite3 call costs, which the loop would have spent waiting for the thread
anyway.

Why a driver and not something smaller:
- a turn's transaction cannot run as one call in a thread: it is async code (the engine step
  runs inside it after a lost race, and the inbox row lock decides what follows);
- SQLAlchemy's `pool_reset_on_return=None` and a `reset` listener (storage/database.py)
  already remove the pool's ROLLBACK after a commit, but not the hops of the statements;
- aiosqlite has no public way to run a call on the caller's thread; doing it through its
  private `_conn`/`_execute` would break with any release.

The object `connect` returns speaks what SQLAlchemy's aiosqlite adapter asks of an aiosqlite
connection (sqlalchemy.connectors.asyncio.AsyncIODBAPIConnection, plus the `_connection`
attribute that sqlalchemy.dialects.sqlite.aiosqlite checks before a commit or a rollback); it
is handed to SQLAlchemy through `create_async_engine(async_creator=...)`, its public way of
bringing one's own driver connection. Errors are sqlite3's own, as with aiosqlite.

One connection is used by one task at a time (the pool hands it out), but a task cancelled
while its call runs in the thread leaves that call running: until the thread has finished
everything it was given, every call of that connection goes to the thread too, in order.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeVar

from storage.sqlite_checkpoints import Checkpoints

T = TypeVar("T")

_SQLITE_BUSY = 5  # the primary result code; extended codes (BUSY_RECOVERY, ...) share its low byte


def is_busy(error: sqlite3.Error) -> bool:
    """The call failed only because another connection holds a lock it needs."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == _SQLITE_BUSY


class _Thread(threading.Thread):
    """The connection's thread: runs what it is given, one call at a time, in order."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.calls: queue.SimpleQueue[tuple[Callable[[], None]] | None] = queue.SimpleQueue()

    def run(self) -> None:
        while (call := self.calls.get()) is not None:
            call[0]()


class Connection:
    """One SQLite connection: calls on the loop's thread, waits in a thread of its own."""

    # Calls sent to a driver thread, over all connections (tests and benchmarks count them).
    hops: ClassVar[int] = 0

    def __init__(self, connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self._sqlite: sqlite3.Connection | None = connection
        self.busy_timeout_ms = busy_timeout_ms
        # Set (storage.database) when the WAL is checkpointed by someone else than the
        # committing connection: a COMMIT may then run on the loop's thread.
        self.checkpoints: Checkpoints | None = None
        # The connection's changed rows when its transaction began (whether it wrote).
        self._changes_at_begin: int | None = None
        self._thread = _Thread(f"sqlite-{id(self):x}")
        self._thread.start()
        # Calls given to the thread and not finished there yet (written by both threads, one
        # at a time: the loop adds before handing a call over, the thread subtracts after it).
        self._in_thread = 0
        self._lock = threading.Lock()

    # -- what SQLAlchemy's adapter reads --------------------------------------------------

    @property
    def _connection(self) -> sqlite3.Connection | None:
        # sqlalchemy.dialects.sqlite.aiosqlite commits and rolls back only while this is set.
        return self._sqlite

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._sqlite is None:
            raise ValueError("no active connection")
        return self._sqlite

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        cursor = Cursor(self)
        await cursor.execute(sql, parameters)
        return cursor

    async def begin(self, immediate: bool) -> None:
        """BEGIN (IMMEDIATE: take the write lock now), straight on the connection: no cursor
        to open and close around it."""
        await self.call(self._conn.execute, "BEGIN IMMEDIATE" if immediate else "BEGIN")
        self._changes_at_begin = self._conn.total_changes

    async def commit(self) -> None:
        checkpoints = self.checkpoints
        if checkpoints is None:
            # The commit may checkpoint the WAL (syncing it and the database file): in the
            # thread.
            await self._waiting_in_thread(self._conn.commit)
            return
        # Checkpoints run elsewhere (storage/sqlite_checkpoints.py): the commit only writes to
        # the WAL, without a sync, unless it starts the WAL again after a checkpoint.
        seen = checkpoints.completed
        began, self._changes_at_begin = self._changes_at_begin, None
        wrote = began is not None and self._conn.total_changes != began
        if checkpoints.may_restart:
            await self._waiting_in_thread(self._conn.commit)
        else:
            await self.call(self._conn.commit)
        checkpoints.committed(wrote, seen)

    async def rollback(self) -> None:
        self._changes_at_begin = None
        await self.call(self._conn.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        await self.call(self._conn.create_function, *args, **kwargs)

    async def close(self) -> None:
        """Close in the thread (the last connection to a file checkpoints it), then stop it."""
        if self._sqlite is None:
            return
        connection, self._sqlite = self._sqlite, None
        try:
            await self._to_thread(connection.close)
        finally:
            self._thread.calls.put(None)

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate, when the task cannot await)."""
        if self._sqlite is None:
            return
        connection, self._sqlite = self._sqlite, None
        self._thread.calls.put((connection.close,))
        self._thread.calls.put(None)

    # -- where each call runs -------------------------------------------------------------

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`function(*args)` on this thread when it can run without waiting for a lock;
        otherwise in the connection's thread, where SQLite waits up to the busy timeout."""
        if self._in_thread == 0:
            try:
                return function(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
                # Nothing happened: SQLite refuses before it changes anything. Wait for the
                # lock where waiting blocks nobody.
        return await self._waiting_in_thread(function, *args, **kwargs)

    async def _waiting_in_thread(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        connection = self._conn

        def waiting() -> T:
            connection.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
            try:
                return function(*args, **kwargs)
            finally:
                connection.execute("PRAGMA busy_timeout=0")

        return await self._to_thread(waiting)

    async def _to_thread(self, function: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: T | None, error: BaseException | None) -> None:
            if future.cancelled():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        def run() -> None:
            result: T | None = None
            error: BaseException | None = None
            try:
                result = function()
            except BaseException as raised:
                error = raised
            finally:
                with self._lock:
                    self._in_thread -= 1
            loop.call_soon_threadsafe(settle, result, error)

        with self._lock:
            self._in_thread += 1
        Connection.hops += 1
        self._thread.calls.put((run,))
        return await future


class Cursor:
    """A sqlite3 cursor whose calls go through its connection's `call`."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        # Making a cursor touches no file and takes no lock.
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        await self._connection.call(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        await self._connection.call(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return await self._connection.call(self._cursor.fetchone)

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        size = self._cursor.arraysize if size is None else size
        return await self._connection.call(self._cursor.fetchmany, size)

    async def fetchall(self) -> Sequence[Any]:
        return await self._connection.call(self._cursor.fetchall)

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def close(self) -> None:
        await self._connection.call(self._cursor.close)


async def connect(
    database: str, *, busy_timeout_ms: int, uri: bool = False, **sqlite_options: Any
) -> Connection:
    """Open `database` in autocommit mode (the caller issues its own BEGIN), usable from the
    loop's thread and the connection's own, with no busy wait on the loop's thread."""
    sqlite_options.pop("timeout", None)
    sqlite_options.pop("check_same_thread", None)
    sqlite_options.pop("isolation_level", None)
    connection = sqlite3.connect(
        database,
        timeout=0,
        isolation_level=None,
        check_same_thread=False,
        uri=uri,
        **sqlite_options,
    )
    return Connection(connection, busy_timeout_ms)
