"""The intake port on the inbox: store a delivery within a deadline, then wake its lane."""

from __future__ import annotations

import asyncio
import logging

from adapters.intake import Delivery, Unavailable
from bot.clock import utc_now
from bot.inbox_worker import InboxWorker
from storage.inbox import Inbox, InboxEntry, NewDelivery

log = logging.getLogger(__name__)

# Slack gives up after 3 seconds; an answer after that is as good as none. Better to answer
# 503 in time, so that the platform retries, than 200 too late.
STORE_DEADLINE = 2.0


class StoringIntake:
    def __init__(self, inbox: Inbox, worker: InboxWorker, deadline: float = STORE_DEADLINE) -> None:
        self.inbox = inbox
        self.worker = worker
        self.deadline = deadline
        self.stored = 0
        self.duplicates = 0

    async def accept(self, delivery: Delivery) -> None:
        new = NewDelivery(
            platform=delivery.platform,
            delivery_id=delivery.delivery_id,
            lane=delivery.lane,
            payload=delivery.payload,
            received_at=utc_now(),
        )
        storing = asyncio.ensure_future(self.inbox.accept(new))
        # A write that outlives the deadline finishes on its own; its outcome, whatever it
        # is, must not end up as an "exception never retrieved" in the log.
        storing.add_done_callback(_consume)
        try:
            entry_id = await asyncio.wait_for(asyncio.shield(storing), timeout=self.deadline)
        except Exception as error:
            # Whatever the cause, it is not stored (or not known to be): the platform must
            # hear so. A write that commits after the deadline is deduplicated on retry.
            raise Unavailable(f"{type(error).__name__}: {error}") from error
        if entry_id is None:
            self.duplicates += 1
            return
        self.stored += 1
        self.worker.hand_over(
            InboxEntry(
                id=entry_id,
                platform=new.platform,
                delivery_id=new.delivery_id,
                lane=new.lane,
                payload=new.payload,
                received_at=new.received_at,
                attempts=0,
            )
        )


def _consume(task: asyncio.Future[int | None]) -> None:
    if not task.cancelled():
        task.exception()
