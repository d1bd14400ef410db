"""`POST /api/messages`: where the Bot Connector delivers Teams activities.

Order of work for one request: check it is a JSON activity (else 4xx) → authenticate it with
the Bot Framework SDK (else 401, and nothing is stored) → store its conversation reference →
translate it → run the turn (`dispatch`, the bot's TurnRunner.handle) → 200. The turn's effects
are posted proactively by TeamsChat during `dispatch`, so the response carries no body.

Teams waits up to 15 seconds for the response and re-delivers on failure; the turn runner
drops a re-delivered activity by its event id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.teams.framework import BadActivity, BotFramework, Unauthorized
from adapters.teams.translate import from_activity, reference_of, user_reference_of
from conversations.events import Event
from storage.teams_conversations import TeamsConversations, user_key

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
Dispatch = Callable[[Event], Awaitable[object]]


class _Account(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str


class _Conversation(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    conversationType: str | None = None


class _Activity(BaseModel):
    """The least an activity must have for the bot to address its conversation later."""

    model_config = ConfigDict(extra="allow")
    type: str
    id: str | None = None
    serviceUrl: str
    channelId: str
    conversation: _Conversation
    # Absent on some system activities; required where a person acts (see `handle`).
    from_: _Account | None = None
    recipient: _Account | None = None


class TeamsEndpoint:
    def __init__(
        self,
        framework: BotFramework,
        dispatch: Dispatch,
        conversations: TeamsConversations,
    ) -> None:
        self.framework = framework
        self.dispatch = dispatch
        self.conversations = conversations

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _refuse(415, "expected an application/json activity")
        try:
            activity: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return _refuse(400, "the body is not JSON")
        if not isinstance(activity, dict):
            return _refuse(400, "the body is not an activity")
        try:
            shape = _Activity.model_validate({**activity, "from_": activity.get("from")})
        except ValidationError as error:
            return _refuse(400, f"not an activity: {error.error_count()} problems")
        if shape.type in ("message", "messageUpdate", "messageDelete") and (
            not shape.id or shape.from_ is None
        ):
            return _refuse(400, f"a {shape.type} activity needs an id and a sender")
        try:
            await self.framework.authenticate(activity, request.headers.get("Authorization", ""))
        except BadActivity:
            return _refuse(400, "not an activity the Bot Framework can read")
        except Unauthorized:
            return _refuse(401, "unauthorized")
        await self._remember(activity, shape)
        event = from_activity(activity)
        if event is not None:
            await self.dispatch(event)
        return web.Response(status=200)

    async def _remember(self, activity: dict[str, Any], shape: _Activity) -> None:
        reference = reference_of(activity)
        await self.conversations.save(reference["conversation"]["id"], reference)
        sender = shape.from_
        if sender is None or sender.id.startswith("28:") or sender.id == _id(shape.recipient):
            return
        key = user_key(sender.id)
        # A personal chat is the best way to reach someone privately: keep it once seen.
        # Otherwise any conversation of theirs will do to open one later.
        if (
            shape.conversation.conversationType == "personal"
            or await self.conversations.load(key) is None
        ):
            await self.conversations.save(key, user_reference_of(activity))


def _id(account: _Account | None) -> str | None:
    return account.id if account is not None else None


def _refuse(status: int, reason: str) -> web.Response:
    log.info("refused a Teams request (%d): %s", status, reason)
    return web.json_response({"error": reason}, status=status)


def teams_routes(endpoint: TeamsEndpoint) -> list[web.RouteDef]:
    """The routes to add to the bot's aiohttp application."""
    return [web.post(MESSAGES_PATH, endpoint.handle)]
