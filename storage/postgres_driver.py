"""PostgreSQL: write transactions begun and ended on asyncpg itself, and the turn's fixed writes
executed there too, as storage/sqlite_driver.py and storage/driver_writes.py do on SQLite.

SQLAlchemy's asyncpg adapter begins a transaction lazily, with the first statement executed
through it, and commits through an asyncpg `Transaction` object: a statement sent to asyncpg
around the adapter could run before that BEGIN, outside the transaction. A write connection
is therefore checked out in AUTOCOMMIT (the adapter then never begins anything itself) and
`transaction` sends BEGIN and COMMIT (or ROLLBACK) itself. Every statement on the connection,
through SQLAlchemy or straight to asyncpg, runs between the two. Measured on this machine:
SQLAlchemy's execution of a statement it has compiled and cached costs ~130 µs of CPU
against ~40 µs for asyncpg's own, and a turn runs some twelve of them.

Errors are raised as SQLAlchemy raises them (`IntegrityError` stays `IntegrityError`, a lost
connection is invalidated and says so), so callers and `storage.transient` cannot tell the
two paths apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")

# asyncpg's errors → the DBAPI classes of SQLAlchemy's asyncpg dialect (by their PEP 249
# names), most specific first; SQLAlchemy maps those onto its own (exc.IntegrityError, ...).
_DBAPI_NAMES: tuple[tuple[type[BaseException], str], ...] = (
    (asyncpg.exceptions.IntegrityConstraintViolationError, "IntegrityError"),
    (asyncpg.exceptions.SyntaxOrAccessError, "ProgrammingError"),
    (asyncpg.exceptions.DataError, "DataError"),
    (asyncpg.exceptions.InterfaceError, "InterfaceError"),
    (asyncpg.exceptions.PostgresError, "Error"),
    # asyncpg's protocol in a state it cannot go on from (the server's notice that it ended
    # the connection arrived between two statements, say): the connection is lost too.
    (asyncpg.exceptions.InternalClientError, "InternalError"),
    (OSError, "OperationalError"),
)
# Errors after which the connection is not used again, whatever asyncpg says of it.
_LOST = (OSError, asyncpg.exceptions.InternalClientError)


def driver_of(connection: AsyncConnection) -> asyncpg.Connection | None:
    """The asyncpg connection behind a PostgreSQL connection on which a statement sent
    straight to asyncpg runs exactly where SQLAlchemy would run it: the adapter is in
    autocommit (inside `transaction`, or a connection of single statements), the connection
    is live, and nobody watches its statements (SQL echo, tracing, the tests' recorder: they
    see every statement through SQLAlchemy's events, as they expect). None: use SQLAlchemy."""
    sync = connection.sync_connection
    if connection.dialect.name != "postgresql" or sync is None:
        return None
    if sync.closed or sync.invalidated:
        return None  # left to SQLAlchemy, which raises or reconnects as it does
    events = sync.dispatch
    if (
        events.before_execute
        or events.after_execute
        or events.before_cursor_execute
        or events.after_cursor_execute
        or sync.engine.echo
    ):
        return None
    adapted = sync.connection.dbapi_connection
    if adapted is None or not getattr(adapted, "autocommit", False):
        return None  # the adapter's own lazy transaction: only SQLAlchemy's path is inside it
    driver = adapted.driver_connection
    return driver if isinstance(driver, asyncpg.Connection) else None


async def run(
    connection: AsyncConnection, sql: str, parameters: Sequence[Any], call: Awaitable[T]
) -> T:
    """Await one asyncpg call made on `connection`'s driver, its errors raised as SQLAlchemy
    raises them. A connection the error closed (or a call cut short by cancellation, which
    leaves the protocol mid-statement) is invalidated: the pool never hands it out again."""
    try:
        return await call
    except Exception as error:
        dbapi = connection.dialect.dbapi
        name = next((n for kind, n in _DBAPI_NAMES if isinstance(error, kind)), None)
        if dbapi is None or name is None:
            raise
        driver = _driver(connection)
        lost = driver is None or driver.is_closed() or isinstance(error, _LOST)
        if lost and not connection.invalidated:
            await connection.invalidate(error)
        translated = getattr(dbapi, name)(str(error) or type(error).__name__, error)
        translated.__cause__ = error  # as the adapter raises it: `from` asyncpg's own error
        raise exc.DBAPIError.instance(
            sql, tuple(parameters), translated, dbapi.Error, connection_invalidated=lost
        ) from error
    except BaseException as error:
        if not connection.invalidated:
            await connection.invalidate(error)
        raise


@asynccontextmanager
async def transaction(connection: AsyncConnection) -> AsyncIterator[None]:
    """BEGIN, the block, then COMMIT; ROLLBACK if the block raises. `connection` must be in
    autocommit (see the module's docstring). A connection left in doubt (cut short, or still
    in a transaction after its ROLLBACK failed) is invalidated rather than pooled."""
    driver = _driver(connection)
    if driver is None:
        raise RuntimeError("a PostgreSQL write transaction needs a live asyncpg connection")
    await run(connection, "BEGIN", (), driver.execute("BEGIN"))
    try:
        yield
    except BaseException as error:
        await _abandon(connection, driver, error)
        raise
    status = await run(connection, "COMMIT", (), driver.execute("COMMIT"))
    if status != "COMMIT":
        # PostgreSQL answers COMMIT of a transaction a failed statement aborted with ROLLBACK
        # and no error: a block that swallowed a database error must not pass for committed.
        dbapi = connection.dialect.dbapi
        assert dbapi is not None
        raise exc.DBAPIError.instance(
            "COMMIT",
            (),
            dbapi.Error(f"the server ended the transaction with {status!r}, not COMMIT"),
            dbapi.Error,
        )


async def _abandon(
    connection: AsyncConnection, driver: asyncpg.Connection, error: BaseException
) -> None:
    if connection.invalidated:
        return  # closed already: the server rolls the transaction back
    if isinstance(error, Exception) and not driver.is_closed():
        try:
            await driver.execute("ROLLBACK")
        except Exception as failed:
            await connection.invalidate(failed)
            return
        except BaseException as cut:
            await connection.invalidate(cut)
            raise
        if not driver.is_in_transaction():
            return
    await connection.invalidate(error)


def _driver(connection: AsyncConnection) -> asyncpg.Connection | None:
    sync = connection.sync_connection
    if sync is None or sync.closed or sync.invalidated:
        return None
    driver = sync.connection.driver_connection
    return driver if isinstance(driver, asyncpg.Connection) else None
