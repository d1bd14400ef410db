"""The report store: one report's state in and out of the database, one transaction per turn.

A turn (see bot.runner) computes its step, then writes it in one `ReportTransaction`:
`async with store.transaction() as transaction` → (`load_for_update` and the step again,
after a lost race) → `save` (which marks the event processed with ON CONFLICT DO NOTHING: a
replay raises DuplicateEvent and rolls everything back, so no `is_processed` query is needed
first) → the effects into the chat outbox → the delivery settled. PostgreSQL serialises turns
on one report with a row lock (SELECT ... FOR UPDATE); SQLite with its IMMEDIATE transactions;
and the version column makes a stale writer fail loudly (VersionConflict) instead of
overwriting anything.
"""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from conversations.addresses import Address
from conversations.effects import AuditEntry, SubmitRequested
from conversations.state import Actor, ReportChoice, ReportState, ReportStatus
from storage import postgres_driver
from storage.address_books import AddressBooks
from storage.database import Database
from storage.driver_writes import DriverWrite
from storage.prepared import PerDialect
from storage.rows import (
    CONTRIBUTION_CONTENT,
    assignment_values,
    assignments,
    audit_entry,
    audit_events,
    audit_values,
    contribution_content,
    contribution_values,
    contributions,
    processed_events,
    report_values,
    reports,
    state_from_rows,
    submission_id,
    submission_values,
)
from storage.rows import submissions as submissions_table
from storage.state_cache import StateCache
from storage.tables import ReportGrantRow
from storage.turn_statement import TurnStatement, TurnWrites

grants = ReportGrantRow.__table__  # type: ignore[attr-defined]

__all__ = [
    "OPEN_STATUSES",
    "DuplicateEvent",
    "ReportStore",
    "ReportSummary",
    "ReportTransaction",
    "SubmissionRecord",
    "VersionConflict",
    "submission_id",
    "submissions_table",
]

# Reports that commands in their channel still address (a sent one can be amended).
OPEN_STATUSES = (
    ReportStatus.OPEN.value,
    ReportStatus.SUBMIT_REQUESTED.value,
    ReportStatus.SENT.value,
)


# One executemany for every edit and retraction of a turn. The bound names differ from the
# column names, which SQLAlchemy reserves for the SET clause.
_UPDATE_CONTRIBUTION = (
    update(contributions)
    .where(contributions.c.id == bindparam("_id"))
    .values(
        {
            name: bindparam(f"_{name}", type_=contributions.c[name].type)
            for name in CONTRIBUTION_CONTENT
        }
    )
)


# The statements of every turn, built once (storage.prepared says why). The bound names start
# with "_" where a column of the same name is SET or inserted by the same statement.
_REPORT_VERSION = select(reports.c.version).where(
    reports.c.id == bindparam("_id", type_=reports.c.id.type)
)
_REPORT_VERSION_FOR_UPDATE = _REPORT_VERSION.with_for_update()
# SET every column given in the parameters; only the version it was read at is updated.
_UPDATE_REPORT = DriverWrite(
    update(reports).where(
        reports.c.id == bindparam("_id", type_=reports.c.id.type),
        reports.c.version == bindparam("_version", type_=reports.c.version.type),
    )
)
# The report's columns in an index or a unique constraint that are fields of its state. An
# UPDATE that names one of them rewrites the index's entry, changed or not (SQLite: a page of
# each index more per turn), so a turn names them only when the field changed; every other
# column is in the row's one page anyway.
_INDEXED_REPORT_COLUMNS = frozenset(
    column.name
    for constraint in (*reports.indexes, *reports.constraints)
    for column in getattr(constraint, "columns", ())
    if not column.primary_key and column.name in ReportState.model_fields
)
_INSERT_CONTRIBUTIONS = DriverWrite(insert(contributions))
_INSERT_AUDIT = DriverWrite(insert(audit_events))
# The columns inserted are the parameters' keys.
_MARK_PROCESSED = PerDialect(
    lambda d: DriverWrite(d.insert(processed_events).on_conflict_do_nothing())
)


