"""Three `serve` replicas on one fresh PostgreSQL database, started at the same moment: all
come up (migrations under an advisory lock), answers delivered twice to different replicas
are recorded once, and Confirm pressed on two replicas at once sends one e-mail."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from conversations import actions
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import fake_slack
from tests.bot.serve_process import ServeProcess, send_slack, slack_env, thread_recorded

ANSWERS = 15


async def _report(database_url: str) -> tuple[str, list[str], int]:
    database = Database.from_url(database_url)
    try:
        store = ReportStore(database)
        (summary,) = await store.list_reports()
        state = await store.load(summary.id)
        assert state is not None
        iocs = [c.raw for c in state.contributions if c.item_id == "detection.iocs"]
        return state.id, iocs, len(await store.submissions(state.id))
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_three_replicas_start_together_and_share_the_work(
    tmp_path: Path, process_postgres_url: str
) -> None:
    database_url = process_postgres_url
    outbox = tmp_path / "outbox"
    async with fake_slack(users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"}) as fake:
        env = slack_env(database_url, fake.url, tmp_path, OUTBOX_DIR=str(outbox))
        replicas = [ServeProcess(env, log_path=tmp_path / f"replica-{n}.log") for n in range(3)]
        try:
            # All three at the same moment, on an empty database: each one migrates.
            await asyncio.gather(*(replica.start(healthy_within=60) for replica in replicas))
            async with aiohttp.ClientSession() as session:
                new = payloads.slash_command("U0LEAD", "new Three replicas")
                assert (
                    await send_slack(
                        session, replicas[0].url, new, "application/x-www-form-urlencoded"
                    )
                    == 200
                )
                # The root asks the first question itself: no thread post says it is open.
                await fake.wait_until(lambda: bool(fake.posts()), within=20)
                (root,) = [c for c in fake.posts() if "thread_ts" not in c.args]
                thread = str(root.answer["ts"])
                await thread_recorded(database_url, thread)

                # Each answer is delivered twice, to two different replicas, at once (a
                # retry that a load balancer sends elsewhere).
                deliveries = []
                for n in range(ANSWERS):
                    body = payloads.event_callback(
                        payloads.thread_message("U0BOB", f"2.3: 203.0.113.{n}", thread),
                        event_id=f"Ev-rep-{n:02d}",
                    )
                    for replica in (replicas[n % 3], replicas[(n + 1) % 3]):
                        deliveries.append(
                            send_slack(session, replica.url, body, "application/json")
                        )
                assert set(await asyncio.gather(*deliveries)) == {200}
                expected = sorted(f"203.0.113.{n}" for n in range(ANSWERS))
                for _ in range(300):
                    if sorted((await _report(database_url))[1]) == expected:
                        break
                    await asyncio.sleep(0.1)
                report_id, iocs, _ = await _report(database_url)
                assert sorted(iocs) == expected

                send = payloads.slash_command("U0LEAD", "send")
                assert (
                    await send_slack(
                        session, replicas[1].url, send, "application/x-www-form-urlencoded"
                    )
                    == 200
                )
                await fake.wait_until(
                    lambda: any("Confirm" in str(c.args.get("blocks", "")) for c in fake.posts()),
                    within=20,
                )
                # The lead's double click lands on two replicas at once.
                clicks = [
                    payloads.block_actions(
                        "U0LEAD", actions.CONFIRM_SEND, report_id, thread, action_ts=f"17000.{n}"
                    )
                    for n in range(2)
                ]
                statuses = await asyncio.gather(
                    send_slack(
                        session, replicas[1].url, clicks[0], "application/x-www-form-urlencoded"
                    ),
                    send_slack(
                        session, replicas[2].url, clicks[1], "application/x-www-form-urlencoded"
                    ),
                )
                assert list(statuses) == [200, 200]
            for _ in range(300):
                if list(outbox.glob("*.eml")):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(6)  # every replica's e-mail worker has had a pass meanwhile
            assert len(list(outbox.glob("*.eml"))) == 1
            assert (await _report(database_url))[2] == 1
        finally:
            codes = await asyncio.gather(
                *(replica.stop() for replica in replicas if replica.process is not None)
            )
        assert codes == [0, 0, 0], [replica.log()[-2000:] for replica in replicas]
        for replica in replicas:
            assert "Traceback" not in replica.log(), replica.log()
