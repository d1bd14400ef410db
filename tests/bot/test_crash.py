"""Acknowledged means stored, even through `kill -9`.

`serve` runs as a real process against the fake Slack. A burst of signed thread replies is
sent, the process is SIGKILLed once half of them have been answered 200, and a new process is
started on the same database. Slack then re-sends what it saw no 200 for (same event ids),
as it does. Every reply that was answered 200 must be in the report exactly once, the
retries add no duplicates, and the conversation goes on.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack, fake_slack, signed_headers
from tests.bot.serve_process import ServeProcess, slack_env

BURST = 20


async def _send(session: aiohttp.ClientSession, url: str, body: str, content_type: str) -> int:
    async with session.post(
        f"{url}/slack/events",
        data=body.encode(),
        headers=signed_headers(body, content_type=content_type),
    ) as response:
        return response.status


async def _iocs(database_url: str) -> list[str]:
    database = Database.from_url(database_url)
    try:
        store = ReportStore(database)
        (summary,) = await store.list_reports()
        state = await store.load(summary.id)
        assert state is not None
        return [c.raw for c in state.contributions if c.item_id == "detection.iocs" and c.active]
    finally:
        await database.dispose()


async def _start_report(serve: ServeProcess, fake: FakeSlack) -> str:
    async with aiohttp.ClientSession() as session:
        status = await _send(
            session,
            serve.url,
            payloads.slash_command("U0LEAD", "new Crash test"),
            "application/x-www-form-urlencoded",
        )
    assert status == 200
    await fake.wait_until(lambda: any("thread_ts" in c.args for c in fake.posts()), within=15)
    (root,) = [c for c in fake.posts() if "thread_ts" not in c.args]
    return str(root.answer["ts"])


async def test_sigkill_mid_burst_loses_no_acknowledged_answer(
    process_database_url: str, tmp_path: Path
) -> None:
    async with fake_slack(users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"}) as fake:
        env = slack_env(process_database_url, fake.url, tmp_path)
        serve = ServeProcess(env, log_path=tmp_path / "serve.log")
        await serve.start()
        thread = await _start_report(serve, fake)

        bodies = {
            f"Ev-crash-{n:02d}": payloads.event_callback(
                payloads.thread_message("U0BOB", f"2.3: 203.0.113.{n}", thread),
                event_id=f"Ev-crash-{n:02d}",
            )
            for n in range(BURST)
        }
        acknowledged: set[str] = set()
        half = asyncio.Event()

        async def deliver(event_id: str, session: aiohttp.ClientSession) -> None:
            try:
                status = await _send(session, serve.url, bodies[event_id], "application/json")
            except (aiohttp.ClientError, OSError):
                return  # the process died under it: Slack saw no answer
            if status == 200:
                acknowledged.add(event_id)
                if len(acknowledged) >= BURST // 2:
                    half.set()

        async with aiohttp.ClientSession() as session:
            burst = [asyncio.create_task(deliver(e, session)) for e in bodies]
            await asyncio.wait_for(half.wait(), timeout=30)
            serve.kill()
            await asyncio.gather(*burst)
        assert await serve.process.wait() == -9  # type: ignore[union-attr]
        assert len(acknowledged) >= BURST // 2

        restarted = ServeProcess(env, port=serve.port, log_path=tmp_path / "serve-2.log")
        await restarted.start()
        try:
            # Slack re-sends every event it saw no 200 for, with the same event id; and a
            # 200 lost on the way back makes it re-send an acknowledged one too.
            retried = [e for e in bodies if e not in acknowledged] + sorted(acknowledged)[:3]
            async with aiohttp.ClientSession() as session:
                statuses = await asyncio.gather(
                    *(_send(session, restarted.url, bodies[e], "application/json") for e in retried)
                )
            assert set(statuses) == {200}

            expected = sorted(f"203.0.113.{n}" for n in range(BURST))
            for _ in range(300):
                if sorted(await _iocs(process_database_url)) == expected:
                    break
                await asyncio.sleep(0.1)
            recorded = await _iocs(process_database_url)
            # Every answer exactly once: the acknowledged ones survived the kill, the
            # retried ones were not recorded twice.
            assert sorted(recorded) == expected
            assert len(recorded) == len(set(recorded))

            # The conversation goes on: a new reply is recorded and acknowledged in the thread.
            before = len(fake.posts(thread))
            async with aiohttp.ClientSession() as session:
                assert (
                    await _send(
                        session,
                        restarted.url,
                        payloads.event_callback(
                            payloads.thread_message("U0BOB", "2.3: 198.51.100.1", thread)
                        ),
                        "application/json",
                    )
                    == 200
                )
            await fake.wait_until(
                lambda: any(
                    "198.51.100" in str(c.args.get("text", "")) for c in fake.posts(thread)
                ),
                within=15,
            )
            assert len(fake.posts(thread)) > before
            assert "198.51.100.1" in await _iocs(process_database_url)
        finally:
            assert await restarted.stop() == 0, restarted.log()
        assert "Traceback" not in restarted.log()
        print(
            f"crash test: {len(acknowledged)} of {BURST} answered 200 before SIGKILL, "
            f"{len(retried)} re-sent after the restart, {len(recorded)} recorded, each once"
        )
