"""What one turn costs as the report grows, how often it crosses into SQLite's driver thread,
and how much memory turns on one big report keep.

    .venv/bin/python -m benchmarks.bench_turn_cost [--quick] [--postgres URL] [--only WHAT]

Three tables, each against a baseline measured in the same run (this machine is shared and
noisy: ratios travel, absolute milliseconds do not):

- hops: SQLite driver-thread hops per turn and per bare transaction (a counter in
  storage.sqlite_driver, not a timing);
- size sweep: CPU ms per turn (process time: the event loop and the driver thread) on reports
  with 10 / 100 / 1,000 / 5,000 existing contributions, spread over the checklist or all in
  one IOC item, as a ratio to the 10-contribution report;
- batches: CPU ms and hops per delivery when 10 deliveries for one report wait in the inbox,
  processed one turn each or as one batched turn (TurnRunner.handle_batch);
- RSS sweep: the process's resident memory after batches of turns on one 5,000-indicator
  report, and after opening many reports (in a subprocess each, so that one sweep's garbage
  does not count in the next).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from adapters.memory import MemoryChat
from bot.inbox_worker import InboxWorker
from bot.runner import TurnResult, TurnRunner
from conversations.answers import Accepted, parse_answer
from conversations.checklist import AnswerKind, Checklist, Item, default_checklist
from conversations.events import Event, MessagePosted
from conversations.policy import Policy
from conversations.state import Actor, Contribution, ReportState
from storage import sqlite_driver
from storage.database import Database, normalise_url
from storage.inbox import Inbox, InboxEntry, NewDelivery
from storage.repository import ReportStore

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
PEOPLE = [Actor(id=f"U{n:02d}", name=f"Responder {n}") for n in range(50)]
SIZES = (10, 100, 1000, 5000)

# -- counting driver-thread hops --------------------------------------------------------------


@contextmanager
def counting_hops() -> Iterator[Callable[[], int]]:
    """Calls handed to a SQLite driver thread (storage.sqlite_driver counts them) since the
    block began."""
    start = sqlite_driver.Connection.hops
    yield lambda: sqlite_driver.Connection.hops - start


# -- reports of a given size ------------------------------------------------------------------


def _value(item: Item, text: str) -> object:
    parsed = parse_answer(item, text)
    assert isinstance(parsed, Accepted), (item.id, text, parsed)
    return parsed.value


def ioc_text(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def report_of(checklist: Checklist, size: int, shape: str, report_id: str) -> ReportState:
    """`size` contributions: `spread` over every text item, or all in the IOC item."""
    ioc = next(i for i in checklist.items() if i.kind is AnswerKind.IOCS)
    texts = [i for i in checklist.items() if i.kind is AnswerKind.TEXT]
    rows = []
    for n in range(size):
        if shape == "ioc":
            item, raw = ioc, ioc_text(n)
            value = _value(item, raw)
        else:
            item = texts[n % len(texts)]
            raw = f"finding {n}"
            value = raw
        rows.append(
            Contribution(
                id=f"{report_id}-c{n}",
                item_id=item.id,
                author=PEOPLE[n % len(PEOPLE)],
                at=T0 + timedelta(seconds=n),
                via="direct",
                source_message_id=f"{report_id}-m{n}",
                raw=raw,
                value=value,
            )
        )
    return ReportState(
        id=report_id,
        platform="bench",
        channel=f"C-{report_id}",
        thread=f"ROOT-{report_id}",
        title=f"Report of {size}",
        lead=PEOPLE[0],
        created_at=T0,
        updated_at=T0 + timedelta(seconds=size),
        checklist_version=checklist.version,
        contributions=tuple(rows),
    )


async def seeded(store: ReportStore, state: ReportState) -> None:
    async with store.transaction() as transaction:
        await transaction.save(
            None, state, platform="seed", event_id=state.id, audit=(), submissions=()
        )


def turn(checklist: Checklist, state: ReportState, shape: str, n: int) -> MessagePosted:
    """A new answer: another indicator for the IOC report, another note for the spread one."""
    if shape == "ioc":
        ioc = next(i for i in checklist.items() if i.kind is AnswerKind.IOCS)
        text = f"{ioc.number}: 172.16.{n // 256 % 256}.{n % 256}"
    else:
        item = next(i for i in checklist.items() if i.kind is AnswerKind.TEXT)
        text = f"{item.number}: more on it, {n}"
    assert state.thread is not None
    return MessagePosted(
        event_id=f"{state.id}-t{n}-{uuid.uuid4().hex[:6]}",
        platform="bench",
        channel=state.channel,
        thread=state.thread,
        actor=PEOPLE[n % len(PEOPLE)],
        message_id=f"{state.id}-tm{n}",
        text=text,
    )


async def open_database(url: str) -> tuple[Database, Callable[[], Any]]:
    """A fresh database: a temporary SQLite file, or a throwaway PostgreSQL schema."""
    if not url.startswith("postgres"):
        tmp = tempfile.TemporaryDirectory()
        database = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}")
        await database.upgrade()

        async def drop_file() -> None:
            await database.dispose()
            tmp.cleanup()

        return database, drop_file
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(normalise_url(url).replace("+asyncpg", "", 1))
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    database = Database.from_url(url, connect_args={"server_settings": {"search_path": schema}})
    await database.upgrade()

    async def drop_schema() -> None:
        await database.dispose()
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()

    return database, drop_schema


# -- the tables -------------------------------------------------------------------------------


async def bench_hops(turns: int) -> None:
    checklist = default_checklist()
    database, drop = await open_database("sqlite")
    try:
        store = ReportStore(database)
        runner = TurnRunner(store, MemoryChat(), checklist, Policy())
        state = report_of(checklist, 10, "spread", "hops")
        await seeded(store, state)
        await runner.handle(turn(checklist, state, "spread", -1))  # warm caches
        with counting_hops() as hops:
            for n in range(turns):
                await runner.handle(turn(checklist, state, "spread", n))
            per_turn = hops() / turns
        with counting_hops() as hops:
            for n in range(turns):
                async with store.transaction() as transaction:
                    await transaction.save(
                        None, None, platform="bare", event_id=f"b{n}", audit=(), submissions=()
                    )
            per_bare = hops() / turns
    finally:
        await drop()
    print("\n## SQLite driver-thread hops (calls handed to storage.sqlite_driver's threads)")
    print(f"{'':>28} {'hops':>6}")
    print(f"{'per turn (runner.handle)':>28} {per_turn:>6.1f}")
    print(f"{'per bare transaction':>28} {per_bare:>6.1f}  (one INSERT, baseline)")


async def bench_sizes(url: str, label: str, turns: int) -> None:
    checklist = default_checklist()
    print(f"\n## {label}: CPU ms per turn by report size ({turns} turns each, process time)")
    print(f"{'shape':>7} {'size':>6} {'cpu ms':>8} {'wall ms':>8} {'x size 10':>10}")
    for shape in ("spread", "ioc"):
        first: float | None = None
        for size in SIZES:
            database, drop = await open_database(url)
            try:
                store = ReportStore(database)
                runner = TurnRunner(store, MemoryChat(), checklist, Policy())
                state = report_of(checklist, size, shape, f"{shape}{size}")
                await seeded(store, state)
                await runner.handle(turn(checklist, state, shape, -1))  # load + cache
                cpu, wall = time.process_time(), time.perf_counter()
                for n in range(turns):
                    await runner.handle(turn(checklist, state, shape, n))
                cpu_ms = (time.process_time() - cpu) * 1000 / turns
                wall_ms = (time.perf_counter() - wall) * 1000 / turns
            finally:
                await drop()
            first = first or cpu_ms
            print(f"{shape:>7} {size:>6} {cpu_ms:>8.2f} {wall_ms:>8.2f} {cpu_ms / first:>10.2f}")
    print("Target: the cost at 5,000 contributions at most 2x the cost at 10.")


class _Stored:
    """Inbox payloads {"n": k} stand for the k-th event the benchmark made."""

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}

    async def event_of(self, payload: dict[str, object]) -> Event | None:
        return self.events[int(str(payload["n"]))]


async def _batch_phase(
    url: str, waiting: int, rounds: int, batched: bool
) -> tuple[float, float, float]:
    """CPU ms, wall ms and driver-thread hops per delivery over `rounds` rounds of `waiting`
    deliveries for one report, stored at once and then processed by the inbox worker."""
    checklist = default_checklist()
    database, drop = await open_database(url)
    try:
        store = ReportStore(database)
        runner = TurnRunner(store, MemoryChat(), checklist, Policy())
        stored = _Stored()
        inbox = Inbox(database)

        async def handle(event: Event, entry: InboxEntry) -> TurnResult:
            return await runner.handle(event, delivery=entry, wait=False)

        worker = InboxWorker(
            inbox,
            handle,
            {"bench": stored},
            keep_addresses=runner.keep_addresses,
            handle_batch=runner.handle_batch if batched else None,
            batch_limit=waiting,
        )
        state = report_of(checklist, 10, "spread", "batch")
        await seeded(store, state)
        made = iter(range(10**9))

        async def one_round() -> None:
            now = datetime.now(UTC)
            deliveries = []
            for _ in range(waiting):
                n = next(made)
                stored.events[n] = turn(checklist, state, "spread", n)
                deliveries.append(NewDelivery("bench", f"D{n}", "lane", {"n": n}, now))
            ids = await inbox.accept_many(deliveries)
            for d, entry_id in zip(deliveries, ids, strict=True):
                assert entry_id is not None
                worker.hand_over(
                    InboxEntry(entry_id, "bench", d.delivery_id, "lane", d.payload, now, 0)
                )
            await worker.idle()
            await runner.chat_worker.drain(set(runner.chat_worker.lanes()))

        await one_round()  # warm: caches, the pool's connections
        cpu, wall = time.process_time(), time.perf_counter()
        with counting_hops() as hops:
            for _ in range(rounds):
                await one_round()
            count = hops()
        total = waiting * rounds
        cpu_ms = (time.process_time() - cpu) * 1000 / total
        wall_ms = (time.perf_counter() - wall) * 1000 / total
        await worker.close()
        await runner.chat_worker.close()
        assert worker.processed == total + waiting, worker.processed
        return cpu_ms, wall_ms, count / total
    finally:
        await drop()


async def bench_batches(url: str, label: str, waiting: int, rounds: int) -> None:
    """`waiting` replies stored for one report at once: one turn each, or one turn for all
    (TurnRunner.handle_batch)."""
    print(f"\n## {label}: {waiting} deliveries waiting for one report ({rounds} rounds)")
    print(f"{'':>12} {'cpu ms/delivery':>16} {'wall ms/delivery':>17} {'hops/delivery':>14}")
    first: float | None = None
    for batched in (False, True):
        cpu_ms, wall_ms, hops = await _batch_phase(url, waiting, rounds, batched)
        first = first or cpu_ms
        name = "batched" if batched else "one by one"
        hop_text = f"{hops:>14.2f}" if not url.startswith("postgres") else f"{'-':>14}"
        print(f"{name:>12} {cpu_ms:>16.2f} {wall_ms:>17.2f} {hop_text}   x{cpu_ms / first:.2f}")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def rss_turns(url: str, size: int, batches: list[int]) -> list[float]:
    """RSS after each batch of turns (of the sizes given) on one report of `size` indicators;
    the first reading is before any turn."""
    checklist = default_checklist()
    database, drop = await open_database(url)
    try:
        store = ReportStore(database)
        runner = TurnRunner(store, MemoryChat(), checklist, Policy())
        state = report_of(checklist, size, "ioc", "big")
        await seeded(store, state)
        del state
        readings = [rss_mb()]
        n = 0
        probe = report_of(checklist, 0, "ioc", "big")
        for batch in batches:
            for _ in range(batch):
                await runner.handle(turn(checklist, probe, "ioc", n))
                n += 1
            gc.collect()
            readings.append(rss_mb())
        return readings
    finally:
        await drop()


async def rss_reports(url: str, reports: int, size: int) -> list[float]:
    """RSS after turns on `reports` different reports of `size` contributions each."""
    checklist = default_checklist()
    database, drop = await open_database(url)
    try:
        store = ReportStore(database)
        runner = TurnRunner(store, MemoryChat(), checklist, Policy())
        readings = [rss_mb()]
        for r in range(reports):
            state = report_of(checklist, size, "spread", f"open{r}")
            await seeded(store, state)
            await runner.handle(turn(checklist, state, "spread", r))
            if (r + 1) % max(1, reports // 5) == 0:
                readings.append(rss_mb())
        return readings
    finally:
        await drop()


def in_subprocess(what: str, *args: object) -> list[float]:
    command = [sys.executable, "-m", "benchmarks.bench_turn_cost", "--child", what]
    command += [str(a) for a in args]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [float(x) for x in json.loads(output.strip().splitlines()[-1])]


def bench_rss(url: str, label: str, quick: bool) -> None:
    size = 1000 if quick else 5000
    batches, per_batch = (4, 25) if quick else (5, 100)
    turns = in_subprocess("turns", url, size, *([per_batch] * batches))
    print(f"\n## {label}: RSS (MB) during turns on one {size}-indicator report")
    print(f"{'turns':>7} {'RSS MB':>8} {'growth':>8}")
    for i, value in enumerate(turns):
        print(f"{i * per_batch:>7} {value:>8.1f} {value - turns[1] if i else 0:>+8.1f}")
    print("(growth is measured from the first batch, after the report is loaded and cached)")
    reports, each = (50, 100) if quick else (200, 200)
    opened = in_subprocess("reports", url, reports, each)
    print(f"\n## {label}: RSS (MB) while opening {reports} reports of {each} contributions")
    step = max(1, reports // 5)
    for i, value in enumerate(opened):
        print(f"{i * step:>7} reports {value:>8.1f}")


def child(what: str, args: list[str]) -> None:
    if what in ("turns", "flat"):
        url, size, batches = args[0], int(args[1]), [int(a) for a in args[2:]]
        readings = asyncio.run(rss_turns(url, size, batches))
        # "flat" (tests/bot/test_memory.py): only the readings after each batch.
        print(json.dumps(readings[1:] if what == "flat" else readings))
    else:
        url, reports, size = args[0], int(args[1]), int(args[2])
        print(json.dumps(asyncio.run(rss_reports(url, reports, size))))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer turns, smaller reports")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=("hops", "sizes", "batch", "rss"), default=None)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores, shared)")
    backends = [("sqlite", "SQLite")] + ([(args.postgres, "PostgreSQL")] if args.postgres else [])
    if args.only in (None, "hops"):
        asyncio.run(bench_hops(50 if args.quick else 200))
    if args.only in (None, "sizes"):
        for url, label in backends:
            asyncio.run(bench_sizes(url, label, 10 if args.quick else 30))
    if args.only in (None, "batch"):
        for url, label in backends:
            asyncio.run(bench_batches(url, label, 10, 3 if args.quick else 10))
    if args.only in (None, "rss"):
        for url, label in backends:
            bench_rss(url, label, args.quick)


if __name__ == "__main__":
    main()
