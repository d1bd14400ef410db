"""A fake Bot Connector on loopback: the REST API Teams' connector service speaks to bots
(`/v3/conversations/...`), answering as the real one does and recording every call.

- `POST /v3/conversations/{id}/activities` → 201 `{"id": <new message id>}`. In a channel
  (`19:...`) a post creates a thread whose root is that id; in `<channel>;messageid=<root>`
  it is a reply in that thread.
- `POST /v3/conversations/{id}/activities/{replyToId}` → 201 `{"id": ...}` (reply).
- `PUT /v3/conversations/{id}/activities/{activityId}` → 200 `{"id": activityId}`; 404 for
  a message it never created, as Teams does.
- `POST /v3/conversations` (a personal chat with one member) → 201 `{"id": "a:..."}`, the same
  id for the same person every time; 403 `BotNotInConversationRoster` when told to refuse.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.adapters.platform_clock import teams_message_id


@dataclass(frozen=True)
class Call:
    method: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None
    # The id the connector answered with (a new message, or a new personal chat).
    result_id: str | None = None

    @property
    def card(self) -> dict[str, Any]:
        """The Adaptive Card the activity carries."""
        (attachment,) = self.body["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        content: dict[str, Any] = attachment["content"]
        return content

    @property
    def text(self) -> str:
        """Every TextRun and TextBlock text of the card, one line per block."""
        lines = []
        for block in _walk(self.card.get("body", [])):
            if block.get("type") == "RichTextBlock":
                lines.append("".join(run["text"] for run in block["inlines"]))
            elif block.get("type") == "TextBlock":
                lines.append(block["text"])
        return "\n".join(lines)

    def actions(self) -> list[dict[str, Any]]:
        """Action.Submit data on the card, the section picker's included."""
        return [
            node["data"]
            for node in _walk(self.card)
            if node.get("type") == "Action.Submit" and isinstance(node.get("data"), dict)
        ]


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    # Make `POST /v3/conversations` fail as Teams does when the app cannot reach the person.
    refuse_personal_chats: bool = False
    # The tenant's people as `GET /v3/conversations/{id}/members/{id}` answers for them, by
    # Teams user id and by Entra object id (TeamsChannelAccount fields).
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _messages: set[tuple[str, str]] = field(default_factory=set)
    _server: TestServer | None = None
    # The TCP connections requests came in on (the bot's keep-alive is counted by them).
    _transports: set[object] = field(default_factory=set)

    @property
    def connections(self) -> int:
        return len(self._transports)

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/"))

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    def _new_id(self) -> str:
        # Teams message ids are millisecond timestamps.
        return teams_message_id()

    async def _body(self, request: web.Request) -> dict[str, Any]:
        assert request.content_type == "application/json"
        body: dict[str, Any] = json.loads(await request.read())
        return body

    def _record(self, request: web.Request, body: dict[str, Any], result: str | None) -> None:
        self._transports.add(request.transport)
        self.calls.append(
            Call(
                method=request.method,
                conversation_id=request.match_info.get("conversation"),
                activity_id=request.match_info.get("activity"),
                body=body,
                authorization=request.headers.get("Authorization"),
                result_id=result,
            )
        )

    async def _send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        conversation = request.match_info["conversation"]
        if body.get("type") != "message" or body.get("conversation", {}).get("id") != conversation:
            self._record(request, body, None)
            return web.json_response({"error": {"code": "BadSyntax"}}, status=400)
        message_id = self._new_id()
        self._messages.add((conversation.split(";")[0], message_id))
        self._record(request, body, message_id)
        return web.json_response({"id": message_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        conversation = request.match_info["conversation"].split(";")[0]
        activity = request.match_info["activity"]
        if (conversation, activity) not in self._messages:
            self._record(request, body, None)
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        self._record(request, body, activity)
        return web.json_response({"id": activity})

    def add_member(self, account: dict[str, str]) -> None:
        """Someone Teams knows in the tenant: `id` (29:), `name`, `aadObjectId`."""
        self.members[account["id"]] = account
        self.members[account["aadObjectId"]] = account

    async def _member(self, request: web.Request) -> web.Response:
        account = self.members.get(request.match_info["member"])
        self._record(request, {}, account["id"] if account else None)
        if account is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "Not found"}},
                status=404,
            )
        return web.json_response({**account, "userPrincipalName": "x@example.com"})

    def member_lookups(self) -> list[Call]:
        return [c for c in self.calls if c.method == "GET"]

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if self.refuse_personal_chats:
            self._record(request, body, None)
            return web.json_response(
                {
                    "error": {
                        "code": "BotNotInConversationRoster",
                        "message": "The bot is not part of the conversation roster.",
                    }
                },
                status=403,
            )
        (member,) = body["members"]
        digest = hashlib.sha256(member["id"].encode()).hexdigest()[:24]
        self._record(request, body, f"a:1{digest}")
        return web.json_response({"id": f"a:1{digest}"}, status=201)

    # What the bot sent, in the words of the tests.

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == "POST"
            and c.conversation_id is not None
            and (conversation_id is None or c.conversation_id == conversation_id)
        ]

    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT"]

    def personal_chats_opened(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.conversation_id is None]
