"""Slack load benchmark: `jcdc-bot serve` against a bare slack-bolt app, same run, same fake.

    .venv/bin/python -m benchmarks.bench_slack [--quick] [--postgres URL | --no-postgres]

jcdc-bot runs twice per database (SQLite, and a fresh database on the PostgreSQL server at
--postgres, default TEST_POSTGRES_URL): as it is (the durable inbox: each delivery stored
before Slack hears 200) and as the previous fast path (`ack first`: 200 as soon as the
signature checks out, stored after; benchmarks/ack_first_server.py). The ack p99 ratio column
compares each with the empty server's p99 at the same concurrency (target: at most 1.5x, and
never above 3 s).

Both servers run as their own process; this process holds the fake Slack Web API and the
load generator. Every request is a signed Events API delivery of a thread reply (after a
signed `/jcdc new` per channel for jcdc-bot, not timed). Each of C workers owns one channel
and keeps one turn in flight: it sends a reply, records how long the HTTP acknowledgement
took, and waits until the fake Slack has received that turn's post before sending the next.

- ack latency: request sent → HTTP response read (Slack's limit is 3 s).
- the floor: an empty aiohttp server, to show what the load generator itself adds to the
  latencies (it shares this machine's two cores with the servers).
- full-turn throughput: turns per second, a turn being verify, dedupe, load, engine, save and
  acknowledge (jcdc-bot acknowledges a reply privately, and updates the root message only
  when its card changed: the benchmark's replies change an answer, so one Web API call).

- the necessary-work floor (benchmarks/floor_slack_app.py): bare Bolt, one raw transaction on
  our schema and the turn's Web API call on one kept-alive session. jcdc-bot's
  throughput and server CPU per turn are shown as ratios to it (targets: at least 0.7x its
  throughput, at most 1.5x its CPU). `jcdc-bot serve` runs on uvloop (bot/event_loop.py):
  the floor runs on asyncio's own loop, as bare Bolt does, and once more on uvloop
  ("floor uvloop"); a line under jcdc-bot's row gives its ratios to that one.
- cpu/turn: the server process's user + system CPU from /proc over the timed turns, divided
  by the turns: load-generator noise does not hide in it. `machine`: every process's CPU on
  the machine per turn (/proc/stat: the server, PostgreSQL, this load generator and the fake
  Slack); `pg cpu`: the PostgreSQL server's processes alone. On two cores a turn that costs
  the machine more runs slower, whatever the server process alone spends.
- --rounds N runs every phase N times, interleaved (round 1's phases, then round 2's), and
  ends with a table of medians: single rounds on this machine move by up to 1.7x.

Per-channel pacing is raised out of the way for both: it models Slack's own limit, not work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp
import asyncpg
from sqlalchemy import make_url

from storage.database import Database, normalise_url
from storage.repository import ReportStore
from tests.adapters.email.smtp_server import free_port
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Call,
    FakeSlack,
    fake_slack,
    signed_headers,
)

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Waiters:
    """Futures resolved when a turn's Web API call lands in a channel's thread (one turn in
    flight per channel). `last_call`: what that call is for the server under load: bare Bolt
    posts in the thread; jcdc-bot acknowledges a reply privately (since the quiet thread) and
    updates the root message only when its card changed (a changed answer to an item already
    answered leaves it as it was: the benchmark's replies after the first), and so does the
    floor."""

    pending: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_call: str = "chat.postMessage"
    # False while reports are opened: jcdc-bot's root message asks the first question, so
    # opening a report ends with a channel post, not a thread post.
    in_thread: bool = True

    def on_call(self, call: Call) -> None:
        if call.method != self.last_call:
            return
        if ("thread_ts" in call.args) != self.in_thread:
            return
        channel = str(call.args.get("channel"))
        self.posts[channel] += 1
        waiter = self.pending.pop(channel, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def expect(self, channel: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending[channel] = future
        return future


@dataclass
class Result:
    name: str
    concurrency: int
    turns: int
    seconds: float
    acks: list[float]
    errors: int
    # The server process's CPU (user + system, from /proc) over the timed turns.
    cpu_seconds: float = 0.0
    # Every process's CPU on the machine over the same turns (/proc/stat): the server, the
    # database server's backends, this load generator and the fake Slack. On two cores a
    # turn that costs the machine twice as much runs at half the rate, whatever the server
    # process alone spends.
    machine_cpu_seconds: float = 0.0
    # The PostgreSQL server's processes (its backends, WAL writer, ...) over the same turns;
    # near zero on SQLite, which runs inside the server process.
    database_cpu_seconds: float = 0.0

    @property
    def machine_ms_per_turn(self) -> float:
        return self.machine_cpu_seconds * 1000 / self.turns

    @property
    def database_ms_per_turn(self) -> float:
        return self.database_cpu_seconds * 1000 / self.turns

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.cpu_seconds * 1000 / self.turns

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds

    def ack(self, quantile: float) -> float:
        ordered = sorted(self.acks)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000


# Each running server's log file, closed when it stops.
_logs: dict[int, IO[bytes]] = {}


async def _start(
    module: str, arguments: list[str], env: dict[str, str], port: int
) -> asyncio.subprocess.Process:
    # A file, not a pipe: a server whose log pipe fills up would block on logging.
    log = tempfile.TemporaryFile()  # noqa: SIM115  (open as long as the server runs)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *arguments,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
    )
    _logs[process.pid] = log
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    process.kill()
    await process.wait()
    del _logs[process.pid]
    with log:
        log.seek(0)
        raise RuntimeError(f"{module} did not start: {log.read().decode()[-2000:]}")


def machine_cpu_seconds() -> float:
    """CPU spent by every process on the machine so far: /proc/stat's first line (user, nice,
    system, irq, softirq, steal; not idle or iowait)."""
    with open("/proc/stat") as stat:
        fields = [int(f) for f in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> dict[int, float]:
    """CPU so far of every process named `postgres` on this machine (the benchmark's server
    is this machine's): by pid, so that one started or ended meanwhile counts from zero."""
    spent = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                line = stat.read()
        except OSError:
            continue  # ended meanwhile
        if "(postgres)" in line:
            spent[int(entry)] = cpu_seconds(int(entry), line)
    return spent


def cpu_seconds(pid: int, line: str | None = None) -> float:
    """User + system CPU of a process so far, from /proc/<pid>/stat (fields 14 and 15)."""
    if line is None:
        with open(f"/proc/{pid}/stat") as stat:
            line = stat.read()
    fields = line.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _profile(pid: int, name: str) -> asyncio.subprocess.Process | None:
    """BENCH_PROFILE=DIR: the timed turns of each server sampled by py-spy (raw, to DIR)."""
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        return None
    output = Path(directory) / f"{name.replace(' ', '_')}.txt"
    command = ["py-spy", "record", "--pid", str(pid), "-r", "200", "-f", "raw", "-o", str(output)]
    spy = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep(0.5)  # attached before the turns start
    return spy


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        log = _logs.pop(process.pid, None)
        if log is not None:
            log.close()


async def _load(
    name: str,
    url: str,
    waiters: Waiters,
    threads: dict[str, str],
    per_worker: int,
    answer: Callable[[int, int], str],
    pid: int,
    wait_for_turn: bool = True,
) -> Result:
    acks: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(index: int, channel: str, thread: str, turns: range, timed: bool) -> None:
            nonlocal errors
            for turn in turns:
                message = payloads.thread_message(
                    f"U{index:05d}", answer(index, turn), thread, channel=channel
                )
                body = payloads.event_callback(message)
                done = waiters.expect(channel) if wait_for_turn else None
                sent = time.perf_counter()
                async with session.post(
                    url,
                    data=body.encode(),
                    headers=signed_headers(body, content_type="application/json"),
                ) as response:
                    await response.read()
                    if timed:
                        acks.append(time.perf_counter() - sent)
                    if response.status != 200:
                        errors += 1
                        continue
                if done is None:
                    continue
                try:
                    await asyncio.wait_for(done, timeout=30)
                except TimeoutError:
                    errors += 1

        channels = list(threads.items())
        # One untimed turn per worker first: connections are open and caches warm, as they
        # are in a server that has been running for a while.
        await asyncio.gather(
            *(
                worker(i, c, t, range(per_worker, per_worker + 1), False)
                for i, (c, t) in enumerate(channels)
            )
        )
        spy = await _profile(pid, f"{name}-{len(threads)}")
        started, cpu, machine = time.perf_counter(), cpu_seconds(pid), machine_cpu_seconds()
        database = postgres_cpu_seconds()
        await asyncio.gather(
            *(worker(i, c, t, range(per_worker), True) for i, (c, t) in enumerate(channels))
        )
        seconds = time.perf_counter() - started
        used = cpu_seconds(pid) - cpu
        machine_used = machine_cpu_seconds() - machine
        database_used = sum(
            spent - database.get(server, 0.0) for server, spent in postgres_cpu_seconds().items()
        )
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
            await spy.wait()
    return Result(
        name,
        len(threads),
        per_worker * len(threads),
        seconds,
        acks,
        errors,
        used,
        machine_used,
        database_used,
    )


def _env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "SLACK_POSTS_PER_SECOND": "100000",
        "SLACK_POST_BURST": "100000",
        # Nothing is sent to JCDC in this benchmark: the directory is never written.
        "OUTBOX_DIR": str(Path(tempfile.gettempdir()) / "jcdc-bench-outbox"),
    }


