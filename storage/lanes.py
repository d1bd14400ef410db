"""Leases on work lanes: which replica performs a channel's chat effects now, and until when.

A lane is leased by one owner at a time (a replica's stable name), renewed while it works,
and free again when released or when the lease runs out (the owner died). The lease row also
keeps the channel's pacing schedule (`free_at`), so that every replica posting to one channel
respects the same rate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningInsert

from storage.driver_writes import DriverWrite
from storage.prepared import PerDialect
from storage.tables import WorkLaneRow

lanes_table = WorkLaneRow.__table__  # type: ignore[attr-defined]


def take_statement(dialect: ModuleType) -> ReturningInsert[Any]:
    """The lease taken unless someone else holds a live one; built once (storage.prepared):
    every turn that posts takes its lane."""
    table = lanes_table
    columns = table.c
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["kind", "lane"],
        set_={
            "owner": bindparam("_owner", type_=columns.owner.type),
            "lease_until": bindparam("_lease_until", type_=columns.lease_until.type),
        },
        where=or_(
            columns.owner == bindparam("_owner", type_=columns.owner.type),
            columns.lease_until.is_(None),
            columns.lease_until < bindparam("_now", type_=columns.lease_until.type),
        ),
    ).returning(columns.free_at)


_TAKE = PerDialect(lambda d: DriverWrite(take_statement(d)))
_RELEASE = DriverWrite(
    update(lanes_table).where(
        lanes_table.c.kind == bindparam("_kind", type_=lanes_table.c.kind.type),
        lanes_table.c.lane == bindparam("_lane", type_=lanes_table.c.lane.type),
        lanes_table.c.owner == bindparam("_owner", type_=lanes_table.c.owner.type),
    )
)


async def take_lane(
    connection: AsyncConnection,
    kind: str,
    lane: str,
    owner: str,
    now: datetime,
    lease: timedelta,
) -> tuple[bool, datetime | None]:
    """Lease `lane` for `owner` unless someone else holds a live lease. Returns whether it
    is ours now, and the lane's pacing schedule (`free_at`)."""
    row = await _TAKE.of(connection).first(
        connection, take_parameters(kind, lane, owner, now, lease)
    )
    return (row is not None, row[0] if row is not None else None)


def take_parameters(
    kind: str, lane: str, owner: str, now: datetime, lease: timedelta
) -> dict[str, Any]:
    """The parameters of `take_statement` (and of statements built on it)."""
    until = now + lease
    return {"kind": kind, "lane": lane, "owner": owner, "lease_until": until, "_owner": owner} | {
        "_lease_until": until,
        "_now": now,
    }


async def release_lane(
    connection: AsyncConnection, kind: str, lane: str, owner: str, free_at: datetime | None
) -> None:
    await _RELEASE.rowcount(
        connection,
        {"_kind": kind, "_lane": lane, "_owner": owner}
        | {"owner": None, "lease_until": None, "free_at": free_at},
    )


async def renew_lanes(
    connection: AsyncConnection, kind: str, owner: str, lanes: list[str], until: datetime
) -> int:
    """Extend this owner's leases on `lanes`; how many it still held."""
    if not lanes:
        return 0
    table = lanes_table
    result = await connection.execute(
        update(table)
        .where(table.c.kind == kind, table.c.owner == owner, table.c.lane.in_(lanes))
        .values(lease_until=until)
    )
    return int(result.rowcount or 0)


async def free_lanes_among(
    connection: AsyncConnection, kind: str, lanes: list[str], now: datetime
) -> set[str]:
    """Which of `lanes` nobody holds a live lease on."""
    if not lanes:
        return set()
    table = lanes_table
    held = await connection.execute(
        select(table.c.lane).where(
            table.c.kind == kind,
            table.c.lane.in_(lanes),
            and_(table.c.owner.is_not(None), table.c.lease_until >= now),
        )
    )
    return set(lanes) - {row.lane for row in held}


async def release_all(connection: AsyncConnection, kind: str, owner: str) -> None:
    """Give up every lease of `owner` (on start: what a previous run of the same replica
    held is not being worked on anymore)."""
    table = lanes_table
    await connection.execute(
        update(table)
        .where(table.c.kind == kind, table.c.owner == owner)
        .values(owner=None, lease_until=None)
    )
