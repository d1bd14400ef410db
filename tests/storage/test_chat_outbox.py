"""The chat outbox and its lane leases on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.chat_outbox import ChatOutbox, NewEffect, enqueue, enqueue_taking_lane
from storage.database import Database
from storage.lanes import lanes_table
from tests.storage.states import (
    executed_through_sqlalchemy,
    recorded_statements,
    sent_to_asyncpg,
    write_transactions_opened,
)

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def effect(n: int, lane: str = "slack:C1") -> NewEffect:
    return NewEffect(platform="slack", lane=lane, report_id=None, effect={"kind": "post", "n": n})


async def _write(database: Database, *effects: NewEffect) -> list[int]:
    async with database.writing() as connection:
        return await enqueue(connection, list(effects), NOW)


async def test_effects_come_back_in_the_order_they_were_written(database: Database) -> None:
    ids = await _write(database, effect(1), effect(2), effect(3, lane="slack:C2"))
    ids += await _write(database, effect(4))
    outbox = ChatOutbox(database, "replica-a")
    pending = await outbox.pending("slack:C1", NOW)
    assert [p.effect["n"] for p in pending] == [1, 2, 4]
    assert [p.id for p in pending] == sorted(p.id for p in pending)
    assert len(set(ids)) == 4


async def test_effects_of_a_rolled_back_turn_do_not_exist(database: Database) -> None:
    try:
        async with database.writing() as connection:
            await enqueue(connection, [effect(1)], NOW)
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    assert await ChatOutbox(database, "a").pending("slack:C1", NOW) == []


async def test_one_replica_holds_a_lane_until_it_releases_or_its_lease_runs_out(
    database: Database,
) -> None:
    a, b = ChatOutbox(database, "replica-a"), ChatOutbox(database, "replica-b")
    assert (await a.take("slack:C1", NOW, LEASE))[0]
    assert not (await b.take("slack:C1", NOW, LEASE))[0]
    assert (await a.take("slack:C1", NOW, LEASE))[0]  # its own lease: renewed
    assert (await b.take("slack:C1", NOW + LEASE + timedelta(seconds=1), LEASE))[0]
    assert not (await a.take("slack:C1", NOW + LEASE + timedelta(seconds=2), LEASE))[0]


async def test_finish_marks_done_and_releases_only_an_empty_lane(database: Database) -> None:
    outbox = ChatOutbox(database, "replica-a")
    await _write(database, effect(1), effect(2))
    await outbox.take("slack:C1", NOW, LEASE)
    first, second = await outbox.pending("slack:C1", NOW)
    schedule = NOW + timedelta(seconds=3)
    assert not await outbox.finish("slack:C1", [first.id], {}, schedule, NOW, LEASE)
    assert [p.id for p in await outbox.pending("slack:C1", NOW)] == [second.id]
    assert await outbox.finish("slack:C1", [second.id], {second.id: "gone"}, schedule, NOW, LEASE)
    assert await outbox.pending("slack:C1", NOW) == []
    # Released, with the pacing schedule kept for whoever posts next.
    taken, free_at = await ChatOutbox(database, "replica-b").take("slack:C1", NOW, LEASE)
    assert taken
    assert free_at == schedule


async def test_a_failed_effect_holds_back_the_rest_of_its_lane(database: Database) -> None:
    outbox = ChatOutbox(database, "replica-a")
    await _write(database, effect(1), effect(2))
    first, _ = await outbox.pending("slack:C1", NOW)
    await outbox.failed_attempt(first, "timeout", NOW + timedelta(seconds=5))
    assert await outbox.pending("slack:C1", NOW) == []
    later = await outbox.pending("slack:C1", NOW + timedelta(seconds=6))
    assert [(p.effect["n"], p.attempts) for p in later] == [(1, 1), (2, 0)]


async def test_the_sweeper_sees_old_effects_on_lanes_nobody_holds(database: Database) -> None:
    async with database.writing() as connection:
        await enqueue(connection, [effect(1, "slack:C1"), effect(2, "slack:C2")], NOW)
    a = ChatOutbox(database, "replica-a")
    await a.take("slack:C1", NOW, LEASE)
    later = NOW + timedelta(seconds=5)
    assert await ChatOutbox(database, "b").waiting_lanes(later, timedelta(seconds=2), 10) == [
        "slack:C2"
    ]
    # A replica restarting under the same name gives up what its previous run held.
    await a.forget_own_leases()
    assert sorted(await a.waiting_lanes(later, timedelta(seconds=2), 10)) == [
        "slack:C1",
        "slack:C2",
    ]


async def test_purge_forgets_only_old_performed_effects(database: Database) -> None:
    outbox = ChatOutbox(database, "replica-a")
    await _write(database, effect(1), effect(2))
    first, _ = await outbox.pending("slack:C1", NOW)
    await outbox.finish("slack:C1", [first.id], {}, None, NOW - timedelta(days=8), LEASE)
    assert await outbox.purge(NOW - timedelta(days=7)) == 1
    assert [p.effect["n"] for p in await outbox.pending("slack:C1", NOW)] == [2]


async def test_lanes_finishing_together_are_written_together(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = ChatOutbox(database, "replica-a")
    lanes = [f"slack:C{n}" for n in range(10)]
    ids = {lane: await _write(database, effect(1, lane)) for lane in lanes}
    # One lane has a second effect left: it is not released, the others are.
    (left,) = await _write(database, effect(2, lanes[0]))
    for lane in lanes:
        assert (await outbox.take(lane, NOW, LEASE))[0]
    connections = 0
    opened = database.statements

    def counting() -> AbstractAsyncContextManager[AsyncConnection]:
        nonlocal connections
        connections += 1
        return opened()

    monkeypatch.setattr(database, "statements", counting)
    released = await asyncio.gather(
        *(outbox.finish(lane, ids[lane], {}, None, NOW, LEASE) for lane in lanes)
    )
    # The first lane's finish starts a group; the nine that came meanwhile are the next one.
    assert connections <= 2
    assert released == [False] + [True] * 9
    for lane in lanes[1:]:
        assert await outbox.pending(lane, NOW) == []
        assert (await ChatOutbox(database, "replica-b").take(lane, NOW, LEASE))[0]
    assert [p.id for p in await outbox.pending(lanes[0], NOW)] == [left]
    assert not (await ChatOutbox(database, "replica-b").take(lanes[0], NOW, LEASE))[0]


async def test_a_group_that_fails_fails_every_lane_in_it(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = ChatOutbox(database, "replica-a")
    lanes = ["slack:C1", "slack:C2", "slack:C3"]
    ids = {lane: await _write(database, effect(1, lane)) for lane in lanes}
    original = ChatOutbox._finish

    async def failing(self: ChatOutbox, connection: AsyncConnection, finish: Any) -> bool:
        if finish.lane == "slack:C3":
            raise OSError("the database went away")
        return await original(self, connection, finish)

    monkeypatch.setattr(ChatOutbox, "_finish", failing)
    outcomes = await asyncio.gather(
        *(outbox.finish(lane, ids[lane], {}, None, NOW, LEASE) for lane in lanes[1:]),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    if database.is_sqlite:
        # One transaction, rolled back whole: C2's effect is still to be performed, so the
        # sweeper performs it again rather than lose it.
        assert [p.id for p in await outbox.pending("slack:C2", NOW)] == ids["slack:C2"]
    # A later group goes through.
    monkeypatch.setattr(ChatOutbox, "_finish", original)
    assert await outbox.finish("slack:C3", ids["slack:C3"], {}, None, NOW, LEASE)
    assert await outbox.pending("slack:C3", NOW) == []


async def lease_of(database: Database, lane: str) -> tuple[Any, Any]:
    async with database.reading() as connection:
        row = (
            await connection.execute(
                select(lanes_table.c.owner, lanes_table.c.lease_until).where(
                    lanes_table.c.kind == "chat", lanes_table.c.lane == lane
                )
            )
        ).one()
    return row.owner, row.lease_until


async def test_a_lane_with_work_left_is_renewed_by_one_direct_statement(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = ChatOutbox(database, "replica-a")
    await _write(database, effect(1), effect(2))
    await outbox.take("slack:C1", NOW, LEASE)
    first, second = await outbox.pending("slack:C1", NOW)
    later = NOW + timedelta(seconds=20)
    executed = executed_through_sqlalchemy(monkeypatch)
    assert not await outbox.finish("slack:C1", [first.id], {}, None, later, LEASE)
    monkeypatch.undo()
    assert executed == []  # marked done, release refused, lease renewed: all by the driver
    assert await lease_of(database, "slack:C1") == ("replica-a", later + LEASE)
    assert [p.id for p in await outbox.pending("slack:C1", NOW)] == [second.id]


async def test_a_lane_someone_else_holds_now_is_not_renewed(database: Database) -> None:
    a, b = ChatOutbox(database, "replica-a"), ChatOutbox(database, "replica-b")
    await _write(database, effect(1), effect(2))
    await a.take("slack:C1", NOW, LEASE)
    first, _ = await a.pending("slack:C1", NOW)
    # a's lease ran out and b took the lane: a finishing late leaves b's lease alone.
    after = NOW + LEASE + timedelta(seconds=1)
    assert (await b.take("slack:C1", after, LEASE))[0]
    assert not await a.finish("slack:C1", [first.id], {}, None, after, LEASE)
    assert await lease_of(database, "slack:C1") == ("replica-b", after + LEASE)


async def test_a_lease_that_ran_out_on_an_empty_lane_is_given_back(database: Database) -> None:
    a = ChatOutbox(database, "replica-a")
    (only,) = await _write(database, effect(1))
    await a.take("slack:C1", NOW, LEASE)
    # The lane's lease is not a's when it finishes (a replica that is gone held it last),
    # and that lease has run out: a's release by owner is refused, the renewal takes the
    # lane, finds nothing left, and gives it back.
    async with database.writing() as connection:
        await connection.execute(
            update(lanes_table)
            .where(lanes_table.c.lane == "slack:C1")
            .values(owner="replica-gone", lease_until=NOW)
        )
    after = NOW + timedelta(seconds=5)
    assert await a.finish("slack:C1", [only], {}, None, after, LEASE)
    assert await a.pending("slack:C1", after) == []
    assert await lease_of(database, "slack:C1") == (None, None)


async def test_renewing_no_leases_opens_no_transaction(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker renews what it holds on a timer; holding nothing must cost nothing, and on
    # PostgreSQL even an empty write transaction is a BEGIN and a COMMIT round trip.
    outbox = ChatOutbox(database, "replica-a")
    opened = write_transactions_opened(monkeypatch)
    await outbox.renew([], NOW + LEASE)
    assert opened[0] == 0
    assert (await outbox.take("slack:C1", NOW, LEASE))[0]
    await outbox.renew(["slack:C1"], NOW + 2 * LEASE)
    monkeypatch.undo()
    assert await lease_of(database, "slack:C1") == ("replica-a", NOW + 2 * LEASE)


async def test_several_effects_of_a_lane_are_marked_done_by_the_driver(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = ChatOutbox(database, "replica-a")
    ids = await _write(database, effect(1), effect(2), effect(3))
    await outbox.take("slack:C1", NOW, LEASE)
    executed = executed_through_sqlalchemy(monkeypatch)
    assert await outbox.finish("slack:C1", ids, {}, None, NOW, LEASE)
    monkeypatch.undo()
    assert executed == []
    assert await outbox.pending("slack:C1", NOW) == []


async def test_a_lanes_effects_are_marked_done_all_at_once(database: Database) -> None:
    # On PostgreSQL, in autocommit, each statement commits alone: one statement for all of
    # them, so that a crash cannot leave some performed effects unmarked (and performed
    # again) between two; the same statement releases the lane, now empty (one round trip).
    # On SQLite one statement each, in the one transaction, and the release after them.
    outbox = ChatOutbox(database, "replica-a")
    ids = await _write(database, effect(1), effect(2), effect(3))
    await outbox.take("slack:C1", NOW, LEASE)
    with recorded_statements(database) as statements:
        assert await outbox.finish("slack:C1", ids, {}, None, NOW, LEASE)
    if database.is_sqlite:
        marks = [s for s in statements if s.startswith("UPDATE chat_outbox")]
        assert len(marks) == 3
        assert statements[-1].startswith("UPDATE work_lanes")
    else:
        assert len(statements) == 1, statements
        assert "UPDATE chat_outbox" in statements[0]
        assert "UPDATE work_lanes" in statements[0]
    assert await outbox.pending("slack:C1", NOW) == []
    assert await outbox.take("slack:C1", NOW, LEASE) == (True, None)  # released


async def test_an_effect_is_written_with_its_lane_taken_as_the_two_would(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # enqueue_taking_lane is `enqueue` and `take_lane` (in one round trip on PostgreSQL),
    # with the same answers: the effect is written whether or not the lane is ours.
    a, b = ChatOutbox(database, "replica-a"), ChatOutbox(database, "replica-b")
    paced = NOW + timedelta(seconds=2)

    async def in_a_turn(owner: str, n: int, now: datetime) -> tuple[int, bool, datetime | None]:
        async with database.writing() as connection:
            return await enqueue_taking_lane(connection, effect(n), owner, now, LEASE)

    sent = sent_to_asyncpg(monkeypatch)
    first_id, taken, free_at = await in_a_turn("replica-a", 1, NOW)
    monkeypatch.undo()
    if not database.is_sqlite:
        assert [s.split(" ")[0] for s in sent] == ["BEGIN", "WITH", "COMMIT"], sent
    assert (taken, free_at) == (True, None)
    # Held by a: b's turn writes its effect, and the lane stays a's.
    second_id, taken, _ = await in_a_turn("replica-b", 2, NOW)
    assert not taken
    assert [p.id for p in await a.pending("slack:C1", NOW)] == [first_id, second_id]
    assert not (await b.take("slack:C1", NOW, LEASE))[0]
    # Released with a pacing schedule, then taken by b's next turn: the schedule comes along.
    await a.release("slack:C1", paced)
    _, taken, free_at = await in_a_turn("replica-b", 3, NOW)
    assert (taken, free_at) == (True, paced)
    # b's lease runs out: a's turn after that takes the lane back.
    _, taken, _ = await in_a_turn("replica-a", 4, NOW + LEASE + timedelta(seconds=1))
    assert taken
    assert len(await a.pending("slack:C1", NOW)) == 4
