"""The report store: one report's state in and out of the database, one turn per transaction.

A turn (see bot.runner) is: `async with store.turn() as turn` → `is_processed` →
`load_for_update` → engine → `save`. PostgreSQL serialises turns on one report with a row lock
(SELECT ... FOR UPDATE); SQLite with its IMMEDIATE transactions; and the version column makes a
stale writer fail loudly (VersionConflict) instead of overwriting anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from conversations.effects import AuditEntry, SubmitRequested
from conversations.state import (
    Actor,
    Assignment,
    Contribution,
    ReportState,
    ReportStatus,
    Resolution,
    SendRequest,
)
from storage.database import Database
from storage.tables import metadata

reports = metadata.tables["reports"]
contributions = metadata.tables["contributions"]
assignments = metadata.tables["assignments"]
audit_events = metadata.tables["audit_events"]
processed_events = metadata.tables["processed_events"]
submissions_table = metadata.tables["submissions"]

# Reports that commands in their channel still address (a sent one can be amended).
OPEN_STATUSES = (
    ReportStatus.OPEN.value,
    ReportStatus.SUBMIT_REQUESTED.value,
    ReportStatus.SENT.value,
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


def submission_id(report_id: str, report_version: int) -> str:
    return f"{report_id}:{report_version}"


class Turn:
    """One transaction's view of the store."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def is_processed(self, platform: str, event_id: str) -> bool:
        return await _is_processed(self.connection, platform, event_id)

    async def load_for_update(self, report_id: str) -> ReportState | None:
        return await _load(self.connection, report_id, lock=True)

    async def save(
        self,
        before: ReportState | None,
        after: ReportState | None,
        *,
        platform: str,
        event_id: str,
        audit: Sequence[AuditEntry],
        submissions: Sequence[SubmitRequested],
    ) -> ReportState | None:
        now = datetime.now(UTC)
        await self._mark_processed(platform, event_id, after.id if after else None, now)
        if after is None:
            return None
        if before is None:
            saved = after.model_copy(update={"version": 1})
            await self.connection.execute(insert(reports).values(**_report_values(saved)))
        else:
            saved = after.model_copy(update={"version": before.version + 1})
            result = await self.connection.execute(
                update(reports)
                .where(reports.c.id == before.id, reports.c.version == before.version)
                .values(**_report_values(saved))
            )
            if result.rowcount != 1:
                raise VersionConflict(
                    f"report {before.id} is no longer at version {before.version}"
                )
        await self._save_contributions(before, saved)
        await self._save_assignments(before, saved)
        if audit:
            await self.connection.execute(
                insert(audit_events),
                [
                    {
                        "report_id": saved.id,
                        "at": entry.at,
                        "actor": entry.actor.model_dump(),
                        "action": entry.action,
                        "item_id": entry.item_id,
                        "detail": entry.detail,
                    }
                    for entry in audit
                ],
            )
        for request in submissions:
            await self.connection.execute(
                insert(submissions_table).values(
                    id=submission_id(request.report_id, request.report_version),
                    report_id=request.report_id,
                    report_version=request.report_version,
                    status="pending",
                    requested_by=request.requested_by.model_dump(),
                    confirmed_by=[actor.model_dump() for actor in request.confirmed_by],
                    requested_at=request.at,
                    snapshot=saved.model_dump(mode="json"),
                    attempts=0,
                )
            )
        return saved

    async def _mark_processed(
        self, platform: str, event_id: str, report_id: str | None, now: datetime
    ) -> None:
        # A duplicate aborts the insert and, through the raised DuplicateEvent, the whole turn's
        # transaction: nothing of a replayed event is ever written.
        try:
            await self.connection.execute(
                insert(processed_events).values(
                    platform=platform, event_id=event_id, report_id=report_id, processed_at=now
                )
            )
        except IntegrityError as error:
            raise DuplicateEvent(f"{platform}:{event_id}") from error

    async def _save_contributions(self, before: ReportState | None, after: ReportState) -> None:
        known = {c.id: c for c in before.contributions} if before else {}
        new_rows = []
        for position, contribution in enumerate(after.contributions):
            previous = known.get(contribution.id)
            if previous is None:
                new_rows.append(_contribution_values(after.id, position, contribution))
            elif previous != contribution:
                await self.connection.execute(
                    update(contributions)
                    .where(contributions.c.id == contribution.id)
                    .values(
                        raw=contribution.raw,
                        value=contribution.value,
                        edited_at=contribution.edited_at,
                        retracted_at=contribution.retracted_at,
                        retracted_reason=contribution.retracted_reason,
                    )
                )
        if new_rows:
            await self.connection.execute(insert(contributions), new_rows)

    async def _save_assignments(self, before: ReportState | None, after: ReportState) -> None:
        if before is not None and before.assignments == after.assignments:
            return
        await self.connection.execute(
            delete(assignments).where(assignments.c.report_id == after.id)
        )
        if after.assignments:
            await self.connection.execute(
                insert(assignments),
                [
                    {
                        "report_id": after.id,
                        "section_id": a.section_id,
                        "position": position,
                        "assignee": a.assignee.model_dump(),
                        "assigned_by": a.by.model_dump(),
                        "at": a.at,
                    }
                    for position, a in enumerate(after.assignments)
                ],
            )


class ReportStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def turn(self) -> AbstractAsyncContextManager[Turn]:
        return self._turn()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[Turn]:
        async with self.database.writing() as connection:
            yield Turn(connection)

    async def find_by_thread(self, platform: str, channel: str, thread: str) -> str | None:
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports.c.id).where(
                    reports.c.platform == platform,
                    reports.c.channel == channel,
                    reports.c.thread == thread,
                )
            )
            return result.scalar_one_or_none()

    async def latest_open_in_channel(self, platform: str, channel: str) -> str | None:
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(reports.c.id)
                .where(
                    reports.c.platform == platform,
                    reports.c.channel == channel,
                    reports.c.status.in_(OPEN_STATUSES),
                )
                .order_by(reports.c.created_at.desc(), reports.c.id)
                .limit(1)
            )
            return result.scalar_one_or_none()

    async def load(self, report_id: str) -> ReportState | None:
        async with self.database.engine.connect() as connection:
            return await _load(connection, report_id, lock=False)

    async def is_processed(self, platform: str, event_id: str) -> bool:
        async with self.database.engine.connect() as connection:
            return await _is_processed(connection, platform, event_id)

    async def list_reports(self) -> list[ReportSummary]:
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
        async with self.database.engine.connect() as connection:
            result = await connection.execute(
                select(audit_events)
                .where(audit_events.c.report_id == report_id)
                .order_by(audit_events.c.id)
            )
            return [
                AuditEntry(
                    at=row.at,
                    actor=Actor.model_validate(row.actor),
                    action=row.action,
                    item_id=row.item_id,
                    detail=row.detail,
                )
                for row in result
            ]

    async def submissions(self, report_id: str | None = None) -> list[SubmissionRecord]:
        statement = select(submissions_table).order_by(
            submissions_table.c.requested_at, submissions_table.c.id
        )
        if report_id is not None:
            statement = statement.where(submissions_table.c.report_id == report_id)
        async with self.database.engine.connect() as connection:
            result = await connection.execute(statement)
            return [SubmissionRecord.model_validate(dict(row._mapping)) for row in result]


async def _is_processed(connection: AsyncConnection, platform: str, event_id: str) -> bool:
    result = await connection.execute(
        select(processed_events.c.event_id).where(
            processed_events.c.platform == platform, processed_events.c.event_id == event_id
        )
    )
    return result.first() is not None


async def _load(connection: AsyncConnection, report_id: str, lock: bool) -> ReportState | None:
    statement = select(reports).where(reports.c.id == report_id)
    if lock:
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
    navigation: dict[str, Any] = report.navigation
    send_request = navigation.get("send_request")
    return ReportState(
        id=report.id,
        platform=report.platform,
        channel=report.channel,
        thread=report.thread,
        title=report.title,
        lead=Actor.model_validate(report.lead),
        status=ReportStatus(report.status),
        created_at=report.created_at,
        updated_at=report.updated_at,
        checklist_version=report.checklist_version,
        cursor=navigation.get("cursor"),
        guiding=navigation.get("guiding", True),
        asked=tuple(navigation.get("asked", ())),
        skipped=tuple(navigation.get("skipped", ())),
        resolutions=tuple(Resolution.model_validate(r) for r in navigation.get("resolutions", ())),
        send_request=SendRequest.model_validate(send_request) if send_request else None,
        # Rows were validated on the way in; rebuilding thousands of them without validating
        # again keeps loading a report proportional to I/O rather than to pydantic.
        contributions=tuple(
            Contribution.model_construct(
                id=row.id,
                item_id=row.item_id,
                author=Actor.model_construct(id=row.author_id, name=row.author_name),
                at=row.at,
                via=row.via,
                source_message_id=row.source_message_id,
                raw=row.raw,
                value=row.value,
                edited_at=row.edited_at,
                retracted_at=row.retracted_at,
                retracted_reason=row.retracted_reason,
            )
            for row in contribution_rows
        ),
        assignments=tuple(
            Assignment(
                section_id=row.section_id,
                assignee=Actor.model_validate(row.assignee),
                by=Actor.model_validate(row.assigned_by),
                at=row.at,
            )
            for row in assignment_rows
        ),
        version=report.version,
    )


def _report_values(state: ReportState) -> dict[str, Any]:
    return {
        "id": state.id,
        "platform": state.platform,
        "channel": state.channel,
        "thread": state.thread,
        "title": state.title,
        "status": state.status.value,
        "lead": state.lead.model_dump(),
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "checklist_version": state.checklist_version,
        "version": state.version,
        "navigation": state.model_dump(
            mode="json",
            include={"cursor", "guiding", "asked", "skipped", "resolutions", "send_request"},
        ),
    }


def _contribution_values(
    report_id: str, position: int, contribution: Contribution
) -> dict[str, Any]:
    return {
        "id": contribution.id,
        "report_id": report_id,
        "position": position,
        "item_id": contribution.item_id,
        "author_id": contribution.author.id,
        "author_name": contribution.author.name,
        "at": contribution.at,
        "via": contribution.via,
        "source_message_id": contribution.source_message_id,
        "raw": contribution.raw,
        "value": contribution.value,
        "edited_at": contribution.edited_at,
        "retracted_at": contribution.retracted_at,
        "retracted_reason": contribution.retracted_reason,
    }
