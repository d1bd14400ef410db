"""A database outage in the middle of a stream of answers, survived without a restart.

`serve` runs as a real process on a PostgreSQL server of the test's own, which the test
stops for ten seconds while a responder keeps answering (the shared server is never
touched). Slack's behaviour is played: a delivery answered 5xx, or not answered at all, is
sent again later with the same event id. During the outage deliveries get 503 and /healthz
503; afterwards every answer is in the report exactly once — those acknowledged before the
outage, those stored but not yet processed when it began, and those retried after it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import fake_slack
from tests.bot.serve_process import (
    ServeProcess,
    recorded_iocs,
    send_slack,
    slack_env,
    start_slack_report,
)
from tests.pg_server import throwaway_postgres

ANSWERS = 40
OUTAGE_SECONDS = 10.0


async def _health(session: aiohttp.ClientSession, url: str) -> int:
    try:
        async with session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r:
            return r.status
    except (TimeoutError, aiohttp.ClientError):
        return 0


@pytest.mark.postgres
async def test_a_ten_second_database_outage_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    with throwaway_postgres() as server:
        async with fake_slack(users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"}) as fake:
            serve = ServeProcess(
                slack_env(server.url, fake.url, tmp_path), log_path=tmp_path / "serve.log"
            )
            await serve.start()
            try:
                thread = await start_slack_report(serve.url, fake, "Outage test", server.url)
                bodies = [
                    payloads.event_callback(
                        payloads.thread_message("U0BOB", f"2.3: 203.0.113.{n}", thread),
                        event_id=f"Ev-outage-{n:02d}",
                    )
                    for n in range(ANSWERS)
                ]
                statuses: dict[int, list[int]] = {n: [] for n in range(ANSWERS)}
                health_during: list[int] = []

                async def responder(session: aiohttp.ClientSession) -> None:
                    # One answer every 0.3 s; anything not answered 200 is re-sent every
                    # second until it is (Slack's retries, compressed in time).
                    waiting: list[int] = []
                    for n in range(ANSWERS):
                        status = await send_slack(
                            session, serve.url, bodies[n], "application/json", as_slack_would=True
                        )
                        statuses[n].append(status)
                        if status != 200:
                            waiting.append(n)
                        await asyncio.sleep(0.3)
                    deadline = time.monotonic() + 90
                    while waiting and time.monotonic() < deadline:
                        await asyncio.sleep(1.0)
                        for n in list(waiting):
                            status = await send_slack(
                                session,
                                serve.url,
                                bodies[n],
                                "application/json",
                                as_slack_would=True,
                            )
                            statuses[n].append(status)
                            if status == 200:
                                waiting.remove(n)

                async def outage(session: aiohttp.ClientSession) -> None:
                    await asyncio.sleep(2.0)
                    await asyncio.to_thread(server.stop)
                    started = time.monotonic()
                    while time.monotonic() - started < OUTAGE_SECONDS:
                        health_during.append(await _health(session, serve.url))
                        await asyncio.sleep(1.0)
                    await asyncio.to_thread(server.start)

                async with aiohttp.ClientSession() as session:
                    await asyncio.gather(responder(session), outage(session))
                    health_after = await _health(session, serve.url)

                expected = sorted(f"203.0.113.{n}" for n in range(ANSWERS))
                for _ in range(600):
                    if sorted(await recorded_iocs(server.url)) == expected:
                        break
                    await asyncio.sleep(0.1)
                recorded = await recorded_iocs(server.url)
            finally:
                code = await serve.stop()

        refused = sum(1 for tries in statuses.values() if tries[0] != 200)
        # The outage was felt: deliveries were refused (503 or no answer) and the health
        # check said so; then it was over, without a restart.
        assert refused > 0, statuses
        assert all(tries[-1] == 200 for tries in statuses.values()), statuses
        assert 503 in health_during, health_during
        assert health_after == 200
        # Nothing lost, nothing twice.
        assert sorted(recorded) == expected
        assert code == 0, serve.log()[-3000:]
        log = serve.log()
        assert "Traceback" not in log, log[-5000:]
        print(
            f"outage test: {ANSWERS} answers, {refused} refused first "
            f"({sum(len(t) for t in statuses.values()) - ANSWERS} retries), "
            f"health during outage {health_during}, all recorded once"
        )


async def test_sqlite_locked_by_another_process_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    """SQLite's outage: another process (a backup, a maintenance job) holds the write lock
    for longer than the bot waits. Deliveries get 503 meanwhile, and are recorded once when
    Slack sends them again."""
    database_url = f"sqlite:///{tmp_path / 'locked.db'}"
    async with fake_slack(users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"}) as fake:
        serve = ServeProcess(
            slack_env(database_url, fake.url, tmp_path), log_path=tmp_path / "serve.log"
        )
        await serve.start()
        try:
            thread = await start_slack_report(serve.url, fake, "Outage test", database_url)
            holder = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(tmp_path / 'locked.db')!r}, isolation_level=None)\n"
                "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True)\n"
                "time.sleep(6); c.execute('ROLLBACK')\n",
                stdout=asyncio.subprocess.PIPE,
            )
            assert holder.stdout is not None
            assert (await holder.stdout.readline()).strip() == b"locked"
            statuses: dict[int, list[int]] = {n: [] for n in range(10)}
            async with aiohttp.ClientSession() as session:
                for n in range(10):
                    body = payloads.event_callback(
                        payloads.thread_message("U0BOB", f"2.3: 198.51.100.{n}", thread),
                        event_id=f"Ev-locked-{n}",
                    )
                    statuses[n].append(
                        await send_slack(
                            session, serve.url, body, "application/json", as_slack_would=True
                        )
                    )
                await holder.wait()
                for n, tries in statuses.items():
                    if tries[-1] != 200:
                        body = payloads.event_callback(
                            payloads.thread_message("U0BOB", f"2.3: 198.51.100.{n}", thread),
                            event_id=f"Ev-locked-{n}",
                        )
                        tries.append(
                            await send_slack(
                                session, serve.url, body, "application/json", as_slack_would=True
                            )
                        )
            expected = sorted(f"198.51.100.{n}" for n in range(10))
            for _ in range(300):
                if sorted(await recorded_iocs(database_url)) == expected:
                    break
                await asyncio.sleep(0.1)
            recorded = await recorded_iocs(database_url)
        finally:
            code = await serve.stop()
    assert any(tries[0] != 200 for tries in statuses.values()), statuses
    assert all(tries[-1] == 200 for tries in statuses.values()), statuses
    assert sorted(recorded) == expected
    assert code == 0
    assert "Traceback" not in serve.log()
