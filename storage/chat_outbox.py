"""The chat outbox: effects of committed turns, performed after the commit.

A turn writes its effects here in its own transaction; the chat worker performs them and
marks them done. A crash in between leaves them here, so they are performed after the
restart: at least once, never silently lost. Effects of one lane (a channel) go out in the
order they were written, by one replica at a time (the lane's lease, see storage.lanes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import all_, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.driver_writes import DriverRow, DriverWrite
from storage.group_commit import GroupCommit
from storage.lanes import (
    free_lanes_among,
    lanes_table,
    release_all,
    release_lane,
    renew_lanes,
    take_lane,
    take_parameters,
    take_statement,
)
from storage.prepared import PerDialect
from storage.tables import ChatOutboxRow

chat_outbox_table = ChatOutboxRow.__table__  # type: ignore[attr-defined]
LANE_KIND = "chat"

# The statements of every turn and every finished lane, built once (storage.prepared).
_c = chat_outbox_table.c
_ENQUEUE_ONE = DriverWrite(insert(chat_outbox_table).returning(_c.id))
_DONE = update(chat_outbox_table).where(
    _c.id.in_(bindparam("_ids", expanding=True, type_=_c.id.type)), _c.done_at.is_(None)
)
# The usual case, a turn's one effect: a plain parameter instead of an expanding IN, which
# SQLAlchemy renders at each execution (and so cannot go to the driver directly).
_DONE_ONE = DriverWrite(
    update(chat_outbox_table).where(
        _c.id == bindparam("_id", type_=_c.id.type), _c.done_at.is_(None)
    )
)
# PostgreSQL: the lane's performed effects marked done in one statement whatever their number
# (`= ANY` of an array: one SQL text, so it goes to asyncpg directly), so that in autocommit
# none of them is left unmarked by a crash between two statements.
_DONE_ALL = DriverWrite(
    update(chat_outbox_table).where(
        _c.id == any_(bindparam("_ids", type_=postgresql.ARRAY(_c.id.type))),
        _c.done_at.is_(None),
    )
)
# SQLite: up to this many marked one direct statement each, all in the one transaction.
_DONE_ONE_BY_ONE = 4
_LEFT_IN_LANE = (
    select(_c.id).where(_c.lane == bindparam("_lane", type_=_c.lane.type), _c.done_at.is_(None))
).limit(1)
# The lease taken (renewed) as `take_lane` takes it, RETURNING also whether an unfinished
# effect is left in the lane (its id, or NULL).
_RENEW_TELLING_LEFT = PerDialect(
    lambda d: DriverWrite(
        take_statement(d).returning(
            select(_c.id)
            .where(_c.lane == bindparam("_lane", type_=_c.lane.type), _c.done_at.is_(None))
            .limit(1)
            .scalar_subquery()
            .label("left")
        )
    )
)
# The owner's lease released only when nothing is left in the lane, decided by the statement
# that releases it (no SELECT first): its rowcount says which.
_RELEASE_IF_EMPTY = DriverWrite(
    update(lanes_table).where(
        lanes_table.c.kind == LANE_KIND,
        lanes_table.c.lane == bindparam("_lane", type_=lanes_table.c.lane.type),
        lanes_table.c.owner == bindparam("_owner", type_=lanes_table.c.owner.type),
        ~select(_c.id)
        .where(_c.lane == bindparam("_lane", type_=_c.lane.type), _c.done_at.is_(None))
        .exists(),
    )
)

# PostgreSQL: the lane's performed effects marked done and its lease released (when nothing
# else is left in it) by one statement: one round trip instead of two, and atomic in
# autocommit. Every part of a statement reads the table as it was before the statement, so
# the release's check leaves out the effects the same statement marks done.
_MARKED_DONE = (
    update(chat_outbox_table)
    .where(
        _c.id == any_(bindparam("_ids", type_=postgresql.ARRAY(_c.id.type))),
        _c.done_at.is_(None),
    )
    .values(done_at=bindparam("_done_at", type_=_c.done_at.type))
    .returning(_c.id)
    .cte("marked_done")
)
_DONE_AND_RELEASED_IF_EMPTY = DriverWrite(
    update(lanes_table)
    .where(
        lanes_table.c.kind == LANE_KIND,
        lanes_table.c.lane == bindparam("_lane", type_=lanes_table.c.lane.type),
        lanes_table.c.owner == bindparam("_owner", type_=lanes_table.c.owner.type),
        ~select(_c.id)
        .where(
            _c.lane == bindparam("_lane", type_=_c.lane.type),
            _c.done_at.is_(None),
            _c.id != all_(bindparam("_ids", type_=postgresql.ARRAY(_c.id.type))),
        )
        .exists(),
    )
    .add_cte(_MARKED_DONE)
)


# PostgreSQL: a turn's one effect written and its lane leased for this replica (as
# `take_lane` takes it) by one statement, in the turn's transaction: one round trip instead
# of two. The lease's parameters are `take_parameters`; the effect's start with "e_".
_EFFECT_COLUMNS = ("platform", "lane", "report_id", "effect", "created_at", "attempts")
_written = (
    insert(chat_outbox_table)
    .values({name: bindparam(f"e_{name}", type_=_c[name].type) for name in _EFFECT_COLUMNS})
    .returning(_c.id)
    .cte("written")
)
_taken = (
    take_statement(postgresql)
    .values(
        {
            name: bindparam(name, type_=lanes_table.c[name].type)
            for name in ("kind", "lane", "owner", "lease_until")
        }
    )
    .cte("taken")
)
_ENQUEUE_TAKING_LANE = DriverRow(
    select(
        select(_written.c.id).scalar_subquery(),
        select(func.count()).select_from(_taken).scalar_subquery(),
        select(_taken.c.free_at).scalar_subquery(),
    )
)


@dataclass(frozen=True)
class NewEffect:
    platform: str
    lane: str
    report_id: str | None
    effect: dict[str, Any]


@dataclass(frozen=True)
class PendingEffect:
    id: int
    platform: str
    lane: str
    report_id: str | None
    effect: dict[str, Any]
    attempts: int


async def enqueue(
    connection: AsyncConnection, effects: Sequence[NewEffect], now: datetime
) -> list[int]:
    """Inside a turn's transaction: write its effects; their ids, in the same order."""
    if not effects:
        return []
    table = chat_outbox_table
    rows = [
        {
            "platform": e.platform,
            "lane": e.lane,
            "report_id": e.report_id,
            "effect": e.effect,
            "created_at": now,
            "attempts": 0,
        }
        for e in effects
    ]
    if len(rows) == 1:
        row = await _ENQUEUE_ONE.first(connection, rows[0])
        assert row is not None, "an INSERT with RETURNING returns its row"
        return [int(row[0])]
    # SQLAlchemy's "insertmanyvalues": one statement for all, and each id given back in the
    # order of the rows it was given (which is also the order their ids grow in).
    result = await connection.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return [int(row.id) for row in result]


