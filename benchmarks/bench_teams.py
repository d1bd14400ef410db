"""The Teams adapter under load: full turns through POST /api/messages, side by side with a
bare Microsoft 365 Agents SDK echo bot (benchmarks/agents_echo.py), both with authentication
on (tokens signed here, keys from a local identity server) and against the same fake Bot
Connector, in the same run.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_teams [--quick]

One turn of ours: an answer in a report's thread from one of 50 responders → authenticate
(RS256 token, keys fetched at start) → stored in the inbox, answered → the conversation
reference kept → dedupe, load, engine, save (one transaction) → post the acknowledgement and
update the root card through the connector (from the chat outbox). A run of ours ends when
every turn is posted. The echo bot (CloudAdapter, the SDK's JWT middleware and an
AgentApplication, the SDK's own sample shape) replies once to each message. Both run at
concurrency 50 from one aiohttp client; latency is request to response.
Runs alternate (echo, ours, echo, ours, ...) and the median run counts, because this machine
is noisy: the ratio travels, absolute numbers do not. During every run a probe measures the
event loop's lag (how late a 10 ms sleep wakes up): its max and p99 are reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from adapters.teams.framework import BotFramework, TeamsSettings
from benchmarks.agents_echo import echo_app
from bot.server import Bot, build_bot, web_app
from bot.settings import Settings
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.teams.activities import ALICE, Activities, Person, person
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.identity import (
    APP_ID,
    ISSUER,
    KEYS_PATH,
    IdentityServer,
    SigningKey,
    new_key,
)

CONCURRENCY = 50
RESPONDERS = [person(f"Responder{n:02d}", 100 + n) for n in range(CONCURRENCY)]


@dataclass(frozen=True)
class Run:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    # How late the loop woke up from the lag probe's sleeps during the run.
    lags: list[float] = field(default_factory=list)
    # Until the last response was in (for ours: every activity stored, turns still to come).
    ack_seconds: float = 0.0
    # Calls the bot made to the connector per activity (sends, updates).
    calls_per_activity: float = 0.0
    # New TCP connections the connector saw during the run (keep-alive: none once warm).
    connections: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def ack_rate(self) -> float:
        return self.requests / self.ack_seconds

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies, p)

    def lag(self, p: float) -> float:
        return _percentile(self.lags, p) if self.lags else 0.0


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


LAG_PROBE_SECONDS = 0.01


async def probe_lag(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(LAG_PROBE_SECONDS)
        lags.append(max(0.0, time.perf_counter() - started - LAG_PROBE_SECONDS))


async def fire(
    session: ClientSession,
    url: str,
    activities: list[dict[str, Any]],
    name: str,
    auth: Callable[[dict[str, Any]], str],
    settled: Callable[[], Awaitable[None]] | None = None,
) -> Run:
    """Post the activities at concurrency 50; the run ends when every response is in and,
    for ours (which answers once an activity is stored), every turn is done and posted."""
    gate = asyncio.Semaphore(CONCURRENCY)
    latencies: list[float] = []

    async def one(activity: dict[str, Any]) -> None:
        async with gate:
            started = time.perf_counter()
            headers = {"Authorization": auth(activity)}
            async with session.post(url, json=activity, headers=headers) as response:
                await response.read()
                assert response.status in (200, 201, 202), (response.status, await response.text())
            latencies.append(time.perf_counter() - started)

    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(probe_lag(lags, stop))
    started = time.perf_counter()
    await asyncio.gather(*(one(a) for a in activities))
    acknowledged = time.perf_counter() - started
    if settled is not None:
        await settled()
    seconds = time.perf_counter() - started
    stop.set()
    await probe
    return Run(name, len(activities), seconds, latencies, lags, acknowledged)


async def serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@dataclass
class OurBot:
    server: TestServer
    bot: Bot
    database: Database

    async def settled(self) -> None:
        await self.bot.settled(within=300)


async def outbound_token() -> str:
    return "benchmark-outbound-token"


async def our_server(database_url: str, identity: IdentityServer) -> OurBot:
    """The bot as `serve` composes it, with Teams authenticated against the local identity
    server and a fixed outbound token (no Microsoft login)."""
    database = Database.from_url(database_url)
    await database.upgrade()
    framework = BotFramework(
        TeamsSettings(
            app_id=APP_ID,
            service_urls=("http://127.0.0.1",),
            openid_metadata_url=identity.metadata_url,
        ),
        token_source=outbound_token,
    )
    bot = build_bot(Settings(), ReportStore(database), teams_framework=framework)
    return OurBot(await serve(web_app(bot, run_worker=False)), bot, database)


def signer(key: SigningKey) -> Callable[[dict[str, Any]], str]:
    """A fresh token per request, as the Bot Connector sends (signing is the client's cost,
    the same for both bots)."""

    def sign(activity: dict[str, Any]) -> str:
        return f"Bearer {key.token(activity['serviceUrl'])}"

    return sign


def answers(activities: Activities, thread: str, count: int, run: int) -> list[dict[str, Any]]:
    """`count` answers from the 50 responders, each an indicator of its own (no conflicts)."""
    people: list[Person] = [RESPONDERS[n % CONCURRENCY] for n in range(count)]
    return [
        activities.reply(who, thread, f"2.3: 198.51.{run % 250}.{n % 250} evil{n}[.]example")
        for n, who in enumerate(people)
    ]


async def bench(count: int, runs: int, database_url: str) -> tuple[list[Run], list[Run]]:
    key = new_key("bench-key")
    identity = await IdentityServer(keys=[key.jwk(["msteams"])]).start()
    connector = await FakeConnector().start()
    activities = Activities(connector.url)
    jwks = identity.metadata_url.split("/v1/")[0] + KEYS_PATH
    echo = await serve(echo_app(APP_ID, ISSUER, jwks))
    ours = await our_server(database_url, identity)
    echo_url = str(echo.make_url("/api/messages"))
    our_url = str(ours.server.make_url("/api/messages"))
    auth = signer(key)
    echo_runs: list[Run] = []
    our_runs: list[Run] = []
    try:
        async with ClientSession() as session:
            # One report, its thread, and a warm-up for both bots (connections, caches).
            await fire(
                session,
                our_url,
                [activities.mention_command(ALICE, "new Bench")],
                "",
                auth,
                ours.settled,
            )
            thread = connector.sent(activities.channel)[0].result_id
            assert thread is not None
            await fire(session, echo_url, answers(activities, thread, CONCURRENCY, 0), "", auth)
            await fire(
                session,
                our_url,
                answers(activities, thread, CONCURRENCY, 0),
                "",
                auth,
                ours.settled,
            )
            for run in range(1, runs + 1):
                for name, url, done_runs, settled in (
                    ("echo", echo_url, echo_runs, None),
                    ("ours", our_url, our_runs, ours.settled),
                ):
                    before, connected = len(connector.calls), connector.connections
                    done = await fire(
                        session, url, answers(activities, thread, count, run), name, auth, settled
                    )
                    calls = (len(connector.calls) - before) / done.requests
                    done_runs.append(
                        Run(
                            name,
                            done.requests,
                            done.seconds,
                            done.latencies,
                            done.lags,
                            done.ack_seconds,
                            calls,
                            connector.connections - connected,
                        )
                    )
    finally:
        await echo.close()
        await ours.server.close()
        await ours.database.dispose()
        await connector.close()
        await identity.close()
    return echo_runs, our_runs


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


def report(echo_runs: list[Run], our_runs: list[Run], backend: str) -> None:
    echo, ours = median_run(echo_runs), median_run(our_runs)
    print(
        f"\nfull turns at concurrency {CONCURRENCY}, {ours.requests} activities per run, "
        f"median of {len(our_runs)} runs, storage: {backend}"
    )
    print(
        f"{'bot (authentication on)':<34}{'activities/s':>14}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'calls/activity':>16}{'lag max ms':>12}{'lag p99 ms':>12}"
    )
    for label, run in (("bare Agents SDK echo bot", echo), ("jcdc-bot Teams adapter", ours)):
        print(
            f"{label:<34}{run.rate:>14.1f}{run.percentile(50):>10.1f}"
            f"{run.percentile(99):>10.1f}{run.calls_per_activity:>16.2f}"
            f"{max(run.lags, default=0.0) * 1000:>12.1f}{run.lag(99):>12.1f}"
        )
    print(f"{'ratio (ours / echo), throughput':<34}{ours.rate / echo.rate:>14.2f}")
    # Ours answers once an activity is stored, the echo bot once it has replied: how fast
    # each gets its responses out (ours before its turns are done).
    print(
        f"{'acknowledged/s: echo, ours, ratio':<34}{echo.ack_rate:>14.1f}{ours.ack_rate:>10.1f}"
        f"{ours.ack_rate / echo.ack_rate:>10.2f}"
    )
    print(
        f"{'new connector connections per run':<34}"
        f"{'echo ' + ', '.join(str(r.connections) for r in echo_runs):>24}"
        f"  |  ours {', '.join(str(r.connections) for r in our_runs)}"
    )
    print(
        "all runs (activities/s): echo "
        + ", ".join(f"{r.rate:.0f}" for r in echo_runs)
        + " | ours "
        + ", ".join(f"{r.rate:.0f}" for r in our_runs)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer and smaller runs")
    args = parser.parse_args()
    count, runs = (100, 3) if args.quick else (500, 5)
    with tempfile.TemporaryDirectory() as directory:
        sqlite = f"sqlite:///{Path(directory) / 'bench.db'}"
        report(*asyncio.run(bench(count, runs, sqlite)), "SQLite (the default)")


if __name__ == "__main__":
    main()
