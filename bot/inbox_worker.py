"""The inbox worker: turns stored deliveries into turns, one lane (channel) at a time in
arrival order, many lanes at once.

A delivery stored by this replica wakes its lane at once (`wake`). A sweeper resumes lanes
whose deliveries nobody is working on: after a restart, after a database outage, and those
another replica stored but did not get to. Two replicas on one lane do not collide: the turn
takes its delivery with a row lock inside its own transaction (storage.inbox.take), so the
second one skips it.

Deliveries waiting behind a lane's head (handed over by this replica, or, when resuming, read
from the inbox) go to the runner's batch handler with it, which processes those of one report
as one turn (bot.runner.TurnRunner.handle_batch); a batch that fails goes one by one.

Failures:
- database unreachable: the lane waits and tries again with backoff, then leaves the rest
  to the sweeper; nothing is lost, and nothing is settled that did not happen;
- the delivery cannot be read (a payload that passed the signature check but not the shape
  check): settled as ignored, with one warning line;
- the turn fails for another reason: retried with backoff a few times, then settled as
  failed (kept with its error) and the person told, so that one delivery cannot block its
  channel for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.clock import utc_now
from bot.runner import BatchDispatch, DatabaseUnavailable, Dispatch, NotBatched, TurnResult
from conversations.addresses import AddressesOnly
from conversations.events import Event
from storage.inbox import IGNORED, Inbox, InboxEntry
from storage.transient import is_transient

log = logging.getLogger(__name__)


class Unreadable(ValueError):
    """A stored delivery that cannot be turned into an event."""


class Decoder(Protocol):
    async def event_of(self, payload: dict[str, object]) -> Event | AddressesOnly | None:
        """The event a stored payload stands for; AddressesOnly or None when it is not the
        bot's business (with or without addresses to keep); raises Unreadable (or
        ValueError) for a payload of the wrong shape."""
        ...


# Settle a delivery that is no event, keeping the addresses it brought (one transaction).
KeepAddresses = Callable[[InboxEntry, AddressesOnly], Awaitable[None]]
# Tell the person a delivery of theirs was given up (after its event was read).
Apologise = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class InboxRetry:
    # A turn failing for a reason other than the database: tried again after these delays.
    delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    # The database unreachable: the lane backs off up to this long between tries ...
    longest_wait: float = 5.0
    # ... and gives up (for the sweeper to resume) after this long.
    give_up_after: float = 30.0
    sweep_every: float = 1.0
    # Younger deliveries are their receiving replica's to process.
    sweep_after: timedelta = timedelta(seconds=2)
    # Processed deliveries are kept this long (for the operator), then purged.
    keep_done: timedelta = timedelta(days=7)
    purge_every: float = 3600.0


class InboxWorker:
    def __init__(
        self,
        inbox: Inbox,
        handle: Dispatch,
        decoders: Mapping[str, Decoder],
        *,
        keep_addresses: KeepAddresses,
        concurrency: int = 4,
        apologise: Apologise | None = None,
        retry: InboxRetry | None = None,
        clock: Callable[[], datetime] = utc_now,
        handle_batch: BatchDispatch | None = None,
        batch_limit: int = 20,
    ) -> None:
        self.inbox = inbox
        self.handle = handle
        # Several deliveries waiting in a lane go to `handle_batch` together (one turn for
        # those of one report); without it, one by one.
        self.handle_batch = handle_batch
        self.batch_limit = batch_limit
        self.decoders = decoders
        self.keep_addresses = keep_addresses
        self.apologise = apologise
        self.retry = retry or InboxRetry()
        self.clock = clock
        # At most this many turns at once: acknowledgements stay quick under a burst.
        self.slots = asyncio.Semaphore(concurrency)
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        # Deliveries this replica just stored, handed over so that they are not read back.
        self._handed: dict[str, dict[int, InboxEntry]] = {}
        # Lanes whose last turn saw nothing unfinished behind its delivery: the lane's task
        # ends without reading the inbox again (unless woken meanwhile).
        self._emptied: set[str] = set()
        self._closing = False
        self.processed = 0

    def hand_over(self, entry: InboxEntry) -> None:
        """A delivery was just stored: process it (in its lane's order)."""
        self._handed.setdefault(entry.lane, {})[entry.id] = entry
        self.wake(entry.lane)

    def wake(self, lane: str) -> None:
        if self._closing:
            # A retry timer firing after close(): the delivery waits in the inbox for the
            # next start, and no new turn may open a connection to a database being closed.
            return
        task = self._lanes.get(lane)
        if task is not None and not task.done():
            self._again.add(lane)
            return
        self._lanes[lane] = asyncio.create_task(self._work(lane), name=f"inbox:{lane}")

    def busy(self) -> bool:
        return any(not task.done() for task in self._lanes.values())

    async def idle(self) -> None:
        """Wait until this replica works on no lane (tests, shutdown)."""
        while running := [t for t in self._lanes.values() if not t.done()]:
            await asyncio.wait(running)

    async def run(self, stop: asyncio.Event) -> None:
        """Resume abandoned lanes and purge old deliveries until `stop`."""
        last_purge = 0.0
        failing_since: float | None = None
        while not stop.is_set():
            try:
                for lane in await self.inbox.waiting_lanes(
                    self.clock(), self.retry.sweep_after, limit=200
                ):
                    self.wake(lane)
                if time.monotonic() - last_purge > self.retry.purge_every:
                    gone = await self.inbox.purge(self.clock() - self.retry.keep_done)
                    last_purge = time.monotonic()
                    if gone:
                        log.info("purged %d processed deliveries from the inbox", gone)
                if failing_since is not None:
                    log.warning("database reachable again; resuming the inbox")
                    failing_since = None
            except Exception as error:
                if not is_transient(error):
                    log.exception("inbox sweep failed")
                elif failing_since is None or time.monotonic() - failing_since > 10:
                    log.warning("inbox sweep: database unavailable (%s)", type(error).__name__)
                    failing_since = time.monotonic()
            self._lanes = {lane: t for lane, t in self._lanes.items() if not t.done()}
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.retry.sweep_every)

    async def close(self, within: float = 10.0) -> None:
        """Let the turns in progress finish; the rest stays in the inbox for next time."""
        tasks = [t for t in self._lanes.values() if not t.done()]
        self._closing = True
        if tasks:
            await asyncio.wait(tasks, timeout=within)
        for task in tasks:
            task.cancel()
        # Awaited once cancelled, so that what they held (a database connection) is given
        # back before the database is closed.
        await asyncio.gather(*tasks, return_exceptions=True)

    def _next_handed(self, lane: str) -> InboxEntry | None:
        handed = self._handed.get(lane)
        if not handed:
            return None
        return handed.pop(min(handed))

    async def _work(self, lane: str) -> None:
        started = time.monotonic()
        wait = 0.1
        from_database = False
        while not self._closing:
            woken = lane in self._again
            self._again.discard(lane)
            emptied = lane in self._emptied
            self._emptied.discard(lane)
            entry: InboxEntry | None = None
            handed = False
            try:
                entry = None if from_database else self._next_handed(lane)
                handed = entry is not None
                if entry is None and emptied and not woken and not from_database:
                    # The turn just done saw nothing behind it; what another replica stores
                    # after that is the sweeper's to find, as it would be a moment later.
                    return
                if entry is None:
                    entry = await self.inbox.head(lane, self.clock())
                if entry is None:
                    if from_database:
                        return  # the head is not due yet: its retry wakes the lane
                    if lane in self._again:
                        continue
                    return
                async with self.slots:
                    outcome = await self._process_with_followers(entry, handed)
                if outcome == "later":
                    # An earlier delivery of the lane is unfinished (a failed one waiting for
                    # its retry, one another replica stored): the database says which.
                    if handed:
                        self._handed.setdefault(lane, {})[entry.id] = entry
                    if from_database:
                        return  # the head itself is not due yet: its retry wakes the lane
                    from_database = True
                    continue
                if outcome == "gone" and not handed:
                    return  # another replica has the lane's head: it goes on from there
                from_database = False
                started, wait = time.monotonic(), 0.1
            except Exception as error:
                if handed and entry is not None:
                    self._handed.setdefault(lane, {})[entry.id] = entry
                if not (isinstance(error, DatabaseUnavailable) or is_transient(error)):
                    log.exception("inbox lane %s stopped", lane)
                    return
                if time.monotonic() - started > self.retry.give_up_after:
                    log.warning(
                        "inbox lane %s paused: database unavailable (%s); the sweeper resumes it",
                        lane,
                        type(error).__name__,
                    )
                    return
                await asyncio.sleep(wait)
                wait = min(wait * 2, self.retry.longest_wait)

    async def _process_with_followers(
        self, entry: InboxEntry, handed: bool
    ) -> Literal["done", "gone", "later"]:
        """Process the lane's head together with the deliveries waiting behind it (those this
        replica was handed, or, resuming from the database, the inbox's), when there are any
        and a batch handler is set; otherwise alone. What it says is about the head."""
        if self.handle_batch is None or self.batch_limit < 2:
            return await self._process(entry)
        lane_handed = self._handed.get(entry.lane, {})
        if handed:
            later = sorted(i for i in lane_handed if i > entry.id)[: self.batch_limit - 1]
            followers = [lane_handed[i] for i in later]
        else:
            followers = await self.inbox.following(entry, self.clock(), self.batch_limit - 1)
        if not followers:
            return await self._process(entry)
        event = await self._event(entry)
        if event is None:
            return "done"
        batch = [(event, entry)]
        for follower in followers:
            decoder = self.decoders.get(follower.platform)
            try:
                follows = await decoder.event_of(follower.payload) if decoder else None
            except ValueError:
                follows = None  # set aside when its own turn comes
            if follows is None or isinstance(follows, AddressesOnly):
                break
            batch.append((follows, follower))
        if len(batch) == 1:
            return await self._turn(entry, event)
        try:
            results = await self.handle_batch(batch)
        except Exception as error:
            if isinstance(error, DatabaseUnavailable) or is_transient(error):
                raise
            if not isinstance(error, NotBatched):
                log.warning("a batch of %d deliveries failed (%r); one by one", len(batch), error)
            return await self._one_by_one(batch)
        self.processed += len(results)
        if len(results) == 1:
            return self._outcome(results[0])
        for _, settled in batch[: len(results)]:
            lane_handed.pop(settled.id, None)
        return "done"

    async def _one_by_one(
        self, batch: list[tuple[Event, InboxEntry]]
    ) -> Literal["done", "gone", "later"]:
        """A batch that could not be one turn, as separate turns, in order, until one is not
        done; the rest stay where they were, for the lane's next round."""
        lane_handed = self._handed.get(batch[0][1].lane, {})
        first = await self._turn(batch[0][1], batch[0][0])
        if first != "done":
            return first
        for event, entry in batch[1:]:
            if await self._turn(entry, event) != "done":
                break
            lane_handed.pop(entry.id, None)
        return "done"

    async def _process(self, entry: InboxEntry) -> Literal["done", "gone", "later"]:
        """Process a delivery: done (or set aside), gone (another replica had it), or later
        (not its lane's head)."""
        event = await self._event(entry)
        if event is None:
            return "done"
        return await self._turn(entry, event)

    async def _event(self, entry: InboxEntry) -> Event | None:
        """The delivery's event; None when there is none and the delivery is settled (set
        aside as unreadable or not the bot's business, or its addresses kept)."""
        decoder = self.decoders.get(entry.platform)
        try:
            if decoder is None:
                raise Unreadable(f"no decoder for platform {entry.platform!r}")
            event = await decoder.event_of(entry.payload)
        except ValueError as error:
            log.warning(
                "inbox delivery %s (%s %s) ignored: %s",
                entry.id,
                entry.platform,
                entry.delivery_id,
                error,
            )
            await self.inbox.settle_alone(entry.id, IGNORED, self.clock())
            return None
        if event is None:
            await self.inbox.settle_alone(entry.id, IGNORED, self.clock())
            return None
        if isinstance(event, AddressesOnly):
            await self.keep_addresses(entry, event)
            return None
        return event

    async def _turn(self, entry: InboxEntry, event: Event) -> Literal["done", "gone", "later"]:
        try:
            result = await self.handle(event, entry)
        except Exception as error:
            if isinstance(error, DatabaseUnavailable) or is_transient(error):
                raise
            await self._failed(entry, event, error)
            return "done"
        self.processed += 1
        if not result.more_in_lane:
            self._emptied.add(entry.lane)
        return self._outcome(result)

    @staticmethod
    def _outcome(result: TurnResult) -> Literal["done", "gone", "later"]:
        if result.outcome == "busy":
            return "gone"
        if result.outcome == "later":
            return "later"
        return "done"

    async def _failed(self, entry: InboxEntry, event: Event, error: Exception) -> None:
        delays = self.retry.delays
        now = self.clock()
        if entry.attempts < len(delays):
            log.warning(
                "turn for delivery %s (%s) failed (%r); retrying",
                entry.id,
                event.event_id,
                error,
            )
            retry_at = now + timedelta(seconds=delays[entry.attempts])
            await self.inbox.failed_attempt(entry, repr(error), now, retry_at)
            self._retry_later(entry.lane, delays[entry.attempts])
            return
        log.error(
            "delivery %s (%s) given up after %d attempts",
            entry.id,
            event.event_id,
            entry.attempts + 1,
            exc_info=error,
        )
        await self.inbox.failed_attempt(entry, repr(error), now, None)
        if self.apologise is not None:
            try:
                await self.apologise(event)
            except Exception:
                log.exception("could not tell %s that delivery %s failed", event.actor.id, entry.id)

    def _retry_later(self, lane: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(delay + 0.05, self.wake, lane)
