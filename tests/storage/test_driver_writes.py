"""The turn's fixed writes go to the driver directly (storage/driver_writes.py: our SQLite
driver, or asyncpg inside storage.postgres_driver's transactions): the rows they write are
exactly SQLAlchemy's, errors are SQLAlchemy's classes, and a watched connection still shows
every statement."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from storage.chat_outbox import ChatOutbox, NewEffect, enqueue
from storage.database import Database
from storage.driver_writes import DriverWrite
from storage.inbox import Inbox, NewDelivery, take_settling
from storage.lanes import release_lane, take_lane
from storage.repository import DuplicateEvent, ReportStore
from storage.rows import audit_events, audit_values, contribution_values, contributions
from tests.storage.states import (
    contribution,
    create,
    entry,
    executed_through_sqlalchemy,
    recorded_statements,
    rich_state,
    save,
)


async def rows_of(database: Database, table: Any) -> list[tuple[Any, ...]]:
    async with database.reading() as connection:
        return [tuple(r) for r in (await connection.execute(select(table))).all()]


async def test_the_driver_writes_the_rows_sqlalchemy_writes(store: ReportStore) -> None:
    database = store.database
    await create(store, rich_state())
    # A contribution with a JSON value, datetimes, a note and None columns; an audit entry
    # with nested JSON and non-ASCII text: once each way, under two report ids.
    row = contribution_values("r-1", 0, contribution(7))
    detail = audit_values("r-1", entry("answer_recorded", 3))
    async with database.writing() as connection:
        await connection.execute(insert(contributions), {**row, "id": "via-sqlalchemy"})
        await DriverWrite(insert(contributions)).rowcount(connection, {**row, "id": "via-driver"})
        await connection.execute(insert(audit_events), detail)
        await DriverWrite(insert(audit_events)).rowcount(connection, [detail, detail])
    written = {r[0]: r[1:] for r in await rows_of(database, contributions)}
    assert written["via-driver"] == written["via-sqlalchemy"]
    audits = [r[1:] for r in await rows_of(database, audit_events) if r[5] == "answer_recorded"]
    assert len(audits) == 3
    assert audits[0] == audits[1] == audits[2]


async def test_a_turn_executes_nothing_through_sqlalchemy_but_its_reads(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = await create(store, rich_state())
    after = saved.model_copy(update={"contributions": (*saved.contributions, contribution(9))})
    executes = executed_through_sqlalchemy(monkeypatch)
    result = await save(store, saved, after, "E1", audit=[entry("answer_recorded")])
    monkeypatch.undo()
    # The processed mark, the report's UPDATE, the contribution and the audit entry: all four
    # go to the driver, on both backends.
    assert len(executes) == 0
    assert result is not None
    assert await store.load("r-1") == result
    assert result.version == saved.version + 1


async def test_a_constraint_failure_is_sqlalchemys_integrity_error_and_nothing_stays(
    store: ReportStore,
) -> None:
    await create(store, rich_state())
    row = contribution_values("r-1", 0, contribution(1))
    before = await rows_of(store.database, contributions)

    async def the_same_key_twice() -> None:
        async with store.database.writing() as connection:
            writes = DriverWrite(insert(contributions))
            await writes.rowcount(connection, {**row, "id": "fresh"})
            await writes.rowcount(connection, {**row, "id": "fresh"})

    with pytest.raises(IntegrityError):
        await the_same_key_twice()
    assert await rows_of(store.database, contributions) == before


async def test_a_replayed_event_is_still_refused(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    with pytest.raises(DuplicateEvent):
        await save(store, saved, saved.model_copy(update={"title": "again"}), "E0")
    assert await store.load("r-1") == saved


async def test_a_watched_connection_shows_every_write(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    after = saved.model_copy(update={"contributions": (*saved.contributions, contribution(9))})
    with recorded_statements(store.database) as statements:
        await save(store, saved, after, "E1", audit=[entry("answer_recorded")])
    assert [s.split()[0:3] for s in statements if not s.startswith("SELECT")] == [
        ["INSERT", "INTO", "processed_events"],
        ["UPDATE", "reports", "SET"],
        ["INSERT", "INTO", "contributions"],
        ["INSERT", "INTO", "audit_events"],
    ]


async def test_returned_values_read_back_as_sqlalchemy_reads_them(database: Database) -> None:
    # A lane's lease taken twice, once watched (SQLAlchemy's path) and once not (the
    # driver's on SQLite): the same answer, its datetime read back as a UTC datetime; a lease
    # someone else holds gives no row either way. The chat outbox's ids grow by one.
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    free_at = now + timedelta(seconds=3)
    answers = []
    for watched in (True, False):
        lane = f"C-{watched}"
        async with database.writing() as connection:
            assert await take_lane(connection, "chat", lane, "me", now, timedelta(minutes=1))
            await release_lane(connection, "chat", lane, "me", free_at)
        recorder = recorded_statements(database)
        with recorder if watched else nullcontext():
            async with database.writing() as connection:
                mine = await take_lane(connection, "chat", lane, "me", now, timedelta(minutes=1))
                theirs = await take_lane(
                    connection, "chat", lane, "them", now, timedelta(minutes=1)
                )
                ids = await enqueue(connection, [NewEffect("slack", lane, None, {"n": 1})], now)
                more = await enqueue(connection, [NewEffect("slack", lane, None, {"n": 2})], now)
        answers.append((mine, theirs, more[0] - ids[0]))
    assert answers[0] == answers[1] == ((True, free_at), (False, None), 1)


async def test_outside_a_transaction_sqlalchemy_begins_one_first(store: ReportStore) -> None:
    await create(store, rich_state())
    row = contribution_values("r-1", 0, contribution(3))
    async with store.database.engine.connect() as connection:
        assert not connection.in_transaction()
        await DriverWrite(insert(contributions)).rowcount(connection, {**row, "id": "late"})
        assert connection.in_transaction()
        await connection.rollback()
    assert "late" not in {r[0] for r in await rows_of(store.database, contributions)}


async def test_a_listener_of_executions_sees_the_writes_too(store: ReportStore) -> None:
    saved = await create(store, rich_state())
    after = saved.model_copy(update={"contributions": (*saved.contributions, contribution(9))})
    seen: list[object] = []

    def record(_connection: Any, statement: object, *_: Any) -> None:
        seen.append(statement)

    event.listen(store.database.engine.sync_engine, "before_execute", record)
    try:
        await save(store, saved, after, "E1", audit=[entry("answer_recorded")])
    finally:
        event.remove(store.database.engine.sync_engine, "before_execute", record)
    tables = {getattr(getattr(s, "table", None), "name", None) for s in seen}
    assert {"processed_events", "reports", "contributions", "audit_events"} <= tables


async def test_a_delivery_is_stored_and_taken_through_the_driver(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Inbox(database)
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    first, second = (NewDelivery("slack", f"D{n}", "C1", {"n": n}, now) for n in range(2))
    executes = executed_through_sqlalchemy(monkeypatch)
    stored = [await inbox.accept(first), await inbox.accept(first), await inbox.accept(second)]
    async with database.writing() as connection:
        assert stored[0] is not None
        taken = await take_settling(connection, stored[0], "C1", "done", now)
    monkeypatch.undo()
    # Stored once (the retry is known), taken while the second waits behind it.
    assert stored[0] is not None
    assert stored[1] is None
    assert stored[2] is not None
    assert taken == ("taken", True)
    assert len(executes) == 0


async def test_a_lane_finished_after_one_effect_goes_through_the_driver(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = ChatOutbox(database, "me")
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    lease = timedelta(minutes=1)
    assert (await outbox.take("slack:C9", now, lease))[0]
    async with database.writing() as connection:
        (effect_id,) = await enqueue(connection, [NewEffect("slack", "slack:C9", None, {})], now)
    executes = executed_through_sqlalchemy(monkeypatch)
    released = await outbox.finish("slack:C9", [effect_id], {}, None, now, lease)
    monkeypatch.undo()
    # Marked done and the lane released: both by the driver.
    assert released
    assert await outbox.pending("slack:C9", now) == []
    assert len(executes) == 0
