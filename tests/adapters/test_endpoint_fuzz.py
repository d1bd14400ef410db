"""Both endpoints, fuzzed over real HTTP: whatever a stranger sends — signed or not, JSON,
forms, XML, multipart, bytes, 100,000 nested brackets, damaged real payloads — the answer is
never a 5xx, nothing is logged as an ERROR or with a traceback, and what is refused leaves
nothing in the inbox.

Hypothesis drives a synchronous test; the bot runs on an event loop in a thread of its own
(one server for all examples), which is how hypothesis and a long-lived async server meet.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.server import build_bot, web_app
from bot.settings import Settings
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, fake_slack
from tests.adapters.teams.activities import ALICE, Activities

CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "text/xml",
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "",
]


class ErrorRecords(logging.Handler):
    """Every record at ERROR or above, and any record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.bad: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.bad.append(record)


@dataclass
class Running:
    loop: asyncio.AbstractEventLoop
    url: str
    database: Database

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}{path}", data=body, headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def stored(self) -> int:
        async with self.database.engine.connect() as connection:
            count = await connection.scalar(text("SELECT count(*) FROM inbox"))
            return int(count or 0)


@contextmanager
def running_bot(directory: Path) -> Iterator[Running]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    slack_side = AsyncExitStack()

    async def start() -> tuple[TestServer, Database]:
        # A fake Slack that answers: against a dead port slack_sdk retries with jitter drawn
        # from the global `random`, on this loop's thread, while Hypothesis draws examples on
        # the main thread, and Hypothesis takes that for randomness inside a strategy.
        fake = await slack_side.enter_async_context(fake_slack())
        database = Database.from_url(f"sqlite:///{directory / 'fuzz.db'}")
        await database.upgrade()
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.url,
            outbox_dir=directory / "outbox",
        )
        bot = build_bot(settings, ReportStore(database), teams_without_auth=True)
        server = TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
        await server.start_server()
        return server, database

    server, database = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield Running(loop, str(server.make_url("")).rstrip("/"), database)
    finally:

        async def stop() -> None:
            await server.close()
            await database.dispose()
            await slack_side.aclose()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


def _damaged(payload: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    changed = dict(payload)
    if key in changed:
        changed[key] = value
    else:
        changed.pop(next(iter(changed)), None)
    return changed


def _real_slack_json() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        payloads.event_callback(payloads.thread_message("U0BOB", "2.3: 203.0.113.9", "1.000001"))
    )
    return loaded


def _real_teams() -> dict[str, Any]:
    return Activities("https://smba.example/").mention_command(ALICE, "status", "1000")


bodies = st.one_of(
    st.binary(max_size=3000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=6).map(
        lambda form: urlencode(form).encode()
    ),
    st.integers(min_value=1, max_value=100_000).map(lambda n: b"[" * n + b"]" * (n % 3)),
    st.builds(
        lambda key, value: json.dumps(_damaged(_real_slack_json(), key, value)).encode(),
        st.sampled_from(["event", "type", "event_id", "team_id", "authorizations"]),
        json_values,
    ),
    st.builds(
        lambda key, value: json.dumps(_damaged(_real_teams(), key, value)).encode(),
        st.sampled_from(["type", "id", "from", "conversation", "value", "text", "entities"]),
        json_values,
    ),
    st.builds(
        lambda value: urlencode({"payload": json.dumps(value)}).encode(),
        json_values,
    ),
    st.just(b"<?xml version='1.0'?><a>1</a>"),
    st.just(b'{"type": {}}'),
)


def test_no_body_gets_a_server_error_or_a_traceback(tmp_path: Path) -> None:
    records = ErrorRecords()
    logging.getLogger().addHandler(records)
    try:
        with running_bot(tmp_path) as bot:
            seen = _fuzz(bot)
            stored = bot.run(bot.stored())
    finally:
        logging.getLogger().removeHandler(records)
    assert records.bad == [], [r.getMessage() for r in records.bad[:5]]
    # The examples reached every outcome: refused unsigned, refused unreadable, and (damaged
    # but still readable real payloads) accepted and stored.
    assert {200, 400, 401} <= set(seen), seen
    assert stored > 0


def _fuzz(bot: Running) -> Counter[int]:
    seen: Counter[int] = Counter()

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    # Readable real payloads, always among the examples: what is accepted must be stored.
    @example(
        body=json.dumps(_real_slack_json()).encode(),
        content_type="application/json",
        signed=True,
        teams=False,
    )
    @example(
        body=json.dumps(_real_teams()).encode(),
        content_type="application/json",
        signed=False,
        teams=True,
    )
    @given(
        body=bodies,
        content_type=st.sampled_from(CONTENT_TYPES),
        signed=st.booleans(),
        teams=st.booleans(),
    )
    def one(body: bytes, content_type: str, signed: bool, teams: bool) -> None:
        before = bot.run(bot.stored())
        if teams:
            status = bot.run(bot.post("/api/messages", body, {"Content-Type": content_type}))
        else:
            headers = _signed(body, content_type) if signed else {"Content-Type": content_type}
            status = bot.run(bot.post("/slack/events", body, headers))
        seen[status] += 1
        assert status < 500, (status, body[:200])
        if not teams and not signed:
            assert status in (401, 413)
        if status != 200:
            assert bot.run(bot.stored()) == before, (status, body[:200])

    one()
    return seen


def _signed(body: bytes, content_type: str) -> dict[str, str]:
    """Signed as Slack signs, over the exact bytes (which need not be text here)."""
    stamp = str(int(time.time()))
    digest = hmac.new(
        SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }
