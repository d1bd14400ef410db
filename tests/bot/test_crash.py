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

from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import fake_slack
from tests.bot.serve_process import (
    ServeProcess,
    recorded_iocs,
    send_slack,
    slack_env,
    start_slack_report,
)

BURST = 20


async def test_sigkill_mid_burst_loses_no_acknowledged_answer(
    process_database_url: str, tmp_path: Path
) -> None:
    async with fake_slack(users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"}) as fake:
        env = slack_env(process_database_url, fake.url, tmp_path)
        serve = ServeProcess(env, log_path=tmp_path / "serve.log")
        await serve.start()
        thread = await start_slack_report(serve.url, fake, "Crash test", process_database_url)

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
                status = await send_slack(session, serve.url, bodies[event_id], "application/json")
            except (aiohttp.ClientError, OSError):
                return  # the process died under it: Slack saw no answer
            if status == 200:
                acknowledged.add(event_id)
                if len(acknowledged) == BURST // 2:
                    serve.kill()  # the moment the tenth is answered
                    half.set()

        async with aiohttp.ClientSession() as session:
            # A burst as a busy team types it: a reply every 30 ms, several in flight at once;
            # the process dies as the tenth is answered, with the rest still coming.
            burst = []
            for event_id in bodies:
                burst.append(asyncio.create_task(deliver(event_id, session)))
                await asyncio.sleep(0.03)
            await asyncio.wait_for(half.wait(), timeout=30)
            await asyncio.gather(*burst)
        assert await serve.process.wait() == -9  # type: ignore[union-attr]
        assert len(acknowledged) >= BURST // 2
        # Answered 200, yet not in the report when the process died: what the old fast path
        # lost, and what the inbox keeps.
        not_yet_recorded = len(acknowledged) - len(await recorded_iocs(process_database_url))

        restarted = ServeProcess(env, port=serve.port, log_path=tmp_path / "serve-2.log")
        await restarted.start()
        try:
            # Slack re-sends every event it saw no 200 for, with the same event id; and a
            # 200 lost on the way back makes it re-send an acknowledged one too.
            retried = [e for e in bodies if e not in acknowledged] + sorted(acknowledged)[:3]
            async with aiohttp.ClientSession() as session:
                statuses = await asyncio.gather(
                    *(
                        send_slack(session, restarted.url, bodies[e], "application/json")
                        for e in retried
                    )
                )
            assert set(statuses) == {200}

            expected = sorted(f"203.0.113.{n}" for n in range(BURST))
            for _ in range(300):
                if sorted(await recorded_iocs(process_database_url)) == expected:
                    break
                await asyncio.sleep(0.1)
            recorded = await recorded_iocs(process_database_url)
            # Every answer exactly once: the acknowledged ones survived the kill, the
            # retried ones were not recorded twice.
            assert sorted(recorded) == expected
            assert len(recorded) == len(set(recorded))

            # The conversation goes on: a new reply is recorded and acknowledged (2.3 was not
            # asked in the thread: to its author alone, no new post).
            before = len(fake.posts(thread))
            async with aiohttp.ClientSession() as session:
                assert (
                    await send_slack(
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
                    "198.51.100" in str(c.args.get("text", ""))
                    for c in fake.of("chat.postEphemeral")
                    if c.args.get("user") == "U0BOB"
                ),
                within=15,
            )
            assert len(fake.posts(thread)) == before
            assert "198.51.100.1" in await recorded_iocs(process_database_url)
        finally:
            assert await restarted.stop() == 0, restarted.log()
        assert "Traceback" not in restarted.log()
        print(
            f"crash test: {len(acknowledged)} of {BURST} answered 200 before SIGKILL "
            f"({not_yet_recorded} of them not yet in the report when it died), "
            f"{len(retried)} re-sent after the restart, {len(recorded)} recorded, each once"
        )
