"""The turn's fixed writes, executed by the driver itself instead of through SQLAlchemy's
execution machinery: our SQLite driver, or asyncpg inside storage.postgres_driver's
transactions.

Executing a statement SQLAlchemy has already compiled and cached still costs it ~120 µs of
CPU (an execution context, parameter processing, a cursor wrapper, a result object) against
~6 µs for the sqlite3 call behind it (storage/sqlite_driver.py) or ~40 µs for asyncpg's, and
a turn runs some ten such writes: the delivery stored and taken, the event marked processed,
the report's UPDATE, the new contribution, the audit entry, its effect queued, and the chat
lane taken, its effect marked done and the lane released. Here SQLAlchemy still compiles the
statement, once for each dialect and set of parameter names, and still converts every value,
with the very bind processors it would use itself (UTC datetimes, JSON): only the execution
goes to the driver directly, as `on_begin` in storage/database.py does for BEGIN on SQLite.
Errors are wrapped as SQLAlchemy wraps them (`IntegrityError` stays `IntegrityError`), so
callers cannot tell the two paths apart.

On PostgreSQL only a connection whose adapter is in autocommit qualifies
(postgres_driver.driver_of): SQLAlchemy's asyncpg adapter otherwise begins its transaction
lazily, with the first statement it executes, and a statement sent around it could run
before that BEGIN, outside the transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.selectable import Select

from storage import postgres_driver, sqlite_driver

Parameters = Mapping[str, Any]
W = TypeVar("W", bound=UpdateBase)


@dataclass(frozen=True)
class Plan:
    """The statement compiled for one set of parameter names, and how each value is bound."""

    compiled: SQLCompiler
    processors: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    # RETURNING: how each returned column's value is read back.
    results: tuple[Callable[[Any], Any] | None, ...]
    # Whether every bound name is a parameter's key (so the parameters are read directly,
    # without SQLAlchemy's `construct_params` mapping them).
    direct: bool

    def bind(self, parameters: Parameters) -> tuple[Any, ...]:
        values = parameters if self.direct else self.compiled.construct_params(parameters)
        return tuple(
            values[name] if process is None else process(values[name])
            for name, process in self.processors
        )


class DriverWrite(Generic[W]):
    """An INSERT or UPDATE whose columns are its parameters' keys: `rowcount` executes it,
    `first` executes one with RETURNING and gives back its first row."""

    def __init__(self, statement: W) -> None:
        self.statement = statement
        # The dialect's name and the parameter names → the plan, or None where SQLAlchemy
        # must execute it itself (a column whose default SQLAlchemy computes at execution).
        self._plans: dict[tuple[str, ...], Plan | None] = {}

    async def rowcount(
        self, connection: AsyncConnection, parameters: Parameters | Sequence[Parameters]
    ) -> int:
        """Execute with one set of parameters, or many (all with the same keys); the rows
        changed."""
        many = not isinstance(parameters, Mapping)
        rows: Sequence[Parameters] = parameters if many else (parameters,)  # type: ignore[assignment]
        driver = _sqlite_driver(connection)
        postgres = postgres_driver.driver_of(connection) if driver is None else None
        if postgres is not None and len(rows) == 1:
            # One row: one asyncpg call. (Several are left to SQLAlchemy, which sends them in
            # one multi-row statement instead of a round trip each.)
            plan = self._plan(connection.dialect, rows[0])
            if plan is not None:
                sql, bound = plan.compiled.string, plan.bind(rows[0])
                status = await postgres_driver.run(
                    connection, sql, bound, postgres.execute(sql, *bound)
                )
                return _rowcount(status)
        plan = self._plan(connection.dialect, rows[0]) if driver is not None and rows else None
        if driver is None or plan is None:
            result = await connection.execute(self.statement, parameters)
            return result.rowcount
        cursor, _ = await _executed(connection, driver, plan, rows, many)
        return cursor.rowcount

    async def first(
        self, connection: AsyncConnection, parameters: Parameters
    ) -> tuple[Any, ...] | None:
        """Execute a statement with RETURNING; its first row returned (None: no row)."""
        driver = _sqlite_driver(connection)
        postgres = postgres_driver.driver_of(connection) if driver is None else None
        plan = (
            self._plan(connection.dialect, parameters)
            if driver is not None or postgres is not None
            else None
        )
        if plan is None or not plan.results:
            row = (await connection.execute(self.statement, parameters)).first()
            return None if row is None else tuple(row)
        fetched: Sequence[Any]
        if postgres is not None:
            sql, bound = plan.compiled.string, plan.bind(parameters)
            found = await postgres_driver.run(
                connection, sql, bound, postgres.fetchrow(sql, *bound)
            )
            fetched = () if found is None else (tuple(found),)
        else:
            assert driver is not None
            _, fetched = await _executed(connection, driver, plan, (parameters,), False, fetch=True)
        return self._read(plan, fetched[0]) if fetched else None

    async def returned(
        self, connection: AsyncConnection, rows: Sequence[Parameters]
    ) -> list[tuple[Any, ...]]:
        """Execute an INSERT with RETURNING once for each row (all with the same keys), all or
        none of them: every row it returned. The caller's connection holds them together on
        SQLite (a transaction); on PostgreSQL asyncpg sends them in one round trip that is
        atomic by itself (`fetchmany`: one Sync, so one implicit transaction in autocommit)."""
        if not rows:
            return []
        postgres = postgres_driver.driver_of(connection)
        plan = self._plan(connection.dialect, rows[0]) if postgres is not None else None
        if postgres is not None and plan is not None and plan.results:
            sql = plan.compiled.string
            bound = [plan.bind(row) for row in rows]
            found = await postgres_driver.run(
                connection, sql, bound, postgres.fetchmany(sql, bound)
            )
            return [self._read(plan, tuple(record)) for record in found]
        if _sqlite_driver(connection) is None and len(rows) > 1:
            # SQLAlchemy's path (a watched connection): one multi-row statement, atomic by
            # itself, compiled for this batch.
            assert isinstance(self.statement, Insert)
            result = await connection.execute(self.statement.values(list(rows)))
            return [tuple(row) for row in result]
        return [row for each in rows if (row := await self.first(connection, each)) is not None]

    @staticmethod
    def _read(plan: Plan, row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            value if read is None else read(value)
            for value, read in zip(row, plan.results, strict=True)
        )

    def _plan(self, dialect: Dialect, parameters: Parameters) -> Plan | None:
        key = (dialect.name, *parameters)
        if key not in self._plans:
            self._plans[key] = plan_of(self.statement, dialect, parameters)
        return self._plans[key]


class DriverRow:
    """A SELECT that returns one row (the counts of data-modifying CTEs, say): on PostgreSQL
    executed by asyncpg directly where postgres_driver.driver_of allows it, elsewhere by
    SQLAlchemy; the row's values read back as SQLAlchemy would read them."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, ...], Plan | None] = {}

    async def first(
        self, connection: AsyncConnection, parameters: Parameters
    ) -> tuple[Any, ...] | None:
        postgres = postgres_driver.driver_of(connection)
        plan = None
        if postgres is not None:
            key = tuple(parameters)
            if key not in self._plans:
                self._plans[key] = plan_of(self.statement, connection.dialect, parameters)
            plan = self._plans[key]
        if postgres is None or plan is None:
            row = (await connection.execute(self.statement, parameters)).first()
            return None if row is None else tuple(row)
        sql, bound = plan.compiled.string, plan.bind(parameters)
        found = await postgres_driver.run(connection, sql, bound, postgres.fetchrow(sql, *bound))
        return None if found is None else DriverWrite._read(plan, tuple(found))


