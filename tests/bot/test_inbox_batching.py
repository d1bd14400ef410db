"""Batching from the inbox: several deliveries waiting for one report are one turn (one load,
one save, one root update), in arrival order, each settled exactly once; a delivery that
fails, a replay among them, or a crash mid-batch loses and doubles nothing."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.memory import MemoryChat
from bot import logs
from bot.inbox_worker import InboxRetry, InboxWorker
from bot.metrics import Metrics
from bot.runner import TurnResult, TurnRunner
from conversations.events import Event
from conversations.policy import Policy
from conversations.state import ReportState
from storage import inbox as inbox_module
from storage.inbox import Inbox, InboxEntry, NewDelivery, inbox_table
from storage.repository import ReportStore, ReportTransaction
from tests.bot.test_runner import CHANNEL, command, reply, start_report
from tests.conversations.harness import ALICE, BOB, small_checklist
from tests.storage.pending import pending

FAST = InboxRetry(
    delays=(0.02, 0.02, 0.02),
    longest_wait=0.05,
    give_up_after=5.0,
    sweep_every=0.05,
    sweep_after=timedelta(0),
)
LANE = f"test:{CHANNEL}"


class Decoder:
    """Stored payloads {"n": k} stand for the k-th event the test made."""

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}

    async def event_of(self, payload: dict[str, object]) -> Event | None:
        return self.events[int(str(payload["n"]))]


class Bot:
    """A runner, its inbox worker and a way to store deliveries, as `serve` wires them."""

    def __init__(self, store: ReportStore) -> None:
        self.store = store
        self.chat = MemoryChat()
        self.runner = TurnRunner(store, self.chat, small_checklist(), Policy())
        self.inbox = Inbox(store.database)
        self.decoder = Decoder()

        async def handle(event: Event, entry: InboxEntry) -> TurnResult:
            return await self.runner.handle(event, delivery=entry, wait=False)

        self.worker = InboxWorker(
            self.inbox,
            handle,
            {"test": self.decoder},
            keep_addresses=self.runner.keep_addresses,
            retry=FAST,
            handle_batch=self.runner.handle_batch,
        )

    async def store_all(self, events: Sequence[Event]) -> list[InboxEntry]:
        """Store the deliveries in one transaction, then hand them all to the worker."""
        first = len(self.decoder.events)
        for n, event in enumerate(events, start=first):
            self.decoder.events[n] = event
        now = datetime.now(UTC)
        ids = await self.inbox.accept_many(
            [
                NewDelivery("test", f"D{n}", LANE, {"n": n}, now)
                for n in range(first, first + len(events))
            ]
        )
        entries = [
            InboxEntry(entry_id, "test", f"D{n}", LANE, {"n": n}, now, 0)
            for n, entry_id in enumerate(ids, start=first)
            if entry_id is not None
        ]
        for entry in entries:
            self.worker.hand_over(entry)
        return entries

    async def settled(self) -> None:
        for _ in range(400):
            await self.worker.idle()
            if await pending(self.inbox) == 0:
                break
            await asyncio.sleep(0.02)
        await self.runner.chat_worker.drain(set(self.runner.chat_worker.lanes()))

    async def close(self) -> None:
        await self.worker.close()
        await self.runner.chat_worker.close()


_bots: list[Bot] = []


@pytest.fixture(autouse=True)
async def _close_bots(store: ReportStore) -> AsyncIterator[None]:
    yield
    while _bots:
        await _bots.pop().close()


def make_bot(store: ReportStore) -> Bot:
    bot = Bot(store)
    _bots.append(bot)
    return bot


def answers(thread: str, count: int, prefix: str = "E") -> list[Event]:
    return [
        reply(BOB if n % 2 else ALICE, f"2.1: 203.0.113.{n}", f"{prefix}{n}", thread)
        for n in range(1, count + 1)
    ]


async def indicators(store: ReportStore, report_id: str) -> list[str]:
    state = await store.load(report_id)
    assert state is not None
    return [c.raw for c in state.contributions if c.item_id == "detection.iocs"]


async def outcomes(store: ReportStore) -> list[tuple[str, str | None]]:
    async with store.database.engine.connect() as connection:
        rows = await connection.execute(
            select(inbox_table.c.delivery_id, inbox_table.c.outcome)
            .where(inbox_table.c.delivery_id.like("D%"))
            .order_by(inbox_table.c.id)
        )
        return [(row.delivery_id, row.outcome) for row in rows]


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[object]:
    """Each call of `owner.name` is recorded (its first argument after self)."""
    calls: list[object] = []
    original = getattr(owner, name)

    async def counted(self: object, *args: Any, **kwargs: Any) -> Any:
        calls.append(args[0] if args else None)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


async def test_waiting_deliveries_of_one_report_are_one_turn_in_order(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_bot(store)
    report_id, thread = await start_report(bot.runner, bot.chat)
    await bot.runner.chat_worker.drain(set(bot.runner.chat_worker.lanes()))
    roots_before = len(bot.chat.texts("root updated"))
    loads = counting(monkeypatch, ReportStore, "load_committed")
    saves = counting(monkeypatch, ReportTransaction, "save")
    transactions = counting(monkeypatch, inbox_module, "take_run")

    # Three answers that each change what the root message shows, then two more indicators.
    texts = [
        "0.2: Example Corp",
        "2.1: 203.0.113.1",
        "2.2: 12",
        "2.1: 203.0.113.2",
        "2.1: 203.0.113.3",
    ]
    events = [reply(BOB, text, f"E{n}", thread) for n, text in enumerate(texts)]
    await bot.store_all(events)
    await bot.settled()

    state = await store.load(report_id)
    assert state is not None
    assert [c.raw for c in state.contributions] == [t.split(": ", 1)[1] for t in texts]
    assert (len(loads), len(saves), len(transactions)) == (1, 1, 1)
    assert await outcomes(store) == [(f"D{n}", "handled") for n in range(5)]
    assert bot.worker.processed == 5
    for event in events:
        assert await store.is_processed("test", event.event_id)
    # Each answer is acknowledged, in order (privately: none of these questions was asked in
    # the thread yet); the root message is edited once, for all of them.
    assert not any(t.startswith("Recorded") for t in bot.chat.texts("post"))
    recorded = [
        t.removesuffix(" (delete or edit your message to change it)")
        for t in bot.chat.texts("ephemeral")
        if t.startswith("Recorded")
    ]
    assert recorded == [
        "Recorded 0.2 from Bob: Example Corp",
        "Recorded 2.1 from Bob: 203.0.113[.]1",
        "Recorded 2.2 from Bob: 12",
        "Recorded 2.1 from Bob: 203.0.113[.]2",
        "Recorded 2.1 from Bob: 203.0.113[.]3",
    ]
    (root,) = bot.chat.texts("root updated")[roots_before:]
    assert "3/7 answered" in root


async def test_a_batch_stops_at_a_delivery_for_another_report(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_bot(store)
    first_id, first_thread = await start_report(bot.runner, bot.chat)
    second = await bot.runner.handle(command(ALICE, "new another: Second incident", "E-new-2"))
    assert second.step is not None
    assert second.step.state is not None
    second_id = second.step.state.id
    await bot.runner.chat_worker.drain(set(bot.runner.chat_worker.lanes()))
    second_state = await store.load(second_id)
    assert second_state is not None
    assert second_state.thread is not None
    a1, a2, a3 = answers(first_thread, 3, prefix="A")
    (b1,) = answers(second_state.thread, 1, prefix="B")
    taken: list[list[int]] = []
    original = inbox_module.take_run

    async def recording(connection: Any, entry_ids: Any, lane: str) -> Any:
        result = await original(connection, entry_ids, lane)
        taken.append(list(entry_ids)[: result if isinstance(result, int) else 0])
        return result

    monkeypatch.setattr(inbox_module, "take_run", recording)
    entries = await bot.store_all([a1, a2, b1, a3])
    await bot.settled()
    ids = [e.id for e in entries]
    assert taken == [ids[:2]]  # A1 and A2 together; B1 and A3 each a turn of their own
    assert await indicators(store, first_id) == ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    assert await indicators(store, second_id) == ["203.0.113.1"]
    assert await outcomes(store) == [(f"D{n}", "handled") for n in range(4)]


async def test_a_failing_delivery_in_a_batch_loses_and_doubles_nothing(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_bot(store)
    report_id, thread = await start_report(bot.runner, bot.chat)
    failures = {"E3": 2}  # the batch fails, then E3's own turn once; its retry succeeds
    original = TurnRunner._step

    async def failing(
        self: TurnRunner, before: ReportState | None, event: Event, report_id: str | None
    ) -> Any:
        if failures.get(event.event_id, 0) > 0:
            failures[event.event_id] -= 1
            raise RuntimeError("the engine blew up")
        return await original(self, before, event, report_id)

    monkeypatch.setattr(TurnRunner, "_step", failing)
    await bot.store_all(answers(thread, 5))
    await bot.settled()
    assert failures == {"E3": 0}
    assert await indicators(store, report_id) == [f"203.0.113.{n}" for n in range(1, 6)]
    assert await outcomes(store) == [(f"D{n}", "handled") for n in range(5)]


async def test_a_replay_in_a_batch_is_settled_as_duplicate_and_the_rest_recorded(
    store: ReportStore,
) -> None:
    bot = make_bot(store)
    report_id, thread = await start_report(bot.runner, bot.chat)
    events = answers(thread, 4)
    assert (await bot.runner.handle(events[1])).outcome == "handled"  # E2, before the batch
    await bot.store_all(events)
    await bot.settled()
    assert await indicators(store, report_id) == [
        "203.0.113.2",
        "203.0.113.1",
        "203.0.113.3",
        "203.0.113.4",
    ]
    assert await outcomes(store) == [
        ("D0", "handled"),
        ("D1", "duplicate"),
        ("D2", "handled"),
        ("D3", "handled"),
    ]


async def test_a_crash_mid_batch_leaves_every_delivery_to_be_redelivered(
    store: ReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_bot(store)
    report_id, thread = await start_report(bot.runner, bot.chat)
    reached = asyncio.Event()

    async def dying(*_: object) -> None:
        reached.set()
        await asyncio.Event().wait()  # the process dies here, before the commit

    monkeypatch.setattr(inbox_module, "settle_all", dying)
    await bot.store_all(answers(thread, 4))
    await asyncio.wait_for(reached.wait(), 10)
    await bot.worker.close(within=0.1)  # cancels the batch mid-transaction: nothing commits
    assert await indicators(store, report_id) == []
    assert await pending(bot.inbox) == 4
    monkeypatch.undo()

    # The restarted process (a new store: nothing cached) resumes them from the inbox.
    restarted = make_bot(ReportStore(store.database))
    restarted.decoder.events = bot.decoder.events
    stop = asyncio.Event()
    sweeper = asyncio.create_task(restarted.worker.run(stop))
    try:
        await restarted.settled()
    finally:
        stop.set()
        await sweeper
    assert await indicators(store, report_id) == [f"203.0.113.{n}" for n in range(1, 5)]
    assert await outcomes(store) == [(f"D{n}", "handled") for n in range(4)]


async def test_each_delivery_of_a_batch_logs_its_own_finished_line_and_counts_as_a_turn(
    store: ReportStore,
) -> None:
    bot = make_bot(store)
    report_id, thread = await start_report(bot.runner, bot.chat)
    metrics = Metrics()
    bot.worker.handle_batch = logs.logging_batches(
        metrics.counting_batches(bot.runner.handle_batch)
    )
    stream = io.StringIO()
    logs.configure("json", stream)
    try:
        entries = await bot.store_all(answers(thread, 3))
        await bot.settled()
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    finished = [line for line in lines if str(line["message"]).startswith("turn finished")]
    assert [(line["inbox_id"], line["delivery_id"]) for line in finished] == [
        (entry.id, entry.delivery_id) for entry in entries
    ]
    for line in finished:
        assert (line["platform"], line["report_id"], line["outcome"]) == (
            "test",
            report_id,
            "handled",
        )
        assert "one turn for 3 deliveries" in str(line["message"])
    assert metrics.registry.get_sample_value(
        "jcdc_turns_total", {"platform": "test", "outcome": "handled"}
    ) == len(entries)