async def enqueue_taking_lane(
    connection: AsyncConnection,
    effect: NewEffect,
    owner: str,
    now: datetime,
    lease: timedelta,
) -> tuple[int, bool, datetime | None]:
    """Inside a turn's transaction: `enqueue` of one effect and `take_lane` of its lane, in
    one statement on PostgreSQL (one round trip; SQLite has none to save and runs the two).
    Its id, whether the lane is ours now, its pacing schedule."""
    if connection.dialect.name != "postgresql":
        (effect_id,) = await enqueue(connection, [effect], now)
        taken, free_at = await take_lane(connection, LANE_KIND, effect.lane, owner, now, lease)
        return effect_id, taken, free_at
    row = await _ENQUEUE_TAKING_LANE.first(
        connection,
        take_parameters(LANE_KIND, effect.lane, owner, now, lease)
        | {
            "e_platform": effect.platform,
            "e_lane": effect.lane,
            "e_report_id": effect.report_id,
            "e_effect": effect.effect,
            "e_created_at": now,
            "e_attempts": 0,
        },
    )
    assert row is not None  # a SELECT of subqueries always returns its one row
    return int(row[0]), row[1] == 1, row[2]


async def settle_effect(connection: AsyncConnection, effect_id: int, now: datetime) -> None:
    """Inside a transaction: the effect is done (a root post whose id a turn just saved)."""
    table = chat_outbox_table
    await connection.execute(
        update(table).where(table.c.id == effect_id, table.c.done_at.is_(None)).values(done_at=now)
    )