class DuplicateEvent(Exception):
    """This (platform, event id) was already processed: a retry or a double click."""


class VersionConflict(Exception):
    """The report changed since it was loaded; reload and run the turn again."""


class ReportSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    status: str
    platform: str
    channel: str
    lead_name: str
    created_at: datetime
    updated_at: datetime
    # Active contributions only: retracted ones are history, not answers.
    contribution_count: int


class SubmissionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    report_id: str
    report_version: int
    status: str
    requested_by: Actor
    confirmed_by: tuple[Actor, ...]
    requested_at: datetime
    snapshot: dict[str, JsonValue]
    message_id: str | None
    message: bytes | None = None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


class ReportTransaction:
    """One turn's write transaction on the store: everything the turn decides, or nothing."""

    def __init__(
        self,
        connection: AsyncConnection,
        cache: StateCache | None = None,
        addresses: AddressBooks | None = None,
        turn_statement: TurnStatement | None = None,
    ) -> None:
        self.connection = connection
        self.cache = cache
        self.addresses = addresses
        self.turn_statement = turn_statement
        # What this transaction read or wrote; cached once it has committed.
        self.seen: list[ReportState] = []
        self.addresses_written: list[Address] = []

    async def save_addresses(self, addresses: Sequence[Address], now: datetime) -> None:
        """The platform addresses the turn's delivery brought, into their address books."""
        if not addresses:
            return
        if self.addresses is None:
            raise RuntimeError("this transaction was opened without the address books")
        self.addresses_written += await self.addresses.write(self.connection, addresses, now)

    async def grant(
        self, platform: str, workspace: str, user_id: str, report_id: str, now: datetime
    ) -> None:
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(grants).values(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            report_id=report_id,
            granted_at=now,
        )
        await self.connection.execute(
            statement.on_conflict_do_update(
                index_elements=["platform", "workspace", "user_id", "report_id"],
                set_={"granted_at": now},
            )
        )

    async def load_for_update(self, report_id: str) -> ReportState | None:
        if self.cache is not None:
            # The row lock and the version in one small query; the rest only on a miss.
            version = await self.connection.scalar(_REPORT_VERSION_FOR_UPDATE, {"_id": report_id})
            if version is None:
                return None
            cached = self.cache.get(report_id, version)
            if cached is not None:
                return cached
        state = await _load(self.connection, report_id, lock=True)
        if state is not None:
            self.seen.append(state)
        return state

    async def save(
        self,
        before: ReportState | None,
        after: ReportState | None,
        *,
        platform: str,
        event_id: str,
        audit: Sequence[AuditEntry],
        submissions: Sequence[SubmitRequested],
        batched_events: Sequence[str] = (),
        verified: bool = True,
    ) -> ReportState | None:
        """Write the turn: the event as processed, then whatever changed from `before` to
        `after`. Returns `after` at its new version (None when there is no report).
        `batched_events`: the events after `event_id` that a batched turn also processed
        (bot.runner.TurnRunner.handle_batch): marked processed with it, or none of them.
        `verified=False`: `before` came from the cache without its version being read
        (`ReportStore.load_committed(trust_cache=True)`); a turn that changes the report
        checks it in its UPDATE, one that does not (a refusal, a question answered) with a
        SELECT here. Either raises VersionConflict when the report moved on."""
        if before is not None and after is not None and before.id != after.id:
            raise ValueError(f"a turn on report {before.id} cannot save report {after.id}")
        if not verified and before is not None and after is None:
            version = await self.connection.scalar(_REPORT_VERSION, {"_id": before.id})
            if version != before.version:
                raise VersionConflict(
                    f"report {before.id} is no longer at version {before.version}"
                )
        event_ids = (event_id, *batched_events)
        if before is not None and after is not None:
            # PostgreSQL: the event, the report and its rows in one round trip.
            written = await self._save_in_one_statement(platform, event_ids, before, after, audit)
            if written is not None:
                return await self._saved(written, submissions)
        await self._mark_processed(platform, event_ids, after.id if after else None)
        if after is None:
            return None
        if before is None:
            number = after.number
            if number is None:
                number = await _next_number(self.connection, after.platform, after.channel)
            saved = after.model_copy(update={"version": 1, "number": number})
            try:
                await self.connection.execute(insert(reports).values(report_values(saved)))
            except IntegrityError:
                # The id is random (a collision is not a real case): it is the channel's
                # number another `new` took meanwhile. Raising VersionConflict runs the turn
                # again, under the lock, with the next free number.
                raise VersionConflict(
                    f"report number {number} in {after.platform}:{after.channel} is taken"
                ) from None
        else:
            saved, values = _updated(before, after)
            updated = await _UPDATE_REPORT.rowcount(
                self.connection, {**values, "_id": before.id, "_version": before.version}
            )
            if updated != 1:
                raise VersionConflict(
                    f"report {before.id} is no longer at version {before.version}"
                )
        await self._save_contributions(before, saved)
        await self._save_assignments(before, saved)
        if audit:
            await _INSERT_AUDIT.rowcount(
                self.connection, [audit_values(saved.id, entry) for entry in audit]
            )
        return await self._saved(saved, submissions)

    async def _save_in_one_statement(
        self,
        platform: str,
        event_ids: Sequence[str],
        before: ReportState,
        after: ReportState,
        audit: Sequence[AuditEntry],
    ) -> ReportState | None:
        """On a PostgreSQL connection storage.turn_statement may use, what save() writes one
        statement at a time, as one statement (that module says why), with the same checks
        and the same errors. None: not here (SQLite, a watched connection, a turn whose
        assignments changed or whose rows are too many); save() goes on as it does there."""
        if self.turn_statement is None or postgres_driver.driver_of(self.connection) is None:
            return None
        if before.assignments != after.assignments:
            return None
        if len(set(event_ids)) != len(event_ids):
            raise DuplicateEvent(f"{platform}: an event twice in one turn")
        saved, values = _updated(before, after)
        new_rows, changed_rows = _contribution_changes(before, saved)
        now = datetime.now(UTC)
        writes = TurnWrites(
            processed=[
                {"platform": platform, "event_id": e, "report_id": saved.id, "processed_at": now}
                for e in event_ids
            ],
            report={**values, "_id": before.id, "_version": before.version},
            new_contributions=new_rows,
            edited_contributions=changed_rows,
            audit=[audit_values(saved.id, entry) for entry in audit],
        )
        if not writes.fits():
            return None
        processed, updated = await self.turn_statement.write(self.connection, writes)
        if processed != len(event_ids):
            raise DuplicateEvent(f"{platform}:{','.join(event_ids)}")
        if updated != 1:
            raise VersionConflict(f"report {before.id} is no longer at version {before.version}")
        return saved

    async def _saved(
        self, saved: ReportState, submissions: Sequence[SubmitRequested]
    ) -> ReportState:
        """The turn's submission requests written (in its transaction), and the saved state
        kept for the cache once it commits."""
        for request in submissions:
            if (request.report_id, request.report_version) != (saved.id, saved.version):
                raise ValueError(
                    f"submission of {request.report_id} v{request.report_version} does not "
                    f"match the report saved in this turn ({saved.id} v{saved.version})"
                )
            await self.connection.execute(
                insert(submissions_table).values(submission_values(request, saved))
            )
        self.seen.append(saved)
        return saved

    async def audit_only(self, report_id: str, audit: Sequence[AuditEntry]) -> None:
        """Audit entries for a report this turn leaves unchanged (a refused attempt)."""
        if audit:
            await _INSERT_AUDIT.rowcount(
                self.connection, [audit_values(report_id, entry) for entry in audit]
            )

    async def _mark_processed(
        self, platform: str, event_ids: Sequence[str], report_id: str | None
    ) -> None:
        # ON CONFLICT DO NOTHING rather than a SELECT first: a concurrent turn with the same
        # event waits on the key and then inserts nothing, so exactly one of them goes ahead.
        # The raised DuplicateEvent rolls back the whole turn: nothing of a replay is written.
        if len(set(event_ids)) != len(event_ids):
            raise DuplicateEvent(f"{platform}: an event twice in one turn")
        now = datetime.now(UTC)
        rows = [
            {
                "platform": platform,
                "event_id": event_id,
                "report_id": report_id,
                "processed_at": now,
            }
            for event_id in event_ids
        ]
        # One row (every turn but a batched one) as a plain INSERT of the statement built
        # once; several (a batched turn) as one multi-row VALUES, whose rowcount is the rows
        # it inserted on every driver (an executemany's is not).
        marking = _MARK_PROCESSED.of(self.connection)
        if len(rows) == 1:
            inserted = await marking.rowcount(self.connection, rows[0])
        else:
            statement = marking.statement.values(rows)
            inserted = (await self.connection.execute(statement)).rowcount
        if inserted != len(event_ids):
            raise DuplicateEvent(f"{platform}:{','.join(event_ids)}")

    async def _save_contributions(self, before: ReportState | None, after: ReportState) -> None:
        new_rows, changed_rows = _contribution_changes(before, after)
        if new_rows:
            await _INSERT_CONTRIBUTIONS.rowcount(self.connection, new_rows)
        if changed_rows:
            await self.connection.execute(_UPDATE_CONTRIBUTION, changed_rows)

    async def _save_assignments(self, before: ReportState | None, after: ReportState) -> None:
        if before is not None and before.assignments == after.assignments:
            return
        # A handful of rows at most: replacing them is simpler than diffing and keeps the order.
        await self.connection.execute(
            delete(assignments).where(assignments.c.report_id == after.id)
        )
        if after.assignments:
            await self.connection.execute(
                insert(assignments),
                [assignment_values(after.id, i, a) for i, a in enumerate(after.assignments)],
            )


