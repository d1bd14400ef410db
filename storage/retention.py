"""Retention: incident data is not kept for ever.

A report that was sent or cancelled, and has not changed for `days`, loses what people
answered: its contributions are deleted, the answer text in its audit entries (`raw`, `value`)
is removed, and its submissions lose the frozen snapshot and the bytes of the sent e-mail.
What stays is a tombstone: the report's row (id, title, platform, channel, lead, status,
dates, `purged_at`), its assignments, the audit trail of who did what and when, and each
submission's id, status, people, Message-ID and sent time — so that "who sent what to JCDC,
when" can still be answered.

Each report is purged in one transaction under its row lock, with its version raised, so a
replica's cached copy is never mistaken for the current one. A report with a submission still
waiting to go is left alone. Running it again purges nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from conversations.state import ReportStatus
from storage.database import Database
from storage.tables import metadata

reports = metadata.tables["reports"]
contributions = metadata.tables["contributions"]
audit_events = metadata.tables["audit_events"]
submissions = metadata.tables["submissions"]
inbox = metadata.tables["inbox"]
chat_outbox = metadata.tables["chat_outbox"]

# Report states after which nothing more is expected of a report.
FINISHED = (ReportStatus.SENT.value, ReportStatus.CANCELLED.value)
# Audit detail keys that carry what someone typed; the rest (ids, sections, via) is kept.
ANSWER_KEYS = frozenset({"raw", "value"})
# Navigation keys that carry answers (resolved conflict values, the pending send request).
_NAVIGATION_ANSWERS = ("resolutions", "send_request")


@dataclass(frozen=True)
class PurgeResult:
    reports: tuple[str, ...]
    contributions: int
    audit_entries: int
    submissions: int
    inbox_deliveries: int
    chat_effects: int

    def summary(self) -> str:
        return (
            f"{len(self.reports)} reports purged ({self.contributions} contributions, "
            f"{self.audit_entries} audit entries redacted, {self.submissions} submissions "
            f"emptied); {self.inbox_deliveries} processed inbox deliveries and "
            f"{self.chat_effects} performed chat effects removed"
        )


def redacted(detail: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's detail without the answer text it carried."""
    kept = {key: value for key, value in detail.items() if key not in ANSWER_KEYS}
    if len(kept) != len(detail):
        kept["purged"] = sorted(ANSWER_KEYS & detail.keys())
    return kept


async def purge(
    database: Database,
    *,
    now: datetime,
    retention: timedelta | None,
    keep_processed: timedelta,
    dry_run: bool = False,
) -> PurgeResult:
    """Apply the policy. `retention` None: reports are kept (the default); processed inbox
    deliveries and performed chat effects older than `keep_processed` go either way."""
    purged: list[str] = []
    totals = [0, 0, 0]
    if retention is not None:
        cutoff = now - retention
        for report_id in await _due_reports(database, cutoff):
            counts = await _purge_report(database, report_id, now, cutoff, dry_run)
            if counts is not None:
                purged.append(report_id)
                totals = [a + b for a, b in zip(totals, counts, strict=True)]
    inbox_gone = await _remove_done(database, inbox, now - keep_processed, dry_run)
    chat_gone = await _remove_done(database, chat_outbox, now - keep_processed, dry_run)
    contributions_gone, redactions, emptied = totals
    return PurgeResult(
        tuple(purged), contributions_gone, redactions, emptied, inbox_gone, chat_gone
    )


async def _due_reports(database: Database, changed_before: datetime) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            select(reports.c.id)
            .where(_is_due(changed_before))
            .order_by(reports.c.updated_at, reports.c.id)
        )
        return [row.id for row in rows]


def _is_due(changed_before: datetime) -> Any:
    waiting = (
        select(submissions.c.id)
        .where(submissions.c.report_id == reports.c.id, submissions.c.status == "pending")
        .exists()
    )
    return (
        reports.c.status.in_(FINISHED)
        & reports.c.purged_at.is_(None)
        & (reports.c.updated_at < changed_before)
        & ~waiting
    )


async def _purge_report(
    database: Database, report_id: str, now: datetime, changed_before: datetime, dry_run: bool
) -> tuple[int, int, int] | None:
    """Purge one report; None when it is no longer due (changed since it was listed)."""
    async with database.writing() as connection:
        report = (
            await connection.execute(
                select(reports.c.navigation, reports.c.version)
                .where(reports.c.id == report_id, _is_due(changed_before))
                .with_for_update()
            )
        ).first()
        if report is None:
            return None
        counts = await _count(connection, report_id)
        if dry_run:
            return counts
        await connection.execute(
            delete(contributions).where(contributions.c.report_id == report_id)
        )
        navigation = {
            key: value for key, value in report.navigation.items() if key not in _NAVIGATION_ANSWERS
        }
        await connection.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(navigation=navigation, version=report.version + 1, purged_at=now)
        )
        entries = await connection.execute(
            select(audit_events.c.id, audit_events.c.detail).where(
                audit_events.c.report_id == report_id, audit_events.c.redacted_at.is_(None)
            )
        )
        for entry in entries.all():
            await connection.execute(
                update(audit_events)
                .where(audit_events.c.id == entry.id)
                .values(detail=redacted(entry.detail), redacted_at=now)
            )
        await connection.execute(
            update(submissions)
            .where(submissions.c.report_id == report_id)
            .values(snapshot={}, message=None)
        )
        return counts


async def _count(connection: AsyncConnection, report_id: str) -> tuple[int, int, int]:
    async def count(table: Any, *where: Any) -> int:
        return int(
            await connection.scalar(select(func.count()).select_from(table).where(*where)) or 0
        )

    return (
        await count(contributions, contributions.c.report_id == report_id),
        await count(
            audit_events,
            audit_events.c.report_id == report_id,
            audit_events.c.redacted_at.is_(None),
        ),
        await count(submissions, submissions.c.report_id == report_id),
    )


async def _remove_done(database: Database, table: Any, done_before: datetime, dry_run: bool) -> int:
    where = (table.c.done_at.is_not(None), table.c.done_at < done_before)
    async with database.writing() as connection:
        if dry_run:
            return int(
                await connection.scalar(select(func.count()).select_from(table).where(*where)) or 0
            )
        result = await connection.execute(delete(table).where(*where))
        return int(result.rowcount or 0)