@dataclass(frozen=True)
class _Finish:
    """A lane's `finish`, waiting for the next group commit."""

    lane: str
    done: Sequence[int]
    errors: dict[int, str]
    free_at: datetime | None
    now: datetime
    lease: timedelta


class ChatOutbox:
    def __init__(self, database: Database, owner: str) -> None:
        self.database = database
        self.owner = owner
        # Lanes finishing while one group is written form the next (storage/group_commit.py).
        self._finishing = GroupCommit[_Finish, bool](self._finish_group)

    async def take(
        self, lane: str, now: datetime, lease: timedelta
    ) -> tuple[bool, datetime | None]:
        async with self.database.writing() as connection:
            return await take_lane(connection, LANE_KIND, lane, self.owner, now, lease)

    async def pending(self, lane: str, now: datetime, limit: int = 50) -> list[PendingEffect]:
        """The lane's unfinished effects in order, up to its first one not yet due."""
        table = chat_outbox_table
        async with self.database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(table)
                    .where(table.c.lane == lane, table.c.done_at.is_(None))
                    .order_by(table.c.id)
                    .limit(limit)
                )
            ).all()
        due: list[PendingEffect] = []
        for row in rows:
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                break  # order is kept: nothing after a waiting effect goes first
            due.append(
                PendingEffect(
                    id=row.id,
                    platform=row.platform,
                    lane=row.lane,
                    report_id=row.report_id,
                    effect=row.effect,
                    attempts=row.attempts,
                )
            )
        return due

    async def finish(
        self,
        lane: str,
        done: Sequence[int],
        errors: dict[int, str],
        free_at: datetime | None,
        now: datetime,
        lease: timedelta,
    ) -> bool:
        """Mark effects done (with the error of those given up) and, when the lane has
        nothing left, release it; otherwise renew the lease. True when released.

        Lanes that finish while another group of finishes is being written are written
        together, in one transaction on SQLite (one connection on PostgreSQL): under load,
        a commit no longer costs one per performed effect. Each lane's result is its own;
        an error fails the whole group, which its lanes' sweeper takes up again."""
        return await self._finishing.submit(_Finish(lane, done, errors, free_at, now, lease))

    async def close(self) -> None:
        """Wait for the finishes being written (before the database is closed)."""
        await self._finishing.idle()

    async def _finish_group(self, group: Sequence[_Finish]) -> list[bool]:
        # Given back once the block has committed: only then is a lane's release true.
        async with self.database.statements() as connection:
            return [await self._finish(connection, finish) for finish in group]

    async def _finish(self, connection: AsyncConnection, finish: _Finish) -> bool:
        table = chat_outbox_table
        # Each statement holds by itself (effects marked done stay done; the release checks
        # the lane in the statement that releases it), so on PostgreSQL they run without a
        # transaction around them: no BEGIN and COMMIT round trips. A crash in between leaves
        # the lease to run out, as a crash at any other moment does.
        errors, now = finish.errors, finish.now
        plain = [i for i in finish.done if i not in errors]
        if plain and not errors and not self.database.is_sqlite:
            released = await _DONE_AND_RELEASED_IF_EMPTY.rowcount(
                connection,
                {"_ids": plain, "_done_at": now, "_lane": finish.lane, "_owner": self.owner}
                | {"owner": None, "lease_until": None, "free_at": finish.free_at},
            )
            if released == 1:
                return True
            return await self._renew_or_release(connection, finish)
        if len(plain) == 1:
            await _DONE_ONE.rowcount(connection, {"_id": plain[0], "done_at": now})
        elif plain and not self.database.is_sqlite:
            await _DONE_ALL.rowcount(connection, {"_ids": plain, "done_at": now})
        elif len(plain) <= _DONE_ONE_BY_ONE:
            # A few (a turn's acknowledgement and its root card), inside the transaction: one
            # direct write each, cheaper than the expanding IN that SQLAlchemy renders anew
            # at every execution.
            for effect_id in plain:
                await _DONE_ONE.rowcount(connection, {"_id": effect_id, "done_at": now})
        elif plain:
            await connection.execute(_DONE, {"_ids": plain, "done_at": now})
        for effect_id, error in errors.items():
            await connection.execute(
                update(table)
                .where(table.c.id == effect_id)
                .values(done_at=now, last_error=error[:2000])
            )
        if await self._release_if_empty(connection, finish) == 1:
            return True
        return await self._renew_or_release(connection, finish)

    async def _renew_or_release(self, connection: AsyncConnection, finish: _Finish) -> bool:
        """After a release that did not happen."""
        now = finish.now
        # Not released: something is left (under load the usual case: the lane's next effect
        # came in meanwhile), or the lease is someone else's now (ours ran out). One direct
        # statement renews our lease and says whether anything is left.
        renewed = await _RENEW_TELLING_LEFT.of(connection).first(
            connection,
            take_parameters(LANE_KIND, finish.lane, self.owner, now, finish.lease)
            | {"_lane": finish.lane},
        )
        if renewed is None:
            # Someone else's lease: done here if nothing is left (rare).
            return await connection.scalar(_LEFT_IN_LANE, {"_lane": finish.lane}) is None
        if renewed[1] is not None:
            return False  # ours, with work left: the lane goes on
        # Ours again, yet nothing left (the lease had run out and nobody took it): given back
        # as above, unless an effect came in just now.
        return await self._release_if_empty(connection, finish) == 1

    async def _release_if_empty(self, connection: AsyncConnection, finish: _Finish) -> int:
        return await _RELEASE_IF_EMPTY.rowcount(
            connection,
            {"_lane": finish.lane, "_owner": self.owner}
            | {"owner": None, "lease_until": None, "free_at": finish.free_at},
        )

    async def failed_attempt(self, effect: PendingEffect, error: str, retry_at: datetime) -> None:
        table = chat_outbox_table
        async with self.database.writing() as connection:
            await connection.execute(
                update(table)
                .where(table.c.id == effect.id)
                .values(
                    attempts=effect.attempts + 1, last_error=error[:2000], next_attempt_at=retry_at
                )
            )

    async def release(self, lane: str, free_at: datetime | None) -> None:
        async with self.database.writing() as connection:
            await release_lane(connection, LANE_KIND, lane, self.owner, free_at)

    async def renew(self, lanes: list[str], until: datetime) -> None:
        if not lanes:
            return  # nothing held: no transaction (an empty one is two round trips on PostgreSQL)
        async with self.database.writing() as connection:
            await renew_lanes(connection, LANE_KIND, self.owner, lanes, until)

    async def forget_own_leases(self) -> None:
        async with self.database.writing() as connection:
            await release_all(connection, LANE_KIND, self.owner)

    async def waiting_lanes(self, now: datetime, older_than: timedelta, limit: int) -> list[str]:
        """Lanes with effects written before `now - older_than` that nobody is working on."""
        table = chat_outbox_table
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(table.c.lane, func.min(table.c.id).label("first"))
                .where(table.c.done_at.is_(None), table.c.created_at <= now - older_than)
                .group_by(table.c.lane)
                .order_by("first")
                .limit(limit)
            )
            lanes = [row.lane for row in result]
            free = await free_lanes_among(connection, LANE_KIND, lanes, now)
        return [lane for lane in lanes if lane in free]

    async def purge(self, done_before: datetime) -> int:
        table = chat_outbox_table
        async with self.database.writing() as connection:
            result = await connection.execute(
                delete(table).where(table.c.done_at.is_not(None), table.c.done_at < done_before)
            )
        return int(result.rowcount or 0)
