"""The inbox worker: stored deliveries become turns in arrival order per lane, unreadable
ones are set aside without a traceback, failing ones are retried then given up, and a
database outage pauses a lane without losing or settling anything."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.inbox_worker import InboxRetry, InboxWorker
from bot.runner import DatabaseUnavailable, TurnResult
from conversations.addresses import AddressesOnly
from conversations.events import CommandIssued, Event
from conversations.state import Actor
from storage.inbox import Inbox, InboxEntry, NewDelivery, settle
from storage.repository import ReportStore
from tests.storage.pending import pending

FAST = InboxRetry(
    delays=(0.02, 0.02),
    longest_wait=0.05,
    give_up_after=5.0,
    sweep_every=0.05,
    sweep_after=timedelta(0),
)
ACTOR = Actor(id="U1", name="Una")


class TextDecoder:
    """Payloads {"text": ...} become commands; {"garbage": ...} are unreadable."""

    async def event_of(self, payload: dict[str, object]) -> Event | None:
        if "garbage" in payload:
            raise ValueError("not a payload this decoder knows")
        if payload.get("text") is None:
            return None
        return CommandIssued(
            event_id=f"E-{payload['text']}",
            platform="test",
            channel=str(payload.get("channel", "C1")),
            actor=ACTOR,
            text=str(payload["text"]),
        )


class Recorder:
    """A stand-in turn: records the command, settles the delivery. `failures`: how many
    times a text's turn fails first ("down..." as a database outage, others as a bug)."""

    def __init__(self, inbox: Inbox, failures: dict[str, int] | None = None) -> None:
        self.inbox = inbox
        self.seen: list[str] = []
        self.failures = dict(failures or {})

    async def __call__(self, event: Event, entry: InboxEntry) -> TurnResult:
        assert isinstance(event, CommandIssued)
        if self.failures.get(event.text, 0) > 0:
            self.failures[event.text] -= 1
            if event.text.startswith("down"):
                raise DatabaseUnavailable("connection refused")
            raise RuntimeError("the turn blew up")
        await asyncio.sleep(0.001 * (len(self.seen) % 3))  # lanes interleave
        self.seen.append(event.text)
        async with self.inbox.database.writing() as connection:
            await settle(connection, entry.id, "handled", datetime.now(UTC))
        return TurnResult("handled")


async def put(inbox: Inbox, n: int, text: str | None, lane: str = "L1", **extra: str) -> None:
    payload: dict[str, object] = {"text": text, **extra} if text is not None else dict(extra)
    await inbox.accept(
        NewDelivery(
            platform="test",
            delivery_id=f"D{n}",
            lane=lane,
            payload=payload,
            received_at=datetime.now(UTC),
        )
    )


_made: list[InboxWorker] = []


@pytest.fixture(autouse=True)
async def _close_workers(store: ReportStore) -> AsyncIterator[None]:
    # Set up after `store`, so torn down before it: every worker is closed (its lanes and
    # retry timers finished) before the database is disposed, or a lane still in flight
    # leaves a connection for the garbage collector.
    yield
    while _made:
        await _made.pop().close()


def make(
    store: ReportStore, failures: dict[str, int] | None = None
) -> tuple[Inbox, Recorder, InboxWorker, list[Event]]:
    inbox = Inbox(store.database)
    recorder = Recorder(inbox, failures)
    apologies: list[Event] = []

    async def apologise(event: Event) -> None:
        apologies.append(event)

    async def keep_addresses(entry: InboxEntry, found: AddressesOnly) -> None:
        raise AssertionError("the test decoder brings no addresses")

    worker = InboxWorker(
        inbox,
        recorder,
        {"test": TextDecoder()},
        keep_addresses=keep_addresses,
        apologise=apologise,
        retry=FAST,
        concurrency=4,
    )
    _made.append(worker)
    return inbox, recorder, worker, apologies


async def test_each_lane_in_arrival_order_lanes_side_by_side(store: ReportStore) -> None:
    inbox, recorder, worker, _ = make(store)
    for n in range(20):
        await put(inbox, n, f"{'ab'[n % 2]}{n}", lane=f"L-{'ab'[n % 2]}")
    worker.wake("L-a")
    worker.wake("L-b")
    await worker.idle()
    assert [t for t in recorder.seen if t.startswith("a")] == [f"a{n}" for n in range(0, 20, 2)]
    assert [t for t in recorder.seen if t.startswith("b")] == [f"b{n}" for n in range(1, 20, 2)]
    assert await pending(inbox) == 0


async def test_an_unreadable_delivery_is_set_aside_with_one_warning(
    store: ReportStore, caplog: pytest.LogCaptureFixture
) -> None:
    inbox, recorder, worker, _ = make(store)
    await put(inbox, 1, None, garbage="x")
    await put(inbox, 2, "after")
    with caplog.at_level(logging.WARNING):
        worker.wake("L1")
        await worker.idle()
    assert recorder.seen == ["after"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None
    assert "ignored" in warnings[0].getMessage()


async def test_a_failing_turn_is_retried_then_given_up_and_the_person_told(
    store: ReportStore,
) -> None:
    inbox, recorder, worker, apologies = make(store, {"cursed": 99})
    await put(inbox, 1, "cursed")
    await put(inbox, 2, "after")
    stop = asyncio.Event()
    sweeper = asyncio.create_task(worker.run(stop))
    for _ in range(200):
        if recorder.seen == ["after"]:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await sweeper
    assert recorder.seen == ["after"]
    assert [e.text for e in apologies if isinstance(e, CommandIssued)] == ["cursed"]


async def test_a_turn_that_fails_once_is_retried_before_the_next_delivery(
    store: ReportStore,
) -> None:
    inbox, recorder, worker, apologies = make(store, {"shaky": 1})
    await put(inbox, 1, "shaky")
    await put(inbox, 2, "after")
    worker.wake("L1")
    for _ in range(200):
        await worker.idle()
        if len(recorder.seen) == 2:
            break
        await asyncio.sleep(0.02)
    assert recorder.seen == ["shaky", "after"]
    assert apologies == []


async def test_a_database_outage_pauses_the_lane_and_loses_nothing(store: ReportStore) -> None:
    inbox, recorder, worker, apologies = make(store, {"down": 3})
    await put(inbox, 1, "down")
    await put(inbox, 2, "after")
    worker.wake("L1")
    await worker.idle()
    assert recorder.seen == ["down", "after"]
    assert apologies == []
    assert await pending(inbox) == 0


async def test_the_sweeper_resumes_what_nobody_woke(store: ReportStore) -> None:
    inbox, recorder, worker, _ = make(store)
    for n in range(3):
        await put(inbox, n, f"left-{n}", lane=f"L{n}")
    stop = asyncio.Event()
    sweeper = asyncio.create_task(worker.run(stop))
    for _ in range(200):
        if len(recorder.seen) == 3:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await sweeper
    assert sorted(recorder.seen) == ["left-0", "left-1", "left-2"]
