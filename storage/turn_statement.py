"""PostgreSQL: the writes of a turn that changed a report, sent as one statement.

A turn that changes a report writes four kinds of rows: its event marked processed, the
report's UPDATE at the version it was read at, its new contributions (and the ones it edited
or retracted) and its audit entries. Sent one by one that is four round trips or more, and
each costs ~110 µs of this process's CPU (asyncpg, our binding) and about as much of the
database server's: measured under benchmarks/bench_slack.py, a turn on PostgreSQL cost the
machine 5.5 ms against 3.5 ms for the necessary-work floor's five round trips.

Here they are data-modifying CTEs of one statement (PostgreSQL runs every one of them to
completion, on one snapshot, whether or not the main query reads it), whose main query
counts what the processed-event INSERT and the report's UPDATE did:

    WITH p AS (INSERT INTO processed_events ... ON CONFLICT DO NOTHING RETURNING 1),
         u AS (UPDATE reports SET ... WHERE id = $ AND version = $ RETURNING 1),
         c AS (INSERT INTO contributions ...), e0 AS (UPDATE contributions ...), ...,
         a AS (INSERT INTO audit_events ...)
    SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM u)

The caller raises DuplicateEvent or VersionConflict from those counts exactly as it did from
the separate statements' row counts, and that rolls the whole transaction back: what the
other CTEs wrote goes with it. A concurrent turn is serialised as before, by the processed
event's key (ON CONFLICT waits for the other transaction) and the report's row lock (the
UPDATE waits, then finds the version moved on).

The statement is compiled by SQLAlchemy once for each shape (the report's SET columns, how
many rows of each kind) and executed by asyncpg as storage/driver_writes.py executes the
single writes: SQLite has no round trips to save and keeps the separate statements, and so
does any connection storage.postgres_driver.driver_of does not hand over (a watched one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.driver_writes import DriverRow
from storage.rows import audit_events, contributions, processed_events, reports

Row = Mapping[str, Any]

# Beyond these a turn (a large form, a batch) keeps the separate statements: a statement's
# parameters are capped at 32,767, and rare shapes are not worth a prepared statement each.
MAX_ROWS = 24
# Shapes compiled so far, each a prepared statement on every pooled connection that ran it.
_MAX_SHAPES = 128


@dataclass(frozen=True)
class TurnWrites:
    """A turn's rows: `report` holds the SET columns and `_id`, `_version` (the version it
    was read at); `edited` rows hold `_id` and `_<column>` for each content column."""

    processed: Sequence[Row]
    report: Row
    new_contributions: Sequence[Row]
    edited_contributions: Sequence[Row]
    audit: Sequence[Row]

    def fits(self) -> bool:
        return bool(self.processed) and all(
            len(rows) <= MAX_ROWS
            for rows in (
                self.processed,
                self.new_contributions,
                self.edited_contributions,
                self.audit,
            )
        )

    def shape(self) -> tuple[object, ...]:
        return (
            len(self.processed),
            tuple(self.report),
            len(self.new_contributions),
            tuple(self.new_contributions[0]) if self.new_contributions else (),
            len(self.edited_contributions),
            tuple(self.edited_contributions[0]) if self.edited_contributions else (),
            len(self.audit),
            tuple(self.audit[0]) if self.audit else (),
        )

    def parameters(self) -> dict[str, Any]:
        """Every row's values under the names `_statement` bound them to."""
        bound: dict[str, Any] = {f"u_{name}": value for name, value in self.report.items()}
        for prefix, rows in (
            ("p", self.processed),
            ("c", self.new_contributions),
            ("e", self.edited_contributions),
            ("a", self.audit),
        ):
            for n, row in enumerate(rows):
                bound.update({f"{prefix}{n}_{name}": value for name, value in row.items()})
        return bound


class TurnStatement:
    """The statement of each shape of turn, compiled once, and its execution on asyncpg."""

    def __init__(self) -> None:
        self._statements: dict[tuple[object, ...], DriverRow] = {}

    async def write(self, connection: AsyncConnection, writes: TurnWrites) -> tuple[int, int]:
        """Execute the turn's writes: (events marked processed, reports updated)."""
        key = writes.shape()
        statement = self._statements.get(key)
        if statement is None:
            if len(self._statements) >= _MAX_SHAPES:
                self._statements.clear()
            statement = self._statements[key] = DriverRow(_statement(writes))
        row = await statement.first(connection, writes.parameters())
        assert row is not None  # a SELECT of two counts always returns its one row
        return int(row[0]), int(row[1])


def _bound(table: Table, prefix: str, names: Sequence[str]) -> dict[str, Any]:
    return {name: bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names}


def _inserted_if(table: Table, prefix: str, rows: Sequence[Row], condition: Any) -> Any:
    """INSERT of `rows` (one SELECT of bound values each) that inserts nothing unless
    `condition` holds: a row that is never inserted cannot violate a constraint either."""
    names = list(rows[0])
    selects = [
        select(*_bound(table, f"{prefix}{n}_", names).values()).where(condition)
        for n in range(len(rows))
    ]
    return insert(table).from_select(
        names, selects[0] if len(selects) == 1 else union_all(*selects)
    )


def _statement(writes: TurnWrites) -> Any:
    processed = (
        postgresql.insert(processed_events)
        .values(
            [
                _bound(processed_events, f"p{n}_", list(row))
                for n, row in enumerate(writes.processed)
            ]
        )
        .on_conflict_do_nothing()
        .returning(literal_column("1"))
        .cte("p")
    )
    every_event_new = select(func.count()).select_from(
        processed
    ).scalar_subquery() == literal_column(str(len(writes.processed)))
    set_columns = [name for name in writes.report if not name.startswith("_")]
    report = (
        update(reports)
        .where(
            reports.c.id == bindparam("u__id", type_=reports.c.id.type),
            reports.c.version == bindparam("u__version", type_=reports.c.version.type),
            # A replayed event updates nothing (and, through `updated`, writes nothing).
            every_event_new,
        )
        .values(_bound(reports, "u_", set_columns))
        .returning(literal_column("1"))
        .cte("u")
    )
    # The rest only once the report's UPDATE went through: a replay or a stale version
    # writes no row of them (and the caller's DuplicateEvent or VersionConflict rolls back
    # the rest), as the separate statements, which stopped at the first, wrote none.
    updated = exists(select(literal_column("1")).select_from(report))
    others = []
    if writes.new_contributions:
        others.append(_inserted_if(contributions, "c", writes.new_contributions, updated).cte("c"))
    for n, row in enumerate(writes.edited_contributions):
        content = [name.removeprefix("_") for name in row if name != "_id"]
        others.append(
            update(contributions)
            .where(
                contributions.c.id == bindparam(f"e{n}__id", type_=contributions.c.id.type),
                updated,
            )
            .values(
                {
                    name: bindparam(f"e{n}__{name}", type_=contributions.c[name].type)
                    for name in content
                }
            )
            .cte(f"e{n}")
        )
    if writes.audit:
        others.append(_inserted_if(audit_events, "a", writes.audit, updated).cte("a"))
    counted = select(
        select(func.count()).select_from(processed).scalar_subquery(),
        select(func.count()).select_from(report).scalar_subquery(),
    )
    return counted.add_cte(*others) if others else counted
