"""A fake Slack on loopback: the Web API methods the bot calls, answered the way Slack answers
them (`ok`/`error` bodies, `ts` values, HTTP 429 with Retry-After on demand), plus a Socket
Mode WebSocket endpoint. It records every call so that tests assert on what the bot sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from tests.adapters.platform_clock import slack_ts

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
SIGNING_SECRET = "test-signing-secret"
BOT_USER = "U0BOT"
TEAM = "T0TEAM"
# What a second workspace's OAuth install hands out.
INSTALL_CODE = "install-code-1"
INSTALLED_TOKEN = "xoxb-installed-workspace-token"
OTHER_TEAM = "T0OTHER"
# A message holds at most this many blocks; more is refused as invalid_blocks.
MAX_BLOCKS = 50

JsonDict = dict[str, Any]


@dataclass
class Call:
    method: str
    args: JsonDict
    token: str | None
    # What the fake answered (empty for 429s and 5xx).
    answer: JsonDict = field(default_factory=dict)


@dataclass
class FakeSlack:
    tokens: set[str] = field(default_factory=lambda: {BOT_TOKEN})
    app_token: str = APP_TOKEN
    users: dict[str, str] = field(default_factory=dict)
    # users.info's `tz` (an IANA zone) for the users who have one set.
    zones: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # method -> how many of its next calls get HTTP 429, and the Retry-After to send.
    rate_limits: dict[str, tuple[int, int]] = field(default_factory=dict)
    server_errors: dict[str, int] = field(default_factory=dict)
    expired_triggers: set[str] = field(default_factory=set)
    # Users who are not members of any channel here (ephemeral messages to them fail).
    outsiders: set[str] = field(default_factory=set)
    # Socket Mode: what the bot acknowledged, by envelope id.
    socket_acks: dict[str, JsonDict] = field(default_factory=dict)
    url: str = ""
    root: str = ""
    # Called with every recorded call (benchmarks use it to see turns finish).
    listeners: list[Callable[[Call], None]] = field(default_factory=list)
    # Every TCP connection a Web API call came in on (the client's address and port).
    connections: set[tuple[str, int]] = field(default_factory=set)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _changed: asyncio.Condition | None = None
    _server: TestServer | None = None

    # -- what tests use --------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def posts(self, thread: str | None = None) -> list[Call]:
        return [
            call
            for call in self.of("chat.postMessage")
            if thread is None or call.args.get("thread_ts") == thread
        ]

    async def wait_until(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until `condition` holds (the bot works after it has acknowledged)."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), within)

    async def settle(self, quiet: float = 0.15) -> None:
        """Wait until no call has arrived for `quiet` seconds."""
        while True:
            seen = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == seen:
                return

    async def socket_send(self, envelope: JsonDict, within: float = 5.0) -> JsonDict:
        """Push an envelope to the connected Socket Mode client; return its acknowledgement."""
        await self.wait_until(lambda: bool(self._sockets), within)
        await self._sockets[-1].send_str(json.dumps(envelope))
        envelope_id = envelope["envelope_id"]
        await self.wait_until(lambda: envelope_id in self.socket_acks, within)
        return self.socket_acks[envelope_id]

    def open_connections(self) -> int:
        """How many client connections the fake holds open right now."""
        assert self._server is not None
        assert self._server.runner is not None
        server = self._server.runner.server
        return 0 if server is None else len(server.connections)

    async def wait_for_no_connections(self, within: float = 5.0) -> None:
        """Wait until the client has closed every connection (the fake sees it a moment
        after the client closes)."""

        async def closed() -> None:
            # aiohttp's server signals no event when a connection closes: poll.
            while self.open_connections():  # noqa: ASYNC110
                await asyncio.sleep(0.01)

        await asyncio.wait_for(closed(), within)

    # -- the Web API -----------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        for listener in self.listeners:
            listener(call)

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.transport is not None:
            host, port, *_ = request.transport.get_extra_info("peername")
            self.connections.add((host, port))
        args = await _arguments(request)
        token = _bearer(request) or args.pop("token", None)
        call = Call(method, args, token)
        await self._record(call)
        if method in self.rate_limits:
            times, retry_after = self.rate_limits[method]
            if times > 0:
                self.rate_limits[method] = (times - 1, retry_after)
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(retry_after)},
                )
        if self.server_errors.get(method, 0) > 0:
            self.server_errors[method] -= 1
            return web.Response(status=503, text="service unavailable")
        if method == "apps.connections.open":
            if token != self.app_token:
                return _error("invalid_auth")
            return web.json_response({"ok": True, "url": self.root.replace("http", "ws") + "link"})
        if method == "oauth.v2.access":
            return web.json_response(self._install(args))
        if token not in self.tokens:
            return _error("not_authed" if token is None else "invalid_auth")
        call.answer = self._answer(method, args)
        return web.json_response(call.answer)

    def response_url(self, fake_path: str = "actions/T0/1") -> str:
        """A response_url on this fake (Slack's are on hooks.slack.com)."""
        return f"{self.root}hooks/{fake_path}"

    async def response_url_post(self, request: web.Request) -> web.Response:
        """A post to an action's response_url, recorded as the method `response_url`."""
        await self._record(Call("response_url", await _arguments(request), None))
        return web.Response(text="ok")

    def _answer(self, method: str, args: JsonDict) -> JsonDict:
        blocks = args.get("blocks")
        if method.startswith("chat.") and isinstance(blocks, list) and len(blocks) > MAX_BLOCKS:
            # What Slack answers a message with more blocks than it holds.
            return {"ok": False, "error": "invalid_blocks"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "jcdc",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
            }
        if method == "chat.postMessage":
            if not args.get("channel") or not (args.get("text") or args.get("blocks")):
                return {
                    "ok": False,
                    "error": "no_text" if args.get("channel") else "channel_not_found",
                }
            ts = self.next_ts()
            message = {"type": "message", "user": BOT_USER, "ts": ts, "text": args.get("text")}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}
        if method == "chat.update":
            if not args.get("ts"):
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": args.get("channel"), "ts": args["ts"]}
        if method == "chat.postEphemeral":
            if args.get("user") in self.outsiders:
                return {"ok": False, "error": "user_not_in_channel"}
            return {"ok": True, "message_ts": self.next_ts()}
        if method == "views.open":
            if args.get("trigger_id") in self.expired_triggers:
                return {"ok": False, "error": "expired_trigger_id"}
            if not args.get("trigger_id") or not args.get("view"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {"id": f"V{len(self.of('views.open')):08d}"}}
        if method == "users.info":
            user = str(args.get("user", ""))
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            name = self.users[user]
            found: JsonDict = {"id": user, "name": name.lower(), "profile": {"display_name": name}}
            if user in self.zones:
                found["tz"] = self.zones[user]
            return {"ok": True, "user": found}
        return {"ok": False, "error": "unknown_method"}

    def _install(self, args: JsonDict) -> JsonDict:
        """Exchange an OAuth code for a new workspace's bot token (oauth.v2.access)."""
        if args.get("code") != INSTALL_CODE:
            return {"ok": False, "error": "invalid_code"}
        self.tokens.add(INSTALLED_TOKEN)
        return {
            "ok": True,
            "access_token": INSTALLED_TOKEN,
            "token_type": "bot",
            "scope": "commands,chat:write,channels:history,groups:history,users:read",
            "bot_user_id": BOT_USER,
            "app_id": "A0JCDC",
            "team": {"name": "Other Org", "id": OTHER_TEAM},
            "enterprise": None,
            "authed_user": {"id": "U0ADMIN"},
            "is_enterprise_install": False,
        }

    def next_ts(self) -> str:
        # Slack's ts: epoch seconds and a six-digit sequence, unique per channel.
        return slack_ts()

    # -- Socket Mode -----------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(
            json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        )
        assert self._changed is not None
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                body = json.loads(message.data)
                async with self._changed:
                    self.socket_acks[body["envelope_id"]] = body
                    self._changed.notify_all()
        return ws


def _error(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else None


async def _arguments(request: web.Request) -> JsonDict:
    args: JsonDict = dict(parse_qsl(request.query_string))
    body = await request.text()
    if request.content_type == "application/json" and body:
        args.update(json.loads(body))
    elif body:
        args.update(dict(parse_qsl(body)))
    return args


@asynccontextmanager
async def fake_slack(**options: Any) -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(**options)
    fake._changed = asyncio.Condition()
    app = web.Application()
    app.router.add_route("*", "/api/{method}", fake.api)
    app.router.add_get("/link", fake.socket)
    app.router.add_post("/hooks/{path:.*}", fake.response_url_post)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake._server = server
    fake.url = str(server.make_url("/api/"))
    fake.root = str(server.make_url("/"))
    try:
        yield fake
    finally:
        for ws in fake._sockets:
            await ws.close()
        await server.close()


def signed_headers(
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Headers exactly as Slack signs a request: v0 HMAC-SHA256 of `v0:{ts}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }
