"""The submission outbox: claiming, leasing and settling confirmed sends.

A row moves pending → sending (claimed, with a lease) → sent | pending again (temporary
failure, retried later with backoff) | failed (permanent). A worker that dies mid-send leaves
its row `sending` with a lease that runs out; the next claim takes it again. That is the
at-least-once window: the retry re-sends the stored bytes with the same Message-ID, which lets
the receiver recognise the duplicate. On PostgreSQL, claims use SELECT ... FOR UPDATE SKIP
LOCKED, so replicas never claim the same row; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from storage.database import Database
from storage.repository import SubmissionRecord, submissions_table

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class LeaseLost(Exception):
    """Another worker took the row over after this one's lease ran out."""


class Outbox:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def claim(self, now: datetime, lease: timedelta) -> SubmissionRecord | None:
        """Take the oldest deliverable submission, or None when there is nothing to do."""
        table = submissions_table
        due = or_(
            and_(
                table.c.status == PENDING,
                or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
            ),
            and_(table.c.status == SENDING, table.c.next_attempt_at <= now),
        )
        async with self.database.writing() as connection:
            row = (
                await connection.execute(
                    select(table)
                    .where(due)
                    .order_by(table.c.requested_at, table.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).first()
            if row is None:
                return None
            await connection.execute(
                update(table)
                .where(table.c.id == row.id)
                .values(status=SENDING, attempts=row.attempts + 1, next_attempt_at=now + lease)
            )
            record = SubmissionRecord.model_validate(dict(row._mapping))
        return record.model_copy(
            update={
                "status": SENDING,
                "attempts": record.attempts + 1,
                "next_attempt_at": now + lease,
            }
        )

    async def settled_since(self, since: datetime) -> list[SubmissionRecord]:
        """Submissions sent or failed for good since `since` (to check that their thread
        heard about it)."""
        table = submissions_table
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(
                select(table)
                .where(
                    table.c.status.in_((SENT, FAILED)),
                    or_(table.c.sent_at >= since, table.c.requested_at >= since),
                )
                .order_by(table.c.requested_at, table.c.id)
            )
            return [SubmissionRecord.model_validate(dict(row._mapping)) for row in rows]

    async def previous_sent(self, record: SubmissionRecord) -> SubmissionRecord | None:
        """The newest earlier submission of the same report that reached the relay."""
        table = submissions_table
        async with self.database.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(table)
                    .where(
                        table.c.report_id == record.report_id,
                        table.c.status == SENT,
                        table.c.report_version < record.report_version,
                    )
                    .order_by(table.c.report_version.desc())
                    .limit(1)
                )
            ).first()
        return SubmissionRecord.model_validate(dict(row._mapping)) if row else None

    async def store_message(
        self, claimed: SubmissionRecord, message_id: str, message: bytes
    ) -> None:
        await self._settle(claimed, message_id=message_id, message=message)

    async def mark_sent(self, claimed: SubmissionRecord, at: datetime) -> None:
        await self._settle(claimed, status=SENT, sent_at=at, next_attempt_at=None, last_error=None)

    async def mark_retry(self, claimed: SubmissionRecord, error: str, at: datetime) -> None:
        await self._settle(claimed, status=PENDING, next_attempt_at=at, last_error=error)

    async def mark_failed(self, claimed: SubmissionRecord, error: str) -> None:
        await self._settle(claimed, status=FAILED, next_attempt_at=None, last_error=error)

    async def retry(self, submission_id: str) -> bool:
        """Put a failed submission back in the queue (the operator fixed the cause)."""
        table = submissions_table
        async with self.database.writing() as connection:
            result = await connection.execute(
                update(table)
                .where(table.c.id == submission_id, table.c.status == FAILED)
                .values(status=PENDING, next_attempt_at=None)
            )
        return bool(result.rowcount)

    async def _settle(self, claimed: SubmissionRecord, **values: object) -> None:
        # The attempt counter fences the update: a worker whose lease ran out and was
        # overtaken cannot overwrite what the newer claim decided.
        table = submissions_table
        async with self.database.writing() as connection:
            result = await connection.execute(
                update(table)
                .where(
                    table.c.id == claimed.id,
                    table.c.attempts == claimed.attempts,
                    table.c.status == SENDING,
                )
                .values(**values)
            )
        if result.rowcount != 1:
            raise LeaseLost(claimed.id)
