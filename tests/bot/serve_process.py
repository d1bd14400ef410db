"""`jcdc-bot serve` as a real OS process for tests: started, waited for, signalled, killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.adapters.email.smtp_server import free_port
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET


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