class ReportStore:
    def __init__(self, database: Database, cache_size: int = 1024) -> None:
        self.database = database
        self.cache = StateCache(cache_size)
        # PostgreSQL: each shape of turn's writes compiled once into one statement.
        self.turn_statement = TurnStatement()
        # Written by turns (from their events' addresses), read by the adapters' ports.
        self.addresses = AddressBooks(database)
        # A report's thread never changes: routing a reply needs the database once per thread.
        self._threads: dict[tuple[str, str, str], str] = {}

    def transaction(self) -> AbstractAsyncContextManager[ReportTransaction]:
        """One transaction: committed on normal exit, rolled back on an exception."""
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[ReportTransaction]:
        async with self.database.writing() as connection:
            transaction = ReportTransaction(
                connection, self.cache, self.addresses, self.turn_statement
            )
            yield transaction
        # Committed: what the turn read and wrote is now the database's state.
        for state in transaction.seen:
            self.cache.put(state)
        self.addresses.committed(transaction.addresses_written)

    async def find_by_thread(self, platform: str, channel: str, thread: str) -> str | None:
        key = (platform, channel, thread)
        if key in self._threads:
            return self._threads[key]
        found = await self._find_by_thread(platform, channel, thread)
        if found is not None:
            if len(self._threads) >= 100_000:
                self._threads.clear()
            self._threads[key] = found
        return found

    async def _find_by_thread(self, platform: str, channel: str, thread: str) -> str | None:
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports.c.id).where(
                    reports.c.platform == platform,
                    reports.c.channel == channel,
                    reports.c.thread == thread,
                )
            )
            return result.scalar_one_or_none()

    async def next_number(self, platform: str, channel: str) -> int:
        """The number the channel's next report gets, as committed now."""
        async with self.database.engine.connect() as connection:
            return await _next_number(connection, platform, channel)

    async def find_by_number(self, platform: str, channel: str, number: int) -> str | None:
        """The channel's report with that number (`/jcdc status #2`), if there is one."""
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports.c.id).where(
                    reports.c.platform == platform,
                    reports.c.channel == channel,
                    reports.c.number == number,
                )
            )
            return result.scalar_one_or_none()

    async def open_in_channel(self, platform: str, channel: str) -> tuple[ReportChoice, ...]:
        """The channel's open reports, oldest first: what a command that names none offers."""
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports.c.id, reports.c.number, reports.c.title, reports.c.lead)
                .where(
                    reports.c.platform == platform,
                    reports.c.channel == channel,
                    reports.c.status.in_(OPEN_STATUSES),
                )
                .order_by(reports.c.number)
            )
            return tuple(
                ReportChoice(
                    id=row.id,
                    number=row.number,
                    title=row.title,
                    lead=Actor.model_validate(row.lead),
                )
                for row in result
            )

    async def latest_open_in_channel(self, platform: str, channel: str) -> str | None:
        return await self.latest_in_channel(platform, channel, OPEN_STATUSES)

    async def latest_in_channel(
        self, platform: str, channel: str, statuses: Sequence[str]
    ) -> str | None:
        """The newest report of the channel in one of `statuses`."""
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports.c.id)
                .where(
                    reports.c.platform == platform,
                    reports.c.channel == channel,
                    reports.c.status.in_(statuses),
                )
                .order_by(reports.c.created_at.desc(), reports.c.id)
                .limit(1)
            )
            return result.scalar_one_or_none()

    async def load(self, report_id: str) -> ReportState | None:
        async with self.database.engine.connect() as connection:
            return await _load(connection, report_id, lock=False)

    async def load_committed(
        self, report_id: str, *, trust_cache: bool = False
    ) -> ReportState | None:
        """The report as last committed, without a lock, from the cache when its version is
        the current one. A turn computes its step from this outside its write transaction,
        and `ReportTransaction.save` refuses (VersionConflict) if the report moved on
        meanwhile: the write lock (SQLite's only one) is then held for the writes alone, not
        for the engine.

        `trust_cache`: a cached state is returned without asking the database for its
        version (no connection, no statement). The caller must then have `save` check the
        version (`verified=False`): a turn's UPDATE does so anyway (WHERE version = ...), so
        only a turn that leaves the report as it was pays a statement for it."""
        if trust_cache:
            cached = self.cache.latest(report_id)
            if cached is not None:
                return cached
        async with self.database.reading() as connection:
            version = await connection.scalar(_REPORT_VERSION, {"_id": report_id})
            if version is None:
                return None
            cached = self.cache.get(report_id, version)
            if cached is not None:
                return cached
            state = await _load(connection, report_id, lock=False)
        if state is not None:
            self.cache.put(state)
        return state

    async def has_grant(self, platform: str, workspace: str, user_id: str, report_id: str) -> bool:
        async with self.database.engine.connect() as connection:
            found = await connection.scalar(
                select(grants.c.report_id).where(
                    grants.c.platform == platform,
                    grants.c.workspace == workspace,
                    grants.c.user_id == user_id,
                    grants.c.report_id == report_id,
                )
            )
        return found is not None

    async def is_processed(self, platform: str, event_id: str) -> bool:
        async with self.database.engine.connect() as connection:
            return await _is_processed(connection, platform, event_id)

    async def list_reports(self) -> list[ReportSummary]:
        """Every report, newest first."""
        active = (
            select(contributions.c.report_id, func.count().label("n"))
            .where(contributions.c.retracted_at.is_(None))
            .group_by(contributions.c.report_id)
            .subquery()
        )
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports, func.coalesce(active.c.n, 0).label("contribution_count"))
                .outerjoin(active, active.c.report_id == reports.c.id)
                .order_by(reports.c.created_at.desc(), reports.c.id)
            )
            return [
                ReportSummary(
                    id=row.id,
                    title=row.title,
                    status=row.status,
                    platform=row.platform,
                    channel=row.channel,
                    lead_name=row.lead["name"],
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                    contribution_count=row.contribution_count,
                )
                for row in result
            ]

    async def audit_trail(self, report_id: str) -> list[AuditEntry]:
        """The report's audit entries, oldest first (in the order they were written)."""
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(audit_events)
                .where(audit_events.c.report_id == report_id)
                .order_by(audit_events.c.id)
            )
            return [audit_entry(row) for row in result]

    async def submissions(self, report_id: str | None = None) -> list[SubmissionRecord]:
        """Submissions, oldest request first; of one report, or of all."""
        statement = select(submissions_table).order_by(
            submissions_table.c.requested_at, submissions_table.c.id
        )
        if report_id is not None:
            statement = statement.where(submissions_table.c.report_id == report_id)
        async with self.database.engine.connect() as connection:
            result = await connection.execute(statement)
            return [SubmissionRecord.model_validate(dict(row._mapping)) for row in result]


