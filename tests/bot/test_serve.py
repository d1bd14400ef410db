"""`jcdc-bot serve` as a real process: it starts, answers health checks and Slack, counts in
/metrics, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from tests.adapters.email.smtp_server import free_port
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, fake_slack, signed_headers


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            if process.returncode is not None:
                raise AssertionError(f"serve exited with {process.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("serve never became healthy")


async def test_serve_runs_slack_over_http_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with fake_slack(users={"U0LEAD": "Lena Lead"}) as fake:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--port",
            str(port),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await _wait_healthy(f"{base}/healthz", process)
            body = payloads.slash_command("U0LEAD", "new Served for real")
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    f"{base}/slack/events", data=body.encode(), headers=signed_headers(body)
                ) as response:
                    assert response.status == 200
                # The root, which asks the first question itself.
                await fake.wait_until(lambda: len(fake.posts()) >= 1, within=10)
                await fake.settle()
                async with session.get(f"{base}/metrics") as response:
                    metrics = await response.text()
                # Teams was neither configured nor asked for locally: it is off.
                teams = {"type": "message", "serviceUrl": "http://127.0.0.1:9/"}
                async with session.post(f"{base}/api/messages", json=teams) as response:
                    assert response.status == 404
            assert 'jcdc_turns_total{outcome="handled",platform="slack"}' in metrics
            assert 'jcdc_http_requests_total{route="/slack/events",status="200"}' in metrics
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        assert process.returncode == 0, stderr.decode()
        assert "listening on" in stdout.decode()
        assert BOT_TOKEN not in stderr.decode()
        log = stderr.decode()
        assert log.count("Teams is off") == 1
        # The command line runs serve on uvloop (bot/event_loop.py), installed everywhere
        # but Windows.
        assert "event loop: uvloop.Loop" in log
        assert "WITHOUT authentication" not in log
        # slack_bolt's "As you gave `client` as well, `token` will be unused".
        assert "will be unused" not in log


async def test_serve_refuses_slack_without_a_signing_secret(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--port",
        str(free_port()),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 1
    assert "SLACK_SIGNING_SECRET" in stderr.decode()
