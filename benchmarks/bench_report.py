"""Benchmarks for the foundation: assembly + rendering, engine turns, turn runner throughput.

    .venv/bin/python -m benchmarks.bench_report [--quick] [--postgres URL]

Every figure is printed next to a baseline measured in the same run, because this machine is
noisy: ratios travel, absolute milliseconds do not.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import asyncpg

from adapters.memory import MemoryChat
from bot.runner import TurnRunner
from conversations.answers import Accepted, parse_answer
from conversations.checklist import AnswerKind, Checklist, Item, default_checklist
from conversations.engine import step
from conversations.events import CommandIssued, MessagePosted
from conversations.policy import Policy
from conversations.scripted import ScriptedEvents
from conversations.state import Actor, Contribution, ReportState
from documents.assembly import assemble
from documents.rendering import render_json, render_markdown, render_text
from documents.stix import render_stix
from storage.database import Database, normalise_url
from storage.repository import ReportStore

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
RESPONDERS = [Actor(id=f"U{n:02d}", name=f"Responder {n}") for n in range(50)]

SAMPLES: dict[AnswerKind, str] = {
    AnswerKind.TEXT: "observed in the support copilot logs",
    AnswerKind.YES_NO: "yes",
    AnswerKind.DATETIME: "2026-11-20 14:03 UTC",
    AnswerKind.NUMBER: "about 1,200",
    AnswerKind.SEVERITY: "moderate",
    AnswerKind.CONFIDENCE: "confirmed",
    AnswerKind.IOCS: "hxxp://evil[.]example/x 203.0.113[.]7 d41d8cd98f00b204e9800998ecf8427e",
    AnswerKind.CVES: "CVE-2024-3094",
    AnswerKind.TECHNIQUES: "AML.T0051, T1566.001",
    AnswerKind.TLP: "amber",
}


# Issue 14: exporting STIX must cost less than three JSON renderings of the same report.
STIX_TARGET = 3.0


def sample_value(item: Item) -> tuple[str, object]:
    text = SAMPLES.get(item.kind) or item.options[0].label
    parsed = parse_answer(item, text)
    assert isinstance(parsed, Accepted), (item.id, parsed)
    return text, parsed.value


def synthetic_report(checklist: Checklist, contributions: int) -> ReportState:
    """`contributions` answers from 50 responders spread over every item of the checklist."""
    items = list(checklist.items())
    values = {item.id: sample_value(item) for item in items}
    rows = []
    for n in range(contributions):
        item = items[n % len(items)]
        raw, value = values[item.id]
        if item.kind is AnswerKind.TEXT:
            raw = value = f"{raw} (note {n})"
        rows.append(
            Contribution(
                id=f"c{n}",
                item_id=item.id,
                author=RESPONDERS[n % len(RESPONDERS)],
                at=T0 + timedelta(seconds=n),
                via="guided",
                source_message_id=f"m{n}",
                raw=raw,
                value=value,
            )
        )
    return ReportState(
        id="bench",
        platform="bench",
        channel="C",
        thread="ROOT",
        title="Benchmark report",
        lead=RESPONDERS[0],
        created_at=T0,
        updated_at=T0 + timedelta(seconds=contributions),
        checklist_version=checklist.version,
        contributions=tuple(rows),
    )


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Median of `runs` timings, in milliseconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def bench_assembly(checklist: Checklist, sizes: list[int], runs: int) -> None:
    print(f"\n## Assembly + rendering (median of {runs} runs, ms)")
    print(
        f"{'contribs':>9} {'assemble':>9} {'md':>7} {'text':>7} {'json':>7} {'total':>8} "
        f"{'us/contrib':>10} {'baseline':>9} {'x base':>7}"
    )
    first_total = None
    for size in sizes:
        state = synthetic_report(checklist, size)
        report = assemble(state, checklist)
        t_assemble = best_of(runs, partial(assemble, state, checklist))
        t_md = best_of(runs, partial(render_markdown, report))
        t_text = best_of(runs, partial(render_text, report))
        t_json = best_of(runs, partial(render_json, report))
        total = t_assemble + t_md + t_text + t_json
        # Baseline: serialising the raw state, the least any rendering has to do.
        baseline = best_of(runs, state.model_dump_json)
        first_total = first_total or (total, size)
        print(
            f"{size:>9} {t_assemble:>9.1f} {t_md:>7.1f} {t_text:>7.1f} {t_json:>7.1f} "
            f"{total:>8.1f} {1000 * total / size:>10.1f} {baseline:>9.1f} "
            f"{total / baseline:>7.1f}"
        )
    print("Growth is linear when us/contrib stays flat as the size grows 100x.")


def bench_stix(checklist: Checklist, size: int, runs: int) -> None:
    """The STIX 2.1 bundle next to the JSON rendering of the same report, in the same run:
    the rendering alone, and the whole export from the stored state (assembly included)."""
    print(f"\n## STIX 2.1 export of a {size}-contribution report (median of {runs} runs, ms)")
    state = synthetic_report(checklist, size)
    report = assemble(state, checklist)
    t_json = best_of(runs, partial(render_json, report))
    t_stix = best_of(runs, partial(render_stix, report))
    t_json_export = best_of(runs, lambda: render_json(assemble(state, checklist)))
    t_stix_export = best_of(runs, lambda: render_stix(assemble(state, checklist)))
    bundle = render_stix(report)
    objects = bundle.count('"spec_version"')
    print(f"bundle: {objects} objects, {len(bundle):,} bytes")
    for label, stix, json in (
        ("rendering only", t_stix, t_json),
        ("export from state", t_stix_export, t_json_export),
    ):
        ratio = stix / json
        verdict = "within" if ratio < STIX_TARGET else "OVER"
        print(
            f"{label:>18}: json {json:6.1f}  stix {stix:6.1f}  stix/json {ratio:5.2f}x "
            f"({verdict} the {STIX_TARGET:.0f}x target)"
        )


def bench_engine(checklist: Checklist, turns: int) -> None:
    print(f"\n## {turns} engine turns (pure step(), no I/O)")
    lead = RESPONDERS[0]
    now = T0
    events = ScriptedEvents(platform="b", channel="C", id_prefix="e")
    state = step(None, events.command(lead, "new Benchmark"), checklist, now).state
    assert state is not None
    events.report_id = state.id
    state = step(state, events.root_posted(lead, "ROOT"), checklist, now).state
    assert state is not None
    events.thread = state.thread
    text_items = [item for item in checklist.items() if item.kind is AnswerKind.TEXT]
    durations = []
    for n in range(turns):
        actor = RESPONDERS[n % len(RESPONDERS)]
        item = text_items[n % len(text_items)]
        event: CommandIssued | MessagePosted
        if n % 10 == 9:
            event = events.command(actor, "status")
        else:
            event = events.message(actor, f"{item.number}: finding number {n}")
        now += timedelta(seconds=1)
        start = time.perf_counter()
        result = step(state, event, checklist, now)
        durations.append((time.perf_counter() - start) * 1000)
        assert result.state is not None
        state = result.state
    assert state is not None
    durations.sort()
    print(
        f"total {sum(durations):.0f} ms; per turn p50 {durations[len(durations) // 2]:.2f} ms, "
        f"p99 {durations[int(len(durations) * 0.99)]:.2f} ms; "
        f"report grew to {len(state.contributions)} contributions"
    )


async def bench_runner(url: str, label: str, turns: int, concurrency: int) -> None:
    if url.startswith("postgres"):
        await _in_throwaway_schema(url, label, turns, concurrency)
        return
    await _bench_runner(Database.from_url(url), label, turns, concurrency)


async def _in_throwaway_schema(url: str, label: str, turns: int, concurrency: int) -> None:
    """Leave the target database as it was: everything happens in a schema dropped after."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(normalise_url(url).replace("+asyncpg", "", 1))
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        database = Database.from_url(url, connect_args={"server_settings": {"search_path": schema}})
        await _bench_runner(database, label, turns, concurrency)
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


