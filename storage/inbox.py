"""The inbox: every signed inbound delivery, stored before the platform gets its answer.

- `accept` writes deliveries in one short transaction (many at once when they arrive
  together: one commit for a burst instead of one each). A re-delivery of the same
  (platform, delivery id) is stored once.
- Deliveries of one lane (a channel) are processed one at a time in arrival order: only the
  oldest unfinished delivery of a lane, its head, may be taken. `take` locks the head inside
  the transaction of the turn it causes (FOR UPDATE SKIP LOCKED on PostgreSQL, so that a
  replica never waits for another's turn; SQLite has one writer at a time anyway), and
  `settle` marks it done in that same transaction. A process that dies mid-turn therefore
  leaves the delivery unfinished and unlocked, to be taken again — never half-done.
- A delivery whose turn keeps failing is retried with backoff, then settled as `failed`
  (kept, with its error, for the operator), so that one bad delivery cannot block its lane.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Integer, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.driver_writes import DriverWrite
from storage.group_commit import GroupCommit
from storage.prepared import PerDialect
from storage.tables import InboxRow

inbox_table = InboxRow.__table__  # type: ignore[attr-defined]

# The statements of every delivery, built once (storage.prepared).
_c = inbox_table.c
_ACCEPT = PerDialect(
    lambda d: DriverWrite(
        d.insert(inbox_table).on_conflict_do_nothing().returning(_c.id, _c.platform, _c.delivery_id)
    )
)
_LOCK_UNFINISHED = (
    select(_c.id)
    .where(_c.id == bindparam("_id", type_=_c.id.type), _c.done_at.is_(None))
    .with_for_update(skip_locked=True)
)
_EARLIER_UNFINISHED = (
    select(_c.id)
    .where(
        _c.lane == bindparam("_lane", type_=_c.lane.type),
        _c.done_at.is_(None),
        _c.id < bindparam("_id", type_=_c.id.type),
    )
    .limit(1)
)
_HEAD = (
    select(inbox_table)
    .where(_c.lane == bindparam("_lane", type_=_c.lane.type), _c.done_at.is_(None))
    .order_by(_c.id)
    .limit(1)
)
_FOLLOWING = (
    select(inbox_table)
    .where(
        _c.lane == bindparam("_lane", type_=_c.lane.type),
        _c.done_at.is_(None),
        _c.id > bindparam("_id", type_=_c.id.type),
    )
    .order_by(_c.id)
    .limit(bindparam("_limit", type_=Integer))
)
_SETTLE = update(inbox_table).where(
    _c.id == bindparam("_id", type_=_c.id.type), _c.done_at.is_(None)
)
# `take` and `settle` in one statement, for a turn that knows its outcome before it writes:
# the row locked (PostgreSQL: skipped when another transaction holds it, as `take` does) and
# marked done at once, only while it is its lane's head. RETURNING says whether an unfinished
# delivery waits behind it, so that the worker need not read the lane again to find none.
_other = inbox_table.alias("other")
_TAKE_SETTLING = DriverWrite(
    update(inbox_table)
    .where(
        _c.id.in_(
            select(_other.c.id)
            .where(_other.c.id == bindparam("_id", type_=_c.id.type), _other.c.done_at.is_(None))
            .with_for_update(skip_locked=True)
        ),
        ~select(_other.c.id)
        .where(
            _other.c.lane == bindparam("_lane", type_=_c.lane.type),
            _other.c.done_at.is_(None),
            _other.c.id < bindparam("_id", type_=_c.id.type),
        )
        .exists(),
    )
    .returning(
        select(_other.c.id)
        .where(
            _other.c.lane == bindparam("_lane", type_=_c.lane.type),
            _other.c.done_at.is_(None),
            _other.c.id > bindparam("_id", type_=_c.id.type),
        )
        .limit(1)
        .scalar_subquery()
        .label("waiting")
    )
)

HANDLED, IGNORED, DUPLICATE, REFUSED, FAILED = (
    "handled",
    "ignored",
    "duplicate",
    "refused",
    "failed",
)


@dataclass(frozen=True)
class NewDelivery:
    platform: str
    delivery_id: str
    lane: str
    payload: dict[str, Any]
    received_at: datetime


@dataclass(frozen=True)
class InboxEntry:
    id: int
    platform: str
    delivery_id: str
    lane: str
    payload: dict[str, Any]
    received_at: datetime
    attempts: int


def _entry(row: Any) -> InboxEntry:
    return InboxEntry(
        id=row.id,
        platform=row.platform,
        delivery_id=row.delivery_id,
        lane=row.lane,
        payload=row.payload,
        received_at=row.received_at,
        attempts=row.attempts,
    )


def _due(now: datetime) -> Any:
    table = inbox_table
    return and_(
        table.c.done_at.is_(None),
        or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
    )


class Inbox:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Deliveries arriving while one group commits form the next: one transaction for a
        # burst (storage/group_commit.py).
        self._accepting = GroupCommit[NewDelivery, int | None](self.accept_many)

    async def accept(self, delivery: NewDelivery) -> int | None:
        """Store a delivery durably; its inbox id, or None when it was stored before (a
        platform retry). Raises whatever the database raised when it could not be stored."""
        return await self._accepting.submit(delivery)

    async def accept_many(self, deliveries: Sequence[NewDelivery]) -> list[int | None]:
        """Store several deliveries in one transaction; for each, its new id or None."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for d in deliveries:
            rows.setdefault(
                (d.platform, d.delivery_id),
                {
                    "platform": d.platform,
                    "delivery_id": d.delivery_id,
                    "lane": d.lane,
                    "payload": d.payload,
                    "received_at": d.received_at,
                    "attempts": 0,
                },
            )
        # The statement built once, executed by the driver for each row: a multi-row INSERT
        # would be compiled anew for every batch, which costs more than the batch's rows.
        # Atomic: on SQLite in the one write transaction; on PostgreSQL one round trip in
        # autocommit (one commit, and no BEGIN and COMMIT round trips around it).
        values = list(rows.values())
        async with self.database.statement_alone() as connection:
            returned = await _ACCEPT.of(connection).returned(connection, values)
            inserted = {(platform, delivery): id_ for id_, platform, delivery in returned}
        # The first of several copies in one batch is the new one; the rest are retries.
        answers: list[int | None] = []
        claimed: set[tuple[str, str]] = set()
        for d in deliveries:
            key = (d.platform, d.delivery_id)
            answers.append(inserted.get(key) if key not in claimed else None)
            claimed.add(key)
        return answers

    async def head(self, lane: str, now: datetime) -> InboxEntry | None:
        """The lane's oldest unfinished delivery, if it is due now."""
        async with self.database.reading() as connection:
            row = (await connection.execute(_HEAD, {"_lane": lane})).first()
        if row is None:
            return None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None  # the lane waits for its head's next attempt: order is kept
        return _entry(row)

    async def following(self, entry: InboxEntry, now: datetime, limit: int) -> list[InboxEntry]:
        """The deliveries waiting behind `entry` in its lane, in order, up to the first that
        is not due yet (a batch may take them with it: TurnRunner.handle_batch)."""
        async with self.database.reading() as connection:
            rows = await connection.execute(
                _FOLLOWING, {"_lane": entry.lane, "_id": entry.id, "_limit": limit}
            )
            following = []
            for row in rows:
                if row.next_attempt_at is not None and row.next_attempt_at > now:
                    break  # order is kept: nothing after a delivery waiting for its retry
                following.append(_entry(row))
        return following

    async def waiting_lanes(self, now: datetime, older_than: timedelta, limit: int) -> list[str]:
        """Lanes with due deliveries received before `now - older_than` (for resuming what a
        crash, an outage or another replica left behind)."""
        table = inbox_table
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(table.c.lane, func.min(table.c.id).label("first"))
                .where(_due(now), table.c.received_at <= now - older_than)
                .group_by(table.c.lane)
                .order_by("first")
                .limit(limit)
            )
            return [row.lane for row in result]

    async def settle_alone(self, entry_id: int, outcome: str, now: datetime) -> None:
        """Mark a delivery done in a transaction of its own (nothing else to write)."""
        async with self.database.writing() as connection:
            await settle(connection, entry_id, outcome, now)

    async def failed_attempt(
        self, entry: InboxEntry, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt: retried at `retry_at`, or given up when it is None."""
        table = inbox_table
        values: dict[str, Any] = {"attempts": entry.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values.update(done_at=now, outcome=FAILED)
        else:
            values["next_attempt_at"] = retry_at
        async with self.database.writing() as connection:
            await connection.execute(
                update(table)
                .where(table.c.id == entry.id, table.c.done_at.is_(None))
                .values(values)
            )

    async def purge(self, done_before: datetime) -> int:
        """Forget processed deliveries finished before `done_before`; how many went."""
        table = inbox_table
        async with self.database.writing() as connection:
            result = await connection.execute(
                delete(table).where(table.c.done_at.is_not(None), table.c.done_at < done_before)
            )
        return int(result.rowcount or 0)


Taken = Literal["taken", "gone", "not_head"]


async def take(connection: AsyncConnection, entry_id: int, lane: str) -> Taken:
    """Inside a turn's transaction: lock the delivery if it is still unfinished and still the
    head of its lane. "gone": another turn has it or had it; "not_head": an earlier delivery
    of its lane is unfinished and goes first. Either way, do nothing with it now."""
    locked = await connection.scalar(_LOCK_UNFINISHED, {"_id": entry_id})
    if locked is None:
        return "gone"
    earlier = await connection.scalar(_EARLIER_UNFINISHED, {"_lane": lane, "_id": entry_id})
    return "taken" if earlier is None else "not_head"


async def take_settling(
    connection: AsyncConnection, entry_id: int, lane: str, outcome: str, now: datetime
) -> tuple[Taken, bool]:
    """`take` and, when taken, `settle` with `outcome`, in one statement in the usual case
    (inside the turn's transaction, so a rollback undoes both). Also whether an unfinished
    delivery of the lane waited behind this one when it was taken (when it was not taken:
    True, as nothing is known)."""
    row = await _TAKE_SETTLING.first(
        connection, {"_id": entry_id, "_lane": lane, "done_at": now, "outcome": outcome}
    )
    if row is not None:
        (waiting,) = row
        return "taken", waiting is not None
    # Not taken: which of the two reasons (rare; the statements of `take` say it), or taken
    # after all if what stood in the way finished in between.
    taken = await take(connection, entry_id, lane)
    if taken == "taken":
        await settle(connection, entry_id, outcome, now)
    return taken, True


async def take_run(
    connection: AsyncConnection, entry_ids: Sequence[int], lane: str
) -> int | Literal["gone", "not_head"]:
    """`take` for several deliveries of one lane, in order: how many of them, from the first,
    are now locked for this transaction and follow one another in the lane with nothing
    unfinished before or between them; "gone" or "not_head" as `take` says of the first."""
    first = await take(connection, entry_ids[0], lane)
    if first == "gone" or first == "not_head":
        return first
    if len(entry_ids) == 1:
        return 1
    table = inbox_table
    rest = entry_ids[1:]
    locked = set(
        await connection.scalars(
            select(table.c.id)
            .where(table.c.id.in_(rest), table.c.done_at.is_(None))
            .with_for_update(skip_locked=True)
        )
    )
    # Every unfinished delivery of the lane up to the last one asked for: a run stops at one
    # it does not hold (another replica's, or one not asked for).
    unfinished = await connection.scalars(
        select(table.c.id)
        .where(
            table.c.lane == lane,
            table.c.done_at.is_(None),
            table.c.id > entry_ids[0],
            table.c.id <= rest[-1],
        )
        .order_by(table.c.id)
    )
    count = 1
    for wanted, found in zip(rest, unfinished, strict=False):
        if wanted != found or wanted not in locked:
            break
        count += 1
    return count


async def settle(connection: AsyncConnection, entry_id: int, outcome: str, now: datetime) -> None:
    """Inside a transaction: the delivery is done (with the turn it caused, if any)."""
    await connection.execute(_SETTLE, {"_id": entry_id, "done_at": now, "outcome": outcome})


async def settle_all(
    connection: AsyncConnection, entry_ids: Sequence[int], outcome: str, now: datetime
) -> None:
    """`settle` for several deliveries at once (a batch's, in its one transaction)."""
    table = inbox_table
    await connection.execute(
        update(table)
        .where(table.c.id.in_(entry_ids), table.c.done_at.is_(None))
        .values(done_at=now, outcome=outcome)
    )
