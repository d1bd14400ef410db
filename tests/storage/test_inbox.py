"""The inbox on SQLite and PostgreSQL: stored once, taken once, in lane order, settled with
the turn, retried and given up, purged."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.database import Database
from storage.inbox import (
    FAILED,
    HANDLED,
    Inbox,
    NewDelivery,
    settle,
    settle_all,
    take,
    take_run,
)
from tests.storage.pending import pending
from tests.storage.states import executed_through_sqlalchemy

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def delivery(n: int, lane: str = "slack:T1:C1", at: datetime = NOW) -> NewDelivery:
    return NewDelivery(
        platform="slack",
        delivery_id=f"Ev{n}",
        lane=lane,
        payload={"kind": "event", "body": {"n": n}},
        received_at=at,
    )


async def test_a_delivery_is_stored_once_however_often_it_arrives(database: Database) -> None:
    inbox = Inbox(database)
    first = await inbox.accept(delivery(1))
    assert first is not None
    # Slack's retries of the same event, and a copy in the same batch, are not new.
    assert await inbox.accept(delivery(1)) is None
    new, copy = await inbox.accept_many([delivery(2), delivery(2)])
    assert new is not None
    assert new != first
    assert copy is None
    assert await pending(inbox) == 2


async def test_a_burst_is_stored_in_few_transactions_and_every_caller_gets_its_id(
    database: Database,
) -> None:
    inbox = Inbox(database)
    commits = 0
    original = inbox.accept_many

    async def counting(batch: list[NewDelivery]) -> list[int | None]:
        nonlocal commits
        commits += 1
        return await original(batch)

    inbox.accept_many = counting  # type: ignore[method-assign, assignment]
    ids = await asyncio.gather(*(inbox.accept(delivery(n)) for n in range(50)))
    assert len(set(ids)) == 50
    assert None not in ids
    assert commits < 10


async def test_a_failed_commit_fails_every_caller_of_that_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await database.dispose()

    async def broken(self: Inbox, batch: list[NewDelivery]) -> list[int | None]:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(Inbox, "accept_many", broken)
    inbox = Inbox(database)
    results = await asyncio.gather(
        *(inbox.accept(delivery(n)) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionRefusedError) for r in results)


async def test_only_the_head_of_a_lane_can_be_taken_and_settling_moves_it(
    database: Database,
) -> None:
    inbox = Inbox(database)
    first, second = await inbox.accept(delivery(1)), await inbox.accept(delivery(2))
    other_lane = await inbox.accept(delivery(3, lane="slack:T1:C2"))
    assert first is not None
    assert second is not None
    assert other_lane is not None
    head = await inbox.head("slack:T1:C1", NOW)
    assert head is not None
    assert head.id == first
    async with database.writing() as connection:
        assert await take(connection, second, "slack:T1:C1") == "not_head"  # not its turn
        assert await take(connection, other_lane, "slack:T1:C2") == "taken"  # lanes apart
        assert await take(connection, first, "slack:T1:C1") == "taken"
        await settle(connection, first, HANDLED, NOW)
    head = await inbox.head("slack:T1:C1", NOW)
    assert head is not None
    assert head.id == second
    async with database.writing() as connection:
        assert await take(connection, first, "slack:T1:C1") == "gone"  # done: never again


async def test_a_rolled_back_turn_leaves_its_delivery_to_be_taken_again(
    database: Database,
) -> None:
    inbox = Inbox(database)
    first = await inbox.accept(delivery(1))
    assert first is not None
    try:
        async with database.writing() as connection:
            assert await take(connection, first, "slack:T1:C1") == "taken"
            await settle(connection, first, HANDLED, NOW)
            raise RuntimeError("the process died mid-turn")
    except RuntimeError:
        pass
    head = await inbox.head("slack:T1:C1", NOW)
    assert head is not None
    assert head.id == first


async def test_a_failing_delivery_waits_its_retry_then_is_given_up(database: Database) -> None:
    inbox = Inbox(database)
    first = await inbox.accept(delivery(1))
    await inbox.accept(delivery(2))
    head = await inbox.head("slack:T1:C1", NOW)
    assert head is not None
    assert head.id == first
    await inbox.failed_attempt(head, "boom", NOW, NOW + timedelta(seconds=5))
    # The lane waits for its head: the second delivery does not overtake it.
    assert await inbox.head("slack:T1:C1", NOW) is None
    retried = await inbox.head("slack:T1:C1", NOW + timedelta(seconds=6))
    assert retried is not None
    assert (retried.id, retried.attempts) == (first, 1)
    await inbox.failed_attempt(retried, "boom again", NOW, None)
    after = await inbox.head("slack:T1:C1", NOW + timedelta(seconds=6))
    assert after is not None
    assert after.id != first
    async with database.engine.connect() as connection:
        row = (
            await connection.exec_driver_sql(
                f"SELECT outcome, last_error FROM inbox WHERE id = {first}"
            )
        ).one()
    assert tuple(row) == (FAILED, "boom again")


async def test_waiting_lanes_are_those_with_old_due_deliveries(database: Database) -> None:
    inbox = Inbox(database)
    await inbox.accept(delivery(1, lane="L-old", at=NOW - timedelta(seconds=10)))
    await inbox.accept(delivery(2, lane="L-new", at=NOW))
    assert await inbox.waiting_lanes(NOW, timedelta(seconds=2), limit=10) == ["L-old"]


async def test_purge_forgets_only_old_processed_deliveries(database: Database) -> None:
    inbox = Inbox(database)
    old = await inbox.accept(delivery(1))
    await inbox.accept(delivery(2, lane="L2"))
    assert old is not None
    await inbox.settle_alone(old, HANDLED, NOW - timedelta(days=8))
    assert await inbox.purge(NOW - timedelta(days=7)) == 1
    assert await pending(inbox) == 1
    # A purged delivery id is forgotten, an unprocessed one is not.
    assert await inbox.accept(delivery(2, lane="L2")) is None


async def test_two_turns_racing_for_one_delivery_only_one_takes_it(database: Database) -> None:
    inbox = Inbox(database)
    first = await inbox.accept(delivery(1))
    assert first is not None
    held = asyncio.Event()
    release = asyncio.Event()

    async def winner() -> str:
        async with database.writing() as connection:
            taken = await take(connection, first, "slack:T1:C1")
            held.set()
            await release.wait()
            await settle(connection, first, HANDLED, NOW)
            return taken

    async def loser() -> str:
        await held.wait()
        # PostgreSQL skips the locked row at once; SQLite waits for the one writer, then
        # finds the delivery done. Either way it is not taken twice.
        attempt = asyncio.create_task(_take_alone(database, first))
        await asyncio.sleep(0.2)
        release.set()
        return await attempt

    assert list(await asyncio.gather(winner(), loser())) == ["taken", "gone"]


async def _take_alone(database: Database, entry_id: int) -> str:
    async with database.writing() as connection:
        return await take(connection, entry_id, "slack:T1:C1")


async def test_a_run_is_taken_from_the_head_while_it_follows_on_without_a_gap(
    database: Database,
) -> None:
    inbox = Inbox(database)
    ids = await inbox.accept_many([delivery(n) for n in range(6)])
    other_lane = await inbox.accept(delivery(99, lane="slack:T1:C2"))
    assert None not in ids
    assert other_lane is not None
    first, second, third, fourth, fifth, sixth = (i for i in ids if i is not None)
    async with database.writing() as connection:
        # A run that skips a delivery of its lane stops before the gap.
        assert await take_run(connection, [first, second, fourth], "slack:T1:C1") == 2
        # Not from the head: nothing.
        assert await take_run(connection, [second, third], "slack:T1:C1") == "not_head"
        await settle_all(connection, [first, second], HANDLED, NOW)
        assert await take_run(connection, [third, fourth, fifth], "slack:T1:C1") == 3
        # Another lane's delivery is no part of this lane's run.
        assert await take_run(connection, [third, other_lane], "slack:T1:C1") == 1
    async with database.writing() as connection:
        await settle(connection, third, HANDLED, NOW)
    async with database.writing() as connection:
        # Settled ones are gone; the rest still follow on.
        assert await take_run(connection, [third, fourth], "slack:T1:C1") == "gone"
        assert await take_run(connection, [fourth, fifth, sixth], "slack:T1:C1") == 3
    assert await pending(inbox) == 4


async def test_following_lists_the_lane_after_a_delivery_up_to_one_not_due(
    database: Database,
) -> None:
    inbox = Inbox(database)
    ids = [i for i in await inbox.accept_many([delivery(n) for n in range(5)]) if i is not None]
    await inbox.accept(delivery(99, lane="slack:T1:C2"))
    head = await inbox.head("slack:T1:C1", NOW)
    assert head is not None
    assert [e.id for e in await inbox.following(head, NOW, limit=10)] == ids[1:]
    assert [e.id for e in await inbox.following(head, NOW, limit=2)] == ids[1:3]
    third = next(e for e in await inbox.following(head, NOW, limit=10) if e.id == ids[2])
    await inbox.failed_attempt(third, "boom", NOW, NOW + timedelta(minutes=1))
    # Order is kept: nothing after a delivery that waits for its retry.
    assert [e.id for e in await inbox.following(head, NOW, limit=10)] == ids[1:2]


async def test_a_batch_is_stored_by_the_driver_in_one_transaction(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Inbox(database)
    executed = executed_through_sqlalchemy(monkeypatch)
    ids = await inbox.accept_many([delivery(1), delivery(2), delivery(3)])
    monkeypatch.undo()
    assert executed == []  # each row by the driver, no multi-row INSERT compiled for the batch
    assert None not in ids
    assert len(set(ids)) == 3
    assert await pending(inbox) == 3
    # A batch that fails part-way stores none of it: the caller of each delivery is told,
    # and the platform's retry of any of them is new again.
    unstorable = NewDelivery("slack", "Ev-bad", "slack:T1:C1", {"not json": {1, 2}}, NOW)
    with pytest.raises(TypeError):
        await inbox.accept_many([delivery(4), delivery(5), unstorable])
    assert await pending(inbox) == 3
    assert await inbox.accept(delivery(4)) is not None