async def _bench_runner(database: Database, label: str, turns: int, concurrency: int) -> None:
    await database.upgrade()
    store = ReportStore(database)
    checklist = default_checklist()
    runner = TurnRunner(store, MemoryChat(), checklist, Policy())
    events = ScriptedEvents(platform="b", channel=f"C-{label}", id_prefix=f"{label}-")
    created = await runner.handle(events.command(RESPONDERS[0], "new Runner benchmark"))
    assert created.step is not None
    assert created.step.state is not None
    report = await store.load(created.step.state.id)
    assert report is not None
    assert report.thread is not None
    events.thread = report.thread
    text_item = next(i for i in checklist.items() if i.kind is AnswerKind.TEXT)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with semaphore:
            actor = RESPONDERS[n % 50]
            await runner.handle(events.message(actor, f"{text_item.number}: runner finding {n}"))

    start = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(turns)))
    full = turns / (time.perf_counter() - start)

    # Baseline: the same number of bare write transactions (mark an event processed).
    async def bare(n: int) -> None:
        async with semaphore, store.transaction() as transaction:
            await transaction.save(
                None, None, platform="bare", event_id=f"{label}-bare-{n}", audit=(), submissions=()
            )

    start = time.perf_counter()
    await asyncio.gather(*(bare(n) for n in range(turns)))
    baseline = turns / (time.perf_counter() - start)
    final = await store.load(report.id)
    assert final is not None
    print(
        f"{label:>10}: {full:7.0f} full turns/s vs {baseline:7.0f} bare transactions/s "
        f"({full / baseline:.2f}x) at concurrency {concurrency}; "
        f"{len(final.contributions)} contributions stored"
    )
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller sizes")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL for the runner benchmark ('' to skip)",
    )
    args = parser.parse_args()
    checklist = default_checklist()
    runs = 3 if args.quick else 7
    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    print(f"checklist {checklist.version}: {checklist.item_count} items")
    bench_assembly(checklist, sizes, runs)
    bench_stix(checklist, 1000, runs)
    bench_engine(checklist, 200 if args.quick else 1000)
    print("\n## Turn runner (route, dedupe, lock, load, engine, save, perform)")
    turns = 100 if args.quick else 300
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(
            bench_runner(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", "sqlite", turns, 50)
        )
    if args.postgres:
        asyncio.run(bench_runner(args.postgres, "postgresql", turns, 50))


if __name__ == "__main__":
    main()
