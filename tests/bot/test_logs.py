"""JSON logs of a real `serve` turn: every turn line says which report, platform and delivery
it is about and how the turn ended; no answer text and no secret appears at INFO."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from bot import logs
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, fake_slack
from tests.bot.serve_process import (
    ServeProcess,
    recorded_iocs,
    send_slack,
    slack_env,
    start_slack_report,
)

ANSWER = "2.3: 203.0.113.77 seen-only-in-the-answer"


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_a_served_turn_logs_json_with_its_ids_and_without_answers_or_secrets(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'serve.db'}"
    async with fake_slack(users={"U0LEAD": "Lena Lead", "U0BOB": "Bob"}) as fake:
        env = slack_env(database_url, fake.url, tmp_path, JCDC_LOG_FORMAT="json")
        serve = ServeProcess(env, log_path=tmp_path / "serve.log")
        await serve.start()
        thread = await start_slack_report(serve.url, fake, "Log test", database_url)
        body = payloads.event_callback(
            payloads.thread_message("U0BOB", ANSWER, thread), event_id="Ev-log-1"
        )
        async with aiohttp.ClientSession() as session:
            assert await send_slack(session, serve.url, body) == 200
        for _ in range(200):
            if await recorded_iocs(database_url):
                break
            await asyncio.sleep(0.05)
        assert await serve.stop() == 0
    text = serve.log()

    lines = _json_lines(text)
    assert lines, text
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert datetime.fromisoformat(str(line["time"])).utcoffset() == timedelta(0)
    finished = [line for line in lines if str(line["message"]).startswith("turn finished")]
    assert len(finished) == 2, text  # /jcdc new, then the answer
    (report_id,) = {line["report_id"] for line in finished}
    for line in finished:
        assert line["platform"] == "slack"
        assert line["outcome"] == "handled"
        assert line["delivery_id"]
        assert line["inbox_id"]
    assert "Ev-log-1" in {line["delivery_id"] for line in finished}
    assert report_id
    assert isinstance(report_id, str)
    # Neither the answer nor any credential, on any line (JSON or not).
    assert "seen-only-in-the-answer" not in text
    assert "203.0.113.77" not in text
    assert SIGNING_SECRET not in text
    assert BOT_TOKEN not in text


def test_every_line_logged_inside_a_turn_carries_its_fields() -> None:
    stream = io.StringIO()
    logs.configure("json", stream)
    try:
        fields = {"platform": "teams", "delivery_id": "act-1", "inbox_id": 7}
        token = logs._turn.set(dict(fields))
        logs.about_report("r-42")
        logging.getLogger("adapters.teams.chat").warning("posting slowly")
        logs._turn.reset(token)
        logging.getLogger("bot.serve").info("outside any turn")
    finally:
        logs.configure("text")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "adapters.teams.chat",
        "message": "posting slowly",
        "platform": "teams",
        "delivery_id": "act-1",
        "inbox_id": 7,
        "report_id": "r-42",
    }
    assert "platform" not in outside
    assert outside["message"] == "outside any turn"


def test_the_text_format_names_the_turn_too() -> None:
    stream = io.StringIO()
    logs.configure("text", stream)
    token = logs._turn.set({"platform": "slack", "delivery_id": "Ev1", "outcome": "refused"})
    try:
        logging.getLogger("bot.runner").info("hello")
    finally:
        logs._turn.reset(token)
        logs.configure("text")
    assert (
        stream.getvalue()
        .rstrip()
        .endswith("bot.runner hello [platform=slack delivery_id=Ev1 outcome=refused]")
    )
