"""The outbox worker: delivers confirmed submissions and tells the thread what happened."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from adapters.email.message import MailEnvelope, PreviousSend, build_submission_email
from adapters.email.message_id import new_message_id
from adapters.email.smime import Smime
from adapters.email.transport import DeliveryError, Transport
from bot.clock import utc_now
from bot.runner import BOT_ACTOR, TurnRunner
from conversations.checklist import Checklist
from conversations.events import SubmissionOutcome
from conversations.policy import Policy
from conversations.state import ReportState
from documents.assembly import assemble
from storage.outbox import SENT, LeaseLost, Outbox
from storage.repository import SubmissionRecord
from storage.transient import is_transient

log = logging.getLogger(__name__)
Outcome = Literal["sent", "retrying", "failed"]


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    longest_delay: timedelta = timedelta(hours=1)
    # After this many attempts a temporary failure counts as final.
    attempts: int = 12
    # A claim not settled within this time is taken again by the next claim.
    lease: timedelta = timedelta(minutes=5)

    def delay(self, attempt: int) -> timedelta:
        doubling: int = 1 << min(max(attempt - 1, 0), 20)
        return min(self.first_delay * doubling, self.longest_delay)


class OutboxWorker:
    def __init__(
        self,
        outbox: Outbox,
        transport: Transport,
        envelope: MailEnvelope,
        checklist: Checklist,
        policy: Policy,
        runner: TurnRunner | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        smime: Smime | None = None,
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.envelope = envelope
        self.checklist = checklist
        self.policy = policy
        self.runner = runner
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.smime = smime

    async def deliver_one(self) -> SubmissionRecord | None:
        """Claim and attempt one submission; None when nothing is due."""
        claimed = await self.outbox.claim(self.clock(), self.retry.lease)
        if claimed is None:
            return None
        try:
            claimed = await self._ensure_message(claimed)
            assert claimed.message is not None
            recipients = [*self.envelope.recipients, *self.envelope.cc]
            try:
                where = await self.transport.send(claimed.message, self.envelope.sender, recipients)
            except DeliveryError as error:
                await self._failed_attempt(claimed, error)
            else:
                now = self.clock()
                await self.outbox.mark_sent(claimed, now)
                log.info("submission %s sent via %s", claimed.id, where)
                await self._tell(claimed, "sent", now)
        except LeaseLost:
            log.warning("submission %s was taken over by another worker", claimed.id)
        return claimed

    async def drain(self, limit: int = 1000) -> int:
        """Deliver everything that is due now; returns how many attempts were made."""
        attempts = 0
        while attempts < limit and await self.deliver_one() is not None:
            attempts += 1
        return attempts

    async def reconcile(self, within: timedelta = timedelta(days=1)) -> int:
        """Tell the thread about every recent outcome it has not heard of: a worker that
        died between settling a submission and telling the thread (the outcome turn) left
        one untold. The outcome turn's event id is the same each time, so an outcome already
        told is not told twice. Returns how many were told now."""
        if self.runner is None:
            return 0
        told = 0
        for record in await self.outbox.settled_since(self.clock() - within):
            event_id = _outcome_event_id(record)
            if await self.runner.store.is_processed("internal", event_id):
                continue
            if record.status == SENT:
                await self._tell(record, "sent", record.sent_at or self.clock())
            else:
                await self._tell(record, "failed", self.clock(), detail=record.last_error or "")
            told += 1
        if told:
            log.info("told %d delivery outcomes that a stopped worker had not", told)
        return told

    async def run(self, stop: asyncio.Event, poll_seconds: float = 5.0) -> None:
        while not stop.is_set():
            try:
                await self.reconcile()
                await self.drain()
            except Exception as error:
                if is_transient(error):
                    # The database is away: the submissions wait in it, nothing to report
                    # beyond that.
                    log.warning("outbox worker: database unavailable (%s)", type(error).__name__)
                else:
                    log.exception("outbox worker pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)

    async def _ensure_message(self, claimed: SubmissionRecord) -> SubmissionRecord:
        """Build and store the e-mail once, before the first attempt; retries reuse it."""
        if claimed.message is not None:
            return claimed
        state = ReportState.model_validate(claimed.snapshot)
        report = assemble(state, self.checklist, self.policy)
        previous = await self.outbox.previous_sent(claimed)
        earlier = None
        if previous is not None and previous.message_id and previous.sent_at:
            earlier = PreviousSend(
                message_id=previous.message_id,
                sent_at=previous.sent_at,
                report=assemble(
                    ReportState.model_validate(previous.snapshot), self.checklist, self.policy
                ),
            )
        message_id = new_message_id(
            self.envelope.sender, f"jcdc.{state.short_id}.v{claimed.report_version}"
        )
        email = build_submission_email(
            report, self.envelope, message_id=message_id, date=self.clock(), previous=earlier
        )
        if self.smime is not None:
            email = self.smime.protect(email)
        message = email.as_bytes()
        await self.outbox.store_message(claimed, message_id, message)
        return claimed.model_copy(update={"message_id": message_id, "message": message})

    async def _failed_attempt(self, claimed: SubmissionRecord, error: DeliveryError) -> None:
        now = self.clock()
        if error.permanent or claimed.attempts >= self.retry.attempts:
            reason = (
                error.reason
                if error.permanent
                else (f"{error.reason} (gave up after {claimed.attempts} attempts)")
            )
            await self.outbox.mark_failed(claimed, reason)
            log.error("submission %s failed: %s", claimed.id, reason)
            await self._tell(claimed, "failed", now, detail=reason)
            return
        next_attempt = now + self.retry.delay(claimed.attempts)
        await self.outbox.mark_retry(claimed, error.reason, next_attempt)
        log.warning("submission %s delayed: %s", claimed.id, error.reason)
        await self._tell(
            claimed, "retrying", now, detail=error.reason, next_attempt_at=next_attempt
        )

    async def _tell(
        self,
        claimed: SubmissionRecord,
        outcome: str,
        at: datetime,
        detail: str = "",
        next_attempt_at: datetime | None = None,
    ) -> None:
        if self.runner is None:
            return
        channel = str(claimed.snapshot.get("channel", ""))
        await self.runner.handle(
            SubmissionOutcome(
                event_id=_outcome_event_id(claimed),
                platform="internal",
                channel=channel,
                actor=BOT_ACTOR,
                report_id=claimed.report_id,
                submission_id=claimed.id,
                outcome=outcome,
                at=at,
                message_id=claimed.message_id,
                detail=detail,
                next_attempt_at=next_attempt_at,
            )
        )


def _outcome_event_id(record: SubmissionRecord) -> str:
    # The attempt that settled it: "retrying" outcomes of earlier attempts are other events.
    return f"outcome:{record.id}:{record.attempts}"
