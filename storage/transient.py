"""Which database errors are worth waiting out: a server restarting, a dropped connection, a
SQLite file busy with another writer, a lost serialisation race. Everything else (a bug, a
constraint the code relies on) fails at once.

SQLAlchemy wraps driver errors (`.orig`), asyncpg raises its own classes or plain OSErrors
while connecting, and a pool may re-raise the first error as the context of another; the
whole chain is looked at.
"""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy import exc

# asyncpg: the connection is gone or cannot be made now (the server is starting, shutting
# down, or restarting), or the transaction lost a race that a retry wins.
_ASYNCPG = (
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    pending: list[BaseException] = []
    while current is not None or pending:
        if current is None:
            current = pending.pop()
        if id(current) in seen:
            current = None
            continue
        seen.add(id(current))
        if _transient_here(current):
            return True
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)
        current = None
    return False


def _transient_here(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.DisconnectionError | exc.TimeoutError):
        return True  # the pool could not hand out a (live) connection in time
    if isinstance(error, ConnectionError | TimeoutError):
        return True  # refused, reset, or a connect that timed out
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError | PermissionError):
        return True  # unreachable host, network down
    if isinstance(error, _ASYNCPG):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return any(text in str(error).lower() for text in _SQLITE_BUSY)
    return False
