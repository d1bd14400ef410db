"""PostgreSQL write transactions begun and ended on asyncpg (storage/postgres_driver.py): what a
block writes, straight to asyncpg or through SQLAlchemy, commits together or not at all; a
block that fails, swallows an error, is cancelled or loses its connection leaves nothing
behind and no connection in doubt in the pool."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import postgres_driver
from storage.database import Database
from storage.driver_writes import DriverWrite
from storage.inbox import Inbox, NewDelivery
from storage.rows import audit_events, audit_values
from storage.transient import is_transient
from tests.storage.pending import pending
from tests.storage.states import entry, executed_through_sqlalchemy

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

_INSERT_AUDIT = DriverWrite(insert(audit_events))


def audit_row(n: int) -> dict[str, Any]:
    return audit_values("r-pg", entry("answer_recorded", minute=n))


async def audits(database: Database) -> int:
    async with database.reading() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(audit_events))).scalar_one()
        )


async def backend_of(connection: AsyncConnection) -> int:
    return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def pooled_connections_in_a_transaction(database: Database) -> list[int]:
    """Checks out as many connections as the pool holds (each a fresh checkout) and returns
    the backends of any that come out still inside a transaction."""
    dirty = []
    async with database.engine.connect() as first, database.engine.connect() as second:
        for connection in (first, second):
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, asyncpg.Connection)
            if driver.is_in_transaction():
                dirty.append(await backend_of(connection))
    return dirty


async def test_direct_and_sqlalchemy_writes_commit_together(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    executes = executed_through_sqlalchemy(monkeypatch)
    async with database.writing() as connection:
        assert postgres_driver.driver_of(connection) is not None
        await _INSERT_AUDIT.rowcount(connection, audit_row(1))  # asyncpg
        await connection.execute(insert(audit_events).values(audit_row(2)))  # SQLAlchemy
        through_sqlalchemy = len(executes)
        # Both inside one transaction: another connection sees neither yet.
        assert await audits(database) == 0
    monkeypatch.undo()
    assert through_sqlalchemy == 1  # only the one sent through SQLAlchemy
    assert await audits(database) == 2
    assert await pooled_connections_in_a_transaction(database) == []


async def test_a_failing_block_rolls_back_what_both_paths_wrote(database: Database) -> None:
    async def failing_turn() -> None:
        async with database.writing() as connection:
            await _INSERT_AUDIT.rowcount(connection, audit_row(1))
            await connection.execute(insert(audit_events).values(audit_row(2)))
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError, match="the turn failed"):
        await failing_turn()
    assert await audits(database) == 0
    assert await pooled_connections_in_a_transaction(database) == []


async def test_a_constraint_failure_on_the_direct_path_is_sqlalchemys_integrity_error(
    database: Database,
) -> None:
    row = audit_row(1)

    async def a_null_key() -> None:
        async with database.writing() as connection:
            await _INSERT_AUDIT.rowcount(connection, row)
            await _INSERT_AUDIT.rowcount(connection, {**row, "id": None})  # NOT NULL id

    with pytest.raises(IntegrityError) as raised:
        await a_null_key()
    assert isinstance(raised.value.orig, Exception)
    assert isinstance(raised.value.orig.__cause__, asyncpg.IntegrityConstraintViolationError)
    assert not is_transient(raised.value)
    assert await audits(database) == 0
    assert await pooled_connections_in_a_transaction(database) == []


async def test_a_block_that_swallows_a_database_error_does_not_pass_for_committed(
    database: Database,
) -> None:
    # PostgreSQL answers COMMIT of an aborted transaction with ROLLBACK, and no error.
    async def swallowing_turn() -> None:
        async with database.writing() as connection:
            await _INSERT_AUDIT.rowcount(connection, audit_row(1))
            with suppress(ProgrammingError):
                await connection.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError, match="not COMMIT"):
        await swallowing_turn()
    assert await audits(database) == 0
    assert await pooled_connections_in_a_transaction(database) == []


async def test_a_cancelled_block_commits_nothing_and_its_connection_is_not_pooled(
    database: Database,
) -> None:
    inside = asyncio.Event()
    backends: list[int] = []

    async def slow_turn() -> None:
        async with database.writing() as connection:
            backends.append(await backend_of(connection))
            await _INSERT_AUDIT.rowcount(connection, audit_row(1))
            inside.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(slow_turn())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await audits(database) == 0
    assert await pooled_connections_in_a_transaction(database) == []
    # The next write transaction works, and the pool did not keep the cancelled one's backend.
    async with database.writing() as connection:
        await _INSERT_AUDIT.rowcount(connection, audit_row(2))
        assert await backend_of(connection) != backends[0]
    assert await audits(database) == 1


async def test_a_lost_connection_is_transient_invalidated_and_the_next_transaction_works(
    database: Database,
) -> None:
    async def turn_whose_connection_is_cut() -> None:
        async with database.writing() as connection:
            await _INSERT_AUDIT.rowcount(connection, audit_row(1))
            backend = await backend_of(connection)
            async with database.reading() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            await _INSERT_AUDIT.rowcount(connection, audit_row(2))

    with pytest.raises(DBAPIError) as raised:
        await turn_whose_connection_is_cut()
    assert raised.value.connection_invalidated
    assert is_transient(raised.value)
    assert await audits(database) == 0
    async with database.writing() as connection:
        await _INSERT_AUDIT.rowcount(connection, audit_row(3))
    assert await audits(database) == 1


async def test_a_connection_in_sqlalchemys_own_transaction_keeps_sqlalchemys_path(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not in autocommit: the adapter begins lazily, so a statement sent around it could run
    # before its BEGIN. The write goes through SQLAlchemy, and rolls back with the rest.
    executes = executed_through_sqlalchemy(monkeypatch)
    async with database.engine.connect() as connection:
        assert postgres_driver.driver_of(connection) is None
        transaction = await connection.begin()
        await _INSERT_AUDIT.rowcount(connection, audit_row(1))
        await transaction.rollback()
    monkeypatch.undo()
    assert len(executes) == 1
    assert await audits(database) == 0


async def test_returning_reads_back_through_asyncpg_as_through_sqlalchemy(
    database: Database,
) -> None:
    returning = DriverWrite(insert(audit_events).returning(audit_events.c.at))
    row = audit_row(1)
    async with database.writing() as connection:
        direct = await returning.first(connection, row)
    async with database.engine.begin() as connection:
        through = (await connection.execute(returning.statement, row)).first()
    assert direct is not None
    assert through is not None
    assert direct == tuple(through)
    assert direct[0].tzinfo is not None  # the UTC column's result processor ran


async def test_a_batch_of_deliveries_is_one_round_trip_that_stores_all_or_none(
    database: Database,
) -> None:
    inbox = Inbox(database)
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def delivery(name: str) -> NewDelivery:
        return NewDelivery("slack", name, "slack:T1:C1", {"kind": "event"}, now)

    ids = await inbox.accept_many([delivery("Ev1"), delivery("Ev2"), delivery("Ev1")])
    assert ids[0] is not None
    assert ids[1] is not None
    assert ids[2] is None  # the copy in the same batch
    # The third's id is longer than its column: PostgreSQL refuses that row, and with it the
    # two before it, which were sent in the same round trip.
    with pytest.raises(DBAPIError):
        await inbox.accept_many([delivery("Ev3"), delivery("Ev4"), delivery("E" * 500)])
    assert await pending(inbox) == 2
    assert await inbox.accept(delivery("Ev3")) is not None
    assert await pooled_connections_in_a_transaction(database) == []