async def plain(
    module: str,
    name: str,
    fake: FakeSlack,
    waiters: Waiters,
    concurrency: int,
    per_worker: int,
    database_url: str = "",
    arguments: tuple[str, ...] = (),
) -> Result:
    """A server that only answers (empty), answers and posts once (bare Bolt), or does the
    necessary work of a turn (the floor: one transaction, the turn's Web API call)."""
    port = free_port()
    process = await _start(
        module, ["--port", str(port), *arguments], _env(fake, database_url), port
    )
    waiters.last_call = (
        "chat.postEphemeral" if module == "benchmarks.floor_slack_app" else "chat.postMessage"
    )
    try:
        threads = {f"C{name[0]}{concurrency}{i:04d}": payloads.new_ts() for i in range(concurrency)}
        return await _load(
            name,
            f"http://127.0.0.1:{port}/slack/events",
            waiters,
            threads,
            per_worker,
            lambda i, t: f"reply {t}",
            process.pid,
            # The empty server posts nothing: its workers only wait for the HTTP answer.
            wait_for_turn=module != "benchmarks.empty_server",
        )
    finally:
        await _stop(process)


async def jcdc(
    fake: FakeSlack,
    waiters: Waiters,
    concurrency: int,
    per_worker: int,
    database_url: str,
    name: str = "jcdc-bot",
    module: tuple[str, ...] = ("bot", "serve"),
) -> Result:
    port = free_port()
    process = await _start(
        module[0], [*module[1:], "--port", str(port)], _env(fake, database_url), port
    )
    # A report's opening ends with its root message (which asks the first question).
    waiters.last_call, waiters.in_thread = "chat.postMessage", False
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        channels = [f"CJ{concurrency}{i:04d}" for i in range(concurrency)]
        async with aiohttp.ClientSession() as session:

            async def open_report(channel: str) -> None:
                body = payloads.slash_command("U0LEAD", f"new Load {channel}", channel=channel)
                first_question = waiters.expect(channel)
                async with session.post(url, data=body.encode(), headers=signed_headers(body)) as r:
                    assert r.status == 200, await r.text()
                await asyncio.wait_for(first_question, timeout=60)

            for start in range(0, len(channels), 25):
                await asyncio.gather(*(open_report(c) for c in channels[start : start + 25]))
        roots = {
            str(c.args["channel"]): str(c.answer["ts"])
            for c in fake.of("chat.postMessage")
            if "thread_ts" not in c.args and str(c.args.get("channel")) in set(channels)
        }
        threads = {channel: roots[channel] for channel in channels}
        await _threads_recorded(database_url, set(threads.values()))
        waiters.last_call, waiters.in_thread = "chat.postEphemeral", True
        return await _load(
            name,
            url,
            waiters,
            threads,
            per_worker,
            # A direct answer to a free-text item: parsed, merged, saved, acknowledged.
            lambda i, t: f"0.3: Example Corp, team {i}, revision {t}",
            process.pid,
        )
    finally:
        await _stop(process)


