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
  by the turns: load-generator noise does not hide in it.

Per-channel pacing is raised out of the way for both: it models Slack's own limit, not work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc/<pid>/stat (fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
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
        started, cpu = time.perf_counter(), cpu_seconds(pid)
        await asyncio.gather(
            *(worker(i, c, t, range(per_worker), True) for i, (c, t) in enumerate(channels))
        )
        seconds = time.perf_counter() - started
        used = cpu_seconds(pid) - cpu
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
            await spy.wait()
    return Result(name, len(threads), per_worker * len(threads), seconds, acks, errors, used)


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
        f"{result.cpu_ms_per_turn:>7.2f} {vs_floor}"
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


async def main(quick: bool, postgres: str | None) -> None:
    turns_per_worker = 4 if quick else 10
    async with fake_slack() as fake:
        waiters = Waiters()
        fake.listeners.append(waiters.on_call)
        with tempfile.TemporaryDirectory() as directory:
            print(
                f"{'server':<14} {'storage':<10} {'conc.':>5} {'turns':>6} {'turns/s':>9} "
                f"{'ratio':>7} {'ack p50':>8} {'ack p99':>8} {'p99/empty':>8} {'ack max':>8} "
                f"{'errors':>6} {'cpu/turn':>7} {'tput/fl':>6} {'cpu/fl':>6}   (ms)"
            )
            for concurrency in (50, 200):
                floor = await plain(
                    "benchmarks.empty_server", "empty", fake, waiters, concurrency, turns_per_worker
                )
                print(_row(floor, None, None), flush=True)
                baseline = await plain(
                    "benchmarks.bare_slack_app",
                    "bare bolt",
                    fake,
                    waiters,
                    concurrency,
                    turns_per_worker,
                )
                print(_row(baseline, None, floor), flush=True)
                backends = ["sqlite"] + (["postgres"] if postgres else [])
                for backend in backends:
                    work_floor: Result | None = None
                    uvloop_floor: Result | None = None
                    for name, module in (
                        ("floor", ("benchmarks.floor_slack_app",)),
                        ("floor uvloop", ("benchmarks.floor_slack_app", "--uvloop")),
                        ("ack first", ("benchmarks.ack_first_server",)),
                        ("jcdc-bot", ("bot", "serve")),
                    ):
                        dropped = None
                        if backend == "sqlite":
                            database = (
                                f"sqlite:///{directory}/{name.replace(' ', '_')}-{concurrency}.db"
                            )
                        else:
                            assert postgres is not None
                            database, dropped = await _fresh_postgres(postgres)
                        try:
                            if name.startswith("floor"):
                                ours = await plain(
                                    module[0],
                                    name,
                                    fake,
                                    waiters,
                                    concurrency,
                                    turns_per_worker,
                                    database,
                                    module[1:],
                                )
                                if name == "floor":
                                    work_floor = ours
                                else:
                                    uvloop_floor = ours
                            else:
                                ours = await jcdc(
                                    fake,
                                    waiters,
                                    concurrency,
                                    turns_per_worker,
                                    database,
                                    name=name,
                                    module=module,
                                )
                        finally:
                            if dropped is not None and postgres is not None:
                                await _drop_postgres(postgres, dropped)
                        print(_row(ours, baseline, floor, backend, work_floor), flush=True)
                        fake.calls.clear()
                        if name == "jcdc-bot" and uvloop_floor is not None:
                            # jcdc-bot serves on uvloop (bot/event_loop.py): against the
                            # floor on the same event loop too.
                            print(
                                f"{'  vs floor on uvloop':<41}"
                                f"{ours.throughput / uvloop_floor.throughput:5.2f}x tput "
                                f"{ours.cpu_ms_per_turn / uvloop_floor.cpu_ms_per_turn:5.2f}x cpu",
                                flush=True,
                            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer turns per worker")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server to create a fresh benchmark database on",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.quick, None if arguments.no_postgres else arguments.postgres))
