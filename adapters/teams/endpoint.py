"""`POST /api/messages`: where the Bot Connector delivers Teams activities.

For each request, in this order: a JSON activity of bounded size and depth (else 4xx) →
its shape, read once by the translator (else 400) → its token (adapters.teams.auth; else
401, nothing is stored) → its serviceUrl on the allow-list (else 403) → stored in the inbox
(else 503, so that Teams re-delivers) → 200. The turn happens after, from the inbox
(adapters.teams.inbound turns the stored activity into an event), and its effects are posted
proactively, so the response carries no body. The exceptions are invokes Teams waits on: a
message action's `composeExtension/fetchTask`, whose form adapters.teams.message_action
builds at once (nothing is stored for it), and a form dialog's `task/fetch` and
`task/submit` (adapters.teams.task_module): a submission that will record something is
stored first, and only then answered.

Every refusal is one INFO/WARNING line, never a traceback: anyone can reach this URL.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from adapters.intake import Delivery, Intake, Unavailable
from adapters.safe_json import UnreadableJson, loads_bounded
from adapters.teams.framework import BotFramework, Unauthorized
from adapters.teams.message_action import MessageActions
from adapters.teams.task_module import Dialogs
from adapters.teams.translate import PLATFORM, MalformedActivity, TeamsDelivery, read_inbound

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
# Teams activities, Adaptive Card submits included, stay far below this.
MAX_BODY_BYTES = 512 * 1024
MAX_DEPTH = 64
# Activities with nothing in them for the bot, not even an address worth keeping.
_NOTHING_TO_KEEP = frozenset({"typing", "endOfConversation", "trace"})


class TeamsEndpoint:
    def __init__(
        self,
        framework: BotFramework,
        intake: Intake,
        message_actions: MessageActions | None = None,
        dialogs: Dialogs | None = None,
    ) -> None:
        self.framework = framework
        self.intake = intake
        # Answers the message action's fetchTask at once (it waits for the form).
        self.message_actions = message_actions
        # Answers the form dialogs' invokes (without them, a form button opens nothing).
        self.dialogs = dialogs

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _refuse(415, "expected an application/json activity")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _refuse(413, "the activity is too large")
        raw = await request.content.read(MAX_BODY_BYTES + 1)
        try:
            activity = loads_bounded(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH)
        except UnreadableJson as error:
            return _refuse(400 if "too big" not in str(error) else 413, f"unreadable: {error}")
        if not isinstance(activity, dict):
            return _refuse(400, "the body is not an activity")
        try:
            inbound = read_inbound(activity)
        except MalformedActivity as error:
            return _refuse(400, f"not an activity the bot can read: {error}")
        shape, found = inbound.activity, inbound.delivery
        try:
            await self.framework.authenticate(
                request.headers.get("Authorization", ""),
                channel_id=shape.channelId or "",
                service_url=shape.serviceUrl or "",
            )
        except Unauthorized:
            return _refuse(401, "unauthorized")
        if not self.framework.service_urls.allows(shape.serviceUrl or ""):
            # Authentic, but the bot would never post there: keep no reference to it.
            return _refuse(403, "the serviceUrl is not on the allow-list")
        if self.message_actions is not None:
            try:
                task = await self.message_actions.answer(shape)
            except MalformedActivity as error:
                return _refuse(400, f"not an invoke the bot can read: {error}")
            if task is not None:
                return web.json_response(task)
        if self.dialogs is not None:
            try:
                dialog = await self.dialogs.answer(shape)
            except MalformedActivity as error:
                return _refuse(400, f"not an invoke the bot can read: {error}")
            except Unavailable as error:
                log.warning("could not read the report for a Teams dialog (503): %s", error)
                return web.json_response({"error": "temporarily unavailable"}, status=503)
            if dialog is not None:
                if dialog.store and found is not None:
                    failed = await self._store(found, activity)
                    if failed is not None:
                        return failed
                return web.json_response(dialog.response)
        # Even activities that are no turn (the app installed in a team, a member added) are
        # stored: their conversation reference is what later posts there need.
        if found is None or shape.type in _NOTHING_TO_KEEP:
            return web.Response(status=200)
        return await self._store(found, activity) or web.Response(status=200)

    async def _store(self, found: TeamsDelivery, activity: dict[str, Any]) -> web.Response | None:
        """Store the activity in the inbox; the 503 to answer when it could not be."""
        try:
            await self.intake.accept(
                Delivery(
                    platform=PLATFORM,
                    delivery_id=found.delivery_id,
                    lane=f"{PLATFORM}:{found.workspace}:{found.channel}",
                    payload=activity,
                )
            )
        except Unavailable as error:
            log.warning("could not store a Teams activity (answering 503): %s", error)
            return web.json_response({"error": "temporarily unavailable"}, status=503)
        return None


def _refuse(status: int, reason: str) -> web.Response:
    log.info("refused a Teams request (%d): %s", status, reason)
    return web.json_response({"error": reason}, status=status)


def teams_routes(endpoint: TeamsEndpoint) -> list[web.RouteDef]:
    """The routes to add to the bot's aiohttp application."""
    return [web.post(MESSAGES_PATH, endpoint.handle)]