async def _threads_recorded(database_url: str, threads: set[str], within: float = 60) -> None:
    """Wait until every report knows its thread (its RootPosted turn ran): a reply sent
    before that would find no report."""
    database = Database.from_url(database_url)
    try:
        store = ReportStore(database)
        deadline = time.monotonic() + within
        while True:
            known = set()
            for summary in await store.list_reports():
                state = await store.load(summary.id)
                if state is not None and state.thread is not None:
                    known.add(state.thread)
            if threads <= known:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(threads - known)} reports never recorded their thread")
            await asyncio.sleep(0.1)
    finally:
        await database.dispose()


def _row(
    result: Result,
    baseline: Result | None,
    floor: Result | None,
    storage: str = "",
    work_floor: Result | None = None,
) -> str:
    ratio = f"{result.throughput / baseline.throughput:5.2f}x" if baseline else "      -"
    p99 = f"{result.ack(0.99) / floor.ack(0.99):5.2f}x" if floor else "      -"
    # Against the necessary-work floor: throughput (target >= 0.7x) and CPU (target <= 1.5x).
    if work_floor is not None:
        vs_floor = (
            f"{result.throughput / work_floor.throughput:5.2f}x "
            f"{result.cpu_ms_per_turn / work_floor.cpu_ms_per_turn:5.2f}x"
        )
    else:
        vs_floor = f"{'-':>6} {'-':>6}"
    return (
        f"{result.name:<14} {storage:<10} {result.concurrency:>5} {result.turns:>6} "
        f"{result.throughput:>9.1f} {ratio:>7} "
        f"{result.ack(0.50):>8.1f} {result.ack(0.99):>8.1f} {p99:>8} "
        f"{max(result.acks) * 1000:>8.1f} {result.errors:>6} "
        f"{result.cpu_ms_per_turn:>7.2f} {vs_floor} {result.machine_ms_per_turn:>7.2f} "
        f"{result.database_ms_per_turn:>6.2f}"
    )