def _updated(before: ReportState, after: ReportState) -> tuple[ReportState, dict[str, Any]]:
    """`after` at its next version, and the columns its UPDATE sets: every one but the id
    and the indexed ones it left as they were."""
    saved = after.model_copy(update={"version": before.version + 1})
    values = report_values(saved)
    del values["id"]
    for column in _INDEXED_REPORT_COLUMNS:
        if getattr(saved, column) == getattr(before, column):
            del values[column]
    return saved, values


def _contribution_changes(
    before: ReportState | None, after: ReportState
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Rows to insert and rows to update: only what changed. A turn's new state keeps every
    untouched contribution as the very object it was (states are immutable), so a turn that
    only added is found by identity, without comparing any contribution's content."""
    old = before.contributions if before is not None else ()
    new = after.contributions
    if len(new) >= len(old) and all(map(operator.is_, old, new)):
        start = len(old)
        return [contribution_values(after.id, start + n, c) for n, c in enumerate(new[start:])], []
    known = {c.id: c for c in old}
    if missing := known.keys() - {c.id for c in new}:
        # Contributions are evidence: the engine retracts them, it never drops them.
        raise ValueError(f"contributions {sorted(missing)} vanished from report {after.id}")
    new_rows = []
    changed_rows = []
    for position, contribution in enumerate(new):
        previous = known.get(contribution.id)
        if previous is None:
            new_rows.append(contribution_values(after.id, position, contribution))
        elif previous is not contribution and previous != contribution:
            content = contribution_content(contribution)
            changed_rows.append({"_id": contribution.id} | {f"_{k}": v for k, v in content.items()})
    return new_rows, changed_rows


async def _next_number(connection: AsyncConnection, platform: str, channel: str) -> int:
    result = await connection.execute(
        select(func.coalesce(func.max(reports.c.number), 0) + 1).where(
            reports.c.platform == platform, reports.c.channel == channel
        )
    )
    return int(result.scalar_one())


async def _is_processed(connection: AsyncConnection, platform: str, event_id: str) -> bool:
    result = await connection.execute(
        select(processed_events.c.event_id).where(
            processed_events.c.platform == platform, processed_events.c.event_id == event_id
        )
    )
    return result.first() is not None


async def _load(connection: AsyncConnection, report_id: str, lock: bool) -> ReportState | None:
    # Three queries whatever the report's size: the row, then each child table in saved order.
    statement = select(reports).where(reports.c.id == report_id)
    if lock:
        # SQLite renders no FOR UPDATE; its IMMEDIATE write transaction already serialises.
        statement = statement.with_for_update()
    report = (await connection.execute(statement)).first()
    if report is None:
        return None
    contribution_rows = await connection.execute(
        select(contributions)
        .where(contributions.c.report_id == report_id)
        .order_by(contributions.c.position)
    )
    assignment_rows = await connection.execute(
        select(assignments)
        .where(assignments.c.report_id == report_id)
        .order_by(assignments.c.position)
    )
    return state_from_rows(report, contribution_rows, assignment_rows)
