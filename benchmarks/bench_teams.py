"""The Teams adapter under load: full turns through POST /api/messages, side by side with a
bare Bot Framework echo bot, both against the same fake Bot Connector in the same run.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_teams [--quick]

One turn of ours: an answer in a report's thread from one of 50 responders → authenticate
(local mode) → stored in the inbox, answered → the conversation reference kept → dedupe,
load, engine, save (one transaction) → post the acknowledgement and update the root card
through the connector (from the chat outbox). A run of ours ends when every turn is posted. The
echo bot (CloudAdapter + ActivityHandler, the SDK's own sample shape) replies once to each
message. Both run at concurrency 50 from one aiohttp client; latency is request to response.
Runs alternate (echo, ours, echo, ours, ...) and the median run counts, because this machine
is noisy: the ratio travels, absolute numbers do not.

This file imports botbuilder for the echo bot: the baseline is the SDK itself.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.server import Bot, build_bot, web_app
from bot.settings import Settings
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.teams.activities import ALICE, Activities, Person, person
from tests.adapters.teams.fake_connector import FakeConnector

CONCURRENCY = 50
RESPONDERS = [person(f"Responder{n:02d}", 100 + n) for n in range(CONCURRENCY)]


@dataclass(frozen=True)
class Run:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    # Calls the bot made to the connector per activity (sends, updates).
    calls_per_activity: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


async def fire(
    session: ClientSession,
    url: str,
    activities: list[dict[str, Any]],
    name: str,
    settled: Callable[[], Awaitable[None]] | None = None,
) -> Run:
    """Post the activities at concurrency 50; the run ends when every response is in and,
    for ours (which answers once an activity is stored), every turn is done and posted."""
    gate = asyncio.Semaphore(CONCURRENCY)
    latencies: list[float] = []

    async def one(activity: dict[str, Any]) -> None:
        async with gate:
            started = time.perf_counter()
            async with session.post(url, json=activity) as response:
                await response.read()
                assert response.status in (200, 201), (response.status, await response.text())
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one(a) for a in activities))
    if settled is not None:
        await settled()
    return Run(name, len(activities), time.perf_counter() - started, latencies)


class EchoBot(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


async def serve(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def echo_server() -> TestServer:
    class Configuration:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Configuration()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        response: web.Response | None = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return await serve(app)


@dataclass
class OurBot:
    server: TestServer
    bot: Bot
    database: Database

    async def settled(self) -> None:
        await self.bot.settled(within=300)


async def our_server(database_url: str) -> OurBot:
    """The bot as `serve` composes it, with Teams in local (unauthenticated) mode."""
    database = Database.from_url(database_url)
    await database.upgrade()
    bot = build_bot(Settings(), ReportStore(database), teams_without_auth=True)
    return OurBot(await serve(web_app(bot, run_worker=False)), bot, database)


def answers(activities: Activities, thread: str, count: int, run: int) -> list[dict[str, Any]]:
    """`count` answers from the 50 responders, each an indicator of its own (no conflicts)."""
    people: list[Person] = [RESPONDERS[n % CONCURRENCY] for n in range(count)]
    return [
        activities.reply(who, thread, f"2.3: 198.51.{run % 250}.{n % 250} evil{n}[.]example")
        for n, who in enumerate(people)
    ]


async def bench(count: int, runs: int, database_url: str) -> tuple[list[Run], list[Run]]:
    connector = await FakeConnector().start()
    activities = Activities(connector.url)
    echo = await echo_server()
    ours = await our_server(database_url)
    echo_url = str(echo.make_url("/api/messages"))
    our_url = str(ours.server.make_url("/api/messages"))
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
                ours.settled,
            )
            thread = connector.sent(activities.channel)[0].result_id
            assert thread is not None
            await fire(session, echo_url, answers(activities, thread, CONCURRENCY, 0), "")
            await fire(
                session, our_url, answers(activities, thread, CONCURRENCY, 0), "", ours.settled
            )
            for run in range(1, runs + 1):
                for name, url, done_runs, settled in (
                    ("echo", echo_url, echo_runs, None),
                    ("ours", our_url, our_runs, ours.settled),
                ):
                    before = len(connector.calls)
                    done = await fire(
                        session, url, answers(activities, thread, count, run), name, settled
                    )
                    calls = (len(connector.calls) - before) / done.requests
                    done_runs.append(Run(name, done.requests, done.seconds, done.latencies, calls))
    finally:
        await echo.close()
        await ours.server.close()
        await ours.database.dispose()
        await connector.close()
    return echo_runs, our_runs


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


def report(echo_runs: list[Run], our_runs: list[Run], backend: str) -> None:
    echo, ours = median_run(echo_runs), median_run(our_runs)
    print(
        f"\nfull turns at concurrency {CONCURRENCY}, {ours.requests} activities per run, "
        f"median of {len(our_runs)} runs, storage: {backend}"
    )
    print(f"{'bot':<34}{'activities/s':>14}{'p50 ms':>10}{'p99 ms':>10}{'calls/activity':>16}")
    for label, run in (("bare Bot Framework echo bot", echo), ("jcdc-bot Teams adapter", ours)):
        print(
            f"{label:<34}{run.rate:>14.1f}{run.percentile(50):>10.1f}"
            f"{run.percentile(99):>10.1f}{run.calls_per_activity:>16.2f}"
        )
    print(f"{'ratio (ours / echo), throughput':<34}{ours.rate / echo.rate:>14.2f}")
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
