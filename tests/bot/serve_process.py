"""`jcdc-bot serve` as a real OS process for tests: started, waited for, signalled, killed;
and what the process tests send it and read back."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.email.smtp_server import free_port
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, signed_headers


def slack_env(database_url: str, api_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        # Tests post faster than Slack allows; pacing has tests of its own.
        "SLACK_POSTS_PER_SECOND": "1000",
        "SLACK_POST_BURST": "1000",
        **extra,
    }


# Every process started by a test, so that a failing test leaves none running (conftest).
STARTED: list[asyncio.subprocess.Process] = []


@dataclass
class ServeProcess:
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, healthy_within: float = 30.0) -> None:
        assert self.log_path is not None
        log = self.log_path.open("ab")
        try:
            # A file, not a pipe: a process killed with SIGKILL leaves its output readable,
            # and a chatty one never blocks on a full pipe.
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--port",
                str(self.port),
                env=self.env,
                stdout=log,
                stderr=log,
            )
        finally:
            log.close()
        STARTED.append(self.process)
        await self.wait_healthy(healthy_within)

    async def wait_healthy(self, within: float = 30.0) -> None:
        assert self.process is not None
        async with aiohttp.ClientSession() as session:
            for _ in range(int(within / 0.05)):
                if self.process.returncode is not None:
                    raise AssertionError(
                        f"serve exited with {self.process.returncode}: {self.log()}"
                    )
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"serve never became healthy: {self.log()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self, within: float = 30.0) -> int:
        """SIGTERM, then the exit code (SIGKILL when it does not stop in time)."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=within)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def log(self) -> str:
        assert self.log_path is not None
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def send_slack(
    session: aiohttp.ClientSession,
    url: str,
    body: str,
    content_type: str = "application/json",
    *,
    as_slack_would: bool = False,
) -> int:
    """POST a signed Slack delivery to `serve` at `url`; the status. `as_slack_would`: no
    answer within Slack's 3 seconds, or a dropped connection, counts as status 0 (a failure,
    to be retried) instead of raising."""
    try:
        async with session.post(
            f"{url}/slack/events",
            data=body.encode(),
            headers=signed_headers(body, content_type=content_type),
            timeout=aiohttp.ClientTimeout(total=3) if as_slack_would else None,
        ) as response:
            return response.status
    except (TimeoutError, aiohttp.ClientError):
        if not as_slack_would:
            raise
        return 0


async def start_slack_report(url: str, fake: FakeSlack, title: str, database_url: str) -> str:
    """`/jcdc new <title>` sent to `serve` at `url`; the report's thread once it is posted
    and the report knows it. The root message asks the first question itself, so nothing
    in the thread says the thread exists: the database does (replies sent earlier would find
    no report)."""
    async with aiohttp.ClientSession() as session:
        body = payloads.slash_command("U0LEAD", f"new {title}")
        assert await send_slack(session, url, body, "application/x-www-form-urlencoded") == 200
    await fake.wait_until(lambda: any("thread_ts" not in c.args for c in fake.posts()), within=20)
    (root,) = [c for c in fake.posts() if "thread_ts" not in c.args]
    thread = str(root.answer["ts"])
    await thread_recorded(database_url, thread)
    return thread


async def thread_recorded(database_url: str, thread: str, within: float = 20.0) -> None:
    """Wait until the report whose root message is `thread` knows it (its RootPosted turn
    ran): replies to it can be bound to the report from then on."""
    database = Database.from_url(database_url)
    try:
        store = ReportStore(database)
        for _ in range(int(within / 0.05)):
            for summary in await store.list_reports():
                state = await store.load(summary.id)
                if state is not None and state.thread == thread:
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the report never recorded its thread {thread}")
    finally:
        await database.dispose()


async def recorded_iocs(database_url: str) -> list[str]:
    """The active answers to 2.3 (indicators) of the one report in the database."""
    database = Database.from_url(database_url)
    try:
        store = ReportStore(database)
        (summary,) = await store.list_reports()
        state = await store.load(summary.id)
        assert state is not None
        return [c.raw for c in state.contributions if c.item_id == "detection.iocs" and c.active]
    finally:
        await database.dispose()