async def _fresh_postgres(server_url: str) -> tuple[str, str]:
    """A new database on the server (dropped by _drop_postgres): its URL and name."""
    name = f"jcdc_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(_plain(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = make_url(normalise_url(server_url)).set(database=name)
    return url.render_as_string(hide_password=False), name


async def _drop_postgres(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(_plain(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _plain(url: str) -> str:
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False)


# The phases of one round at one concurrency, in order: (name, module and arguments, needs a
# database). The empty server and bare Bolt have no storage; the rest run once per backend.
_PLAIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("empty", ("benchmarks.empty_server",)),
    ("bare bolt", ("benchmarks.bare_slack_app",)),
)
_STORING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("floor", ("benchmarks.floor_slack_app",)),
    ("floor uvloop", ("benchmarks.floor_slack_app", "--uvloop")),
    ("ack first", ("benchmarks.ack_first_server",)),
    ("jcdc-bot", ("bot", "serve")),
)
SERVERS = tuple(name for name, _ in _PLAIN + _STORING)


def median_result(results: list[Result]) -> Result:
    """One row for several rounds of a phase: the round whose throughput is the median stands
    for its latencies; throughput and CPU per turn are each the median over the rounds (the
    machine's noise moves single rounds by up to 1.7x: one round is not a verdict)."""
    ordered = sorted(results, key=lambda r: r.throughput)
    middle = ordered[len(ordered) // 2]
    throughput = statistics.median(r.throughput for r in results)
    cpu = statistics.median(r.cpu_ms_per_turn for r in results)
    machine = statistics.median(r.machine_ms_per_turn for r in results)
    database = statistics.median(r.database_ms_per_turn for r in results)
    return Result(
        middle.name,
        middle.concurrency,
        middle.turns,
        middle.turns / throughput,
        middle.acks,
        sum(r.errors for r in results),
        cpu * middle.turns / 1000,
        machine * middle.turns / 1000,
        database * middle.turns / 1000,
    )


async def _phase(
    name: str,
    module: tuple[str, ...],
    backend: str,
    fake: FakeSlack,
    waiters: Waiters,
    concurrency: int,
    per_worker: int,
    directory: str,
    postgres: str | None,
    serial: int,
) -> Result:
    if backend == "":
        return await plain(module[0], name, fake, waiters, concurrency, per_worker)
    dropped = None
    if backend == "sqlite":
        database = f"sqlite:///{directory}/{name.replace(' ', '_')}-{concurrency}-{serial}.db"
    else:
        assert postgres is not None
        database, dropped = await _fresh_postgres(postgres)
    try:
        if name.startswith("floor"):
            return await plain(
                module[0], name, fake, waiters, concurrency, per_worker, database, module[1:]
            )
        return await jcdc(
            fake, waiters, concurrency, per_worker, database, name=name, module=module
        )
    finally:
        fake.calls.clear()
        if dropped is not None and postgres is not None:
            await _drop_postgres(postgres, dropped)


def _table(results: dict[tuple[int, str, str], Result]) -> list[str]:
    """Rows in phase order, each against the empty server, bare Bolt and the floor of its
    concurrency (and backend), and jcdc-bot's once more against the floor on uvloop."""
    lines = []
    for concurrency in sorted({key[0] for key in results}):
        empty = results.get((concurrency, "", "empty"))
        bare = results.get((concurrency, "", "bare bolt"))
        for name, _ in _PLAIN:
            if (concurrency, "", name) in results:
                baseline = None if name == "empty" else empty
                lines.append(_row(results[(concurrency, "", name)], None, baseline))
        for backend in ("sqlite", "postgres"):
            floor = results.get((concurrency, backend, "floor"))
            on_uvloop = results.get((concurrency, backend, "floor uvloop"))
            for name, _ in _STORING:
                ours = results.get((concurrency, backend, name))
                if ours is None:
                    continue
                lines.append(_row(ours, bare, empty, backend, floor))
                if name == "jcdc-bot" and on_uvloop is not None:
                    # jcdc-bot serves on uvloop (bot/event_loop.py): against the floor on
                    # the same event loop too.
                    lines.append(
                        f"{'  vs floor on uvloop':<41}"
                        f"{ours.throughput / on_uvloop.throughput:5.2f}x tput "
                        f"{ours.cpu_ms_per_turn / on_uvloop.cpu_ms_per_turn:5.2f}x cpu"
                    )
    return lines


HEADER = (
    f"{'server':<14} {'storage':<10} {'conc.':>5} {'turns':>6} {'turns/s':>9} "
    f"{'ratio':>7} {'ack p50':>8} {'ack p99':>8} {'p99/empty':>8} {'ack max':>8} "
    f"{'errors':>6} {'cpu/turn':>7} {'tput/fl':>6} {'cpu/fl':>6} {'machine':>7} "
    f"{'pg cpu':>6}   (ms)"
)


async def main(
    quick: bool,
    postgres: str | None,
    rounds: int = 1,
    concurrencies: tuple[int, ...] = (50, 200),
    servers: tuple[str, ...] = SERVERS,
    backends: tuple[str, ...] = ("sqlite", "postgres"),
) -> None:
    """Each round runs every phase once, in order, at each concurrency: the phases of one
    round share the same minutes of the machine, and with --rounds N every phase is run N
    times interleaved with the others and reported by its median."""
    turns_per_worker = 4 if quick else 10
    if postgres is None:
        backends = tuple(b for b in backends if b != "postgres")
    every: dict[tuple[int, str, str], list[Result]] = defaultdict(list)
    async with fake_slack() as fake:
        waiters = Waiters()
        fake.listeners.append(waiters.on_call)
        with tempfile.TemporaryDirectory() as directory:
            for round_number in range(1, rounds + 1):
                print(f"round {round_number} of {rounds}" if rounds > 1 else "", flush=True)
                print(HEADER, flush=True)
                for concurrency in concurrencies:
                    phases: list[tuple[str, str, tuple[str, ...]]] = [
                        ("", name, module) for name, module in _PLAIN
                    ]
                    phases += [(b, name, module) for b in backends for name, module in _STORING]
                    this_round: dict[tuple[int, str, str], Result] = {}
                    for backend, name, module in phases:
                        if name not in servers:
                            continue
                        result = await _phase(
                            name,
                            module,
                            backend,
                            fake,
                            waiters,
                            concurrency,
                            turns_per_worker,
                            directory,
                            postgres,
                            round_number,
                        )
                        this_round[(concurrency, backend, name)] = result
                        every[(concurrency, backend, name)].append(result)
                    for line in _table(this_round):
                        print(line, flush=True)
    if rounds > 1:
        print(f"\nmedian of {rounds} rounds (throughput and cpu/turn each the median)")
        print(HEADER)
        medians = {key: median_result(results) for key, results in every.items()}
        for line in _table(medians):
            print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer turns per worker")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server to create a fresh benchmark database on",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run every phase N times, interleaved; medians"
    )
    parser.add_argument(
        "--concurrency", type=int, action="append", help="only these (default 50 and 200)"
    )
    parser.add_argument(
        "--server", action="append", choices=SERVERS, help="only these phases (default all)"
    )
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgres"), help="only these"
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.quick,
            None if arguments.no_postgres else arguments.postgres,
            rounds=arguments.rounds,
            concurrencies=tuple(arguments.concurrency or (50, 200)),
            servers=tuple(arguments.server or SERVERS),
            backends=tuple(arguments.backend or ("sqlite", "postgres")),
        )
    )