def plan_of(statement: ClauseElement, dialect: Dialect, parameters: Parameters) -> Plan | None:
    """`statement` compiled for these parameters' names, and how each value is bound; None
    where SQLAlchemy must execute it itself."""
    names = tuple(parameters)
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    assert isinstance(compiled, SQLCompiler)
    # Left to SQLAlchemy: columns whose defaults it computes at execution, and parameters it
    # renders into the SQL at execution (an expanding IN).
    computed = compiled.insert_prefetch or compiled.update_prefetch
    if computed or compiled.post_compile_params or not compiled.positiontup:
        return None
    returning = compiled.effective_returning or (
        statement.selected_columns if isinstance(statement, Select) else ()
    )
    return Plan(
        compiled,
        tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup
        ),
        tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in returning
        ),
        direct=set(compiled.positiontup) <= set(names),
    )


def _rowcount(status: str) -> int:
    """The rows a statement changed, from the command tag asyncpg returns ("UPDATE 3",
    "INSERT 0 1")."""
    count = status.rsplit(" ", 1)[-1]
    return int(count) if count.isdigit() else -1


async def _executed(
    connection: AsyncConnection,
    driver: sqlite_driver.Connection,
    plan: Plan,
    rows: Sequence[Parameters],
    many: bool,
    fetch: bool = False,
) -> tuple[sqlite_driver.Cursor, Sequence[Any]]:
    """The statement executed (and with `fetch`, every row it returns read: SQLite completes
    a statement with RETURNING only once it has stepped through all of them)."""
    sql = plan.compiled.string
    bound = [plan.bind(row) for row in rows]
    cursor = driver.cursor()
    try:
        if many:
            await cursor.executemany(sql, bound)
        else:
            await cursor.execute(sql, bound[0])
        return cursor, (await cursor.fetchall() if fetch else ())
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(sql, bound, error, sqlite3.Error) from error
    except BaseException as error:
        if not isinstance(error, Exception):
            # Cut short (a cancelled task) while the statement may still run in the driver's
            # thread: never reused, as SQLAlchemy treats a statement cut short.
            await connection.invalidate(error)
        raise


def _sqlite_driver(connection: AsyncConnection) -> sqlite_driver.Connection | None:
    # Read off the connection as it is, without `get_raw_connection`'s trip through a
    # greenlet: a connection in a transaction is connected, and an invalidated one is left
    # to SQLAlchemy (which raises, or reconnects, as it does). So is a connection whose
    # statements someone watches (SQL echo, tracing, the tests' statement recorder): the
    # listeners of SQLAlchemy's execution events see every statement, as they expect.
    sync = connection.sync_connection
    if connection.dialect.name != "sqlite" or sync is None or sync.invalidated:
        return None
    if not sync.in_transaction():
        # SQLAlchemy would begin one first (autobegin); the driver alone would not.
        return None
    events = sync.dispatch
    watched = (
        events.before_execute
        or events.after_execute
        or events.before_cursor_execute
        or events.after_cursor_execute
    )
    if watched or sync.engine.echo:
        return None
    driver = sync.connection.driver_connection
    return driver if isinstance(driver, sqlite_driver.Connection) else None
