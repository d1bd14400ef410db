"""The chat worker: effects a committed turn wrote are performed — after a crash too, in
order, retried, paced per channel across replicas, and root updates coalesced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from adapters.memory import MemoryChat
from bot.chat_worker import EFFECT, ChatRetry, ChatWorker, Pacing
from conversations.effects import Effect, Post, PostRoot, UpdateRoot
from conversations.policy import Policy
from conversations.richtext import plain
from storage.chat_outbox import ChatOutbox, NewEffect, enqueue
from storage.database import Database
from storage.repository import ReportStore
from tests.bot.cards import card
from tests.conversations.harness import small_checklist
from tests.storage.pending import pending

FAST = ChatRetry(
    delays=(0.05, 0.05), sweep_every=0.05, sweep_after=timedelta(0), lease=timedelta(seconds=5)
)


def post(text: str, channel: str = "C1") -> Post:
    return Post(channel=channel, thread="T1", text=(plain(text),))


async def write(database: Database, *effects: Effect, platform: str = "test") -> None:
    rows = [
        NewEffect(
            platform=platform,
            lane=f"{platform}:{getattr(e, 'channel', '')}",
            report_id=None,
            effect=EFFECT.dump_python(e, mode="json"),
        )
        for e in effects
    ]
    async with database.writing() as connection:
        await enqueue(connection, rows, datetime.now(UTC))


def worker(store: ReportStore, chat: object, owner: str = "a", **options: object) -> ChatWorker:
    return ChatWorker(
        ChatOutbox(store.database, owner),
        chat,  # type: ignore[arg-type]
        checklist=small_checklist(),
        policy=Policy(),
        load_report=store.load,
        retry=FAST,
        **options,  # type: ignore[arg-type]
    )


async def run_until(
    chat_worker: ChatWorker, done: Callable[[], bool], within: float = 10.0
) -> None:
    """Run the worker with its sweeper (as `serve` does) until `done()` or `within` s."""
    stop = asyncio.Event()
    task = asyncio.create_task(chat_worker.run(stop))
    try:
        for _ in range(int(within / 0.02)):
            if done():
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task


async def test_effects_left_by_a_crashed_process_are_performed_after_the_restart(
    store: ReportStore,
) -> None:
    # A turn committed these, and its process died before posting any of them.
    await write(store.database, post("first"), post("second"), post("third", channel="C2"))
    chat = MemoryChat()
    restarted = worker(store, chat)
    await run_until(restarted, lambda: len(chat.texts("post")) == 3)
    # In order within a channel; channels side by side.
    assert [t for t in chat.texts("post") if t != "third"] == ["first", "second"]
    assert sorted(chat.texts("post")) == ["first", "second", "third"]
    assert await pending(restarted.outbox) == 0


@dataclass
class FlakyChat(MemoryChat):
    failures: int = 0
    attempts: list[str] = field(default_factory=list)

    async def post(self, effect: Post) -> str:
        text = effect.text[0].text
        self.attempts.append(text)
        if text == "flaky" and self.failures > 0:
            self.failures -= 1
            raise ConnectionResetError("the platform hung up")
        return await super().post(effect)


async def test_a_failing_post_is_retried_and_nothing_after_it_overtakes_it(
    store: ReportStore,
) -> None:
    chat = FlakyChat(failures=2)
    await write(store.database, post("flaky"), post("after"))
    chat_worker = worker(store, chat)
    await run_until(chat_worker, lambda: len(chat.texts("post")) == 2)
    assert chat.texts("post") == ["flaky", "after"]
    assert chat.attempts == ["flaky", "flaky", "flaky", "after"]


async def test_an_effect_that_keeps_failing_is_given_up_and_the_lane_goes_on(
    store: ReportStore,
) -> None:
    chat = FlakyChat(failures=100)
    await write(store.database, post("flaky"), post("after"))
    chat_worker = worker(store, chat)
    await run_until(chat_worker, lambda: chat.texts("post") == ["after"])
    assert chat.texts("post") == ["after"]
    assert chat_worker.given_up == 1
    assert await pending(chat_worker.outbox) == 0


@dataclass
class TimedChat(MemoryChat):
    times: list[float] = field(default_factory=list)

    async def post(self, effect: Post) -> str:
        self.times.append(time.monotonic())
        return await super().post(effect)


async def test_two_replicas_posting_to_one_channel_share_its_pace(store: ReportStore) -> None:
    chat = TimedChat()
    pace = {"test": Pacing(per_second=4.0, burst=1)}
    a = worker(store, chat, "replica-a", pacing=pace)
    b = worker(store, chat, "replica-b", pacing=pace)
    await write(store.database, post("a1"), post("a2"))
    start = time.monotonic()
    a.wake("test:C1")
    await a.drain({"test:C1"})
    # Another replica takes the channel over right away: it goes on with the schedule the
    # first one left in the lane, instead of starting a fresh burst.
    await write(store.database, post("b1"))
    b.wake("test:C1")
    await b.drain({"test:C1"})
    assert chat.texts("post") == ["a1", "a2", "b1"]
    # The pace is a floor on when each post may go (4 a second, a burst of 1): the k-th post
    # goes no earlier than k quarter-seconds after the start. A gap between two posts is not
    # such a floor: a post held up by a busy machine shortens the gap after it. A fresh burst
    # on replica b would post b1 right after a2, about 0.25 s after the start.
    late = [at - start - k * 0.25 for k, at in enumerate(chat.times)]
    assert all(lateness >= -0.02 for lateness in late), late


def update(card_title: str, message_id: str = "ROOT") -> UpdateRoot:
    return UpdateRoot(channel="C1", message_id=message_id, card=card(card_title))


async def test_a_backlog_of_root_updates_reaches_the_platform_once(store: ReportStore) -> None:
    chat = MemoryChat()
    await write(
        store.database,
        update("v1"),
        post("between"),
        update("v2"),
        update("other root", message_id="ROOT-2"),
        update("v3"),
    )
    chat_worker = worker(store, chat)
    chat_worker.wake("test:C1")
    await chat_worker.drain({"test:C1"})
    assert [line.kind for line in chat.transcript] == ["post", "root updated", "root updated"]
    assert {chat.roots["ROOT"].title, chat.roots["ROOT-2"].title} == {"v3", "other root"}


async def test_a_posted_root_is_reported_back_before_the_effect_counts_as_done(
    store: ReportStore,
) -> None:
    chat = MemoryChat()
    seen: list[tuple[str, str]] = []
    chat_worker = worker(store, chat)

    async def root_posted(pending: object, effect: PostRoot, message_id: str) -> None:
        seen.append((effect.report_id, message_id))

    chat_worker.root_posted = root_posted
    await write(store.database, PostRoot(report_id="R1", channel="C1", card=card("t")))
    chat_worker.wake("test:C1")
    await chat_worker.drain({"test:C1"})
    assert seen == [("R1", "m1")]
