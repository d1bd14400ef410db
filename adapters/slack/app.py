"""The slack-bolt AsyncApp: inbound Slack requests → engine events, acknowledged first.

Bolt verifies signatures and timestamps, answers url_verification and ssl_check, and
returns the HTTP response as soon as a listener calls `ack()`; the turn then goes on in the
background. Only modal submissions wait for their turn, so that rejected fields can be shown
under the inputs; even they are answered within `VIEW_ACK_DEADLINE`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import FORM_CALLBACK_ID
from adapters.slack.chat import PendingViewAck, SlackChat, answering_view
from adapters.slack.people import PeopleDirectory
from adapters.slack.translate import (
    from_block_actions,
    from_event_callback,
    from_slash_command,
    from_view_submission,
)
from conversations.effects import Ephemeral
from conversations.events import Event
from conversations.richtext import plain
from storage.slack_channels import SlackChannels, Workspace

log = logging.getLogger(__name__)

Dispatch = Callable[[Event], Awaitable[object]]
# Slack gives up on a request after 3 s; answer a modal well before that.
VIEW_ACK_DEADLINE = 2.0
_SORRY = (
    "Something went wrong on my side and that was not recorded. Nothing you entered "
    "earlier is lost; please try again in a moment."
)


class SlackBot:
    """Listeners that translate, dispatch to the turn runner, and never let an error out."""

    def __init__(
        self,
        dispatch: Dispatch,
        chat: SlackChat,
        channels: SlackChannels | None = None,
        people: PeopleDirectory | None = None,
    ) -> None:
        self.dispatch = dispatch
        self.chat = chat
        self.people = people or PeopleDirectory()
        # Only needed with several workspaces: which token a later post must use.
        self.channels = channels

    def register(self, app: AsyncApp) -> None:
        # Any command name: a workspace may install the app as /jcdc-staging, say.
        app.command(re.compile(r"^/"))(self.on_command)
        app.event("message")(self.on_message)
        app.action(re.compile(".*"))(self.on_action)
        app.view_submission(FORM_CALLBACK_ID)(self.on_view_submission)

    async def _remember(self, context: AsyncBoltContext, *places: str) -> None:
        if self.channels is None:
            return
        workspace = Workspace(team_id=context.team_id, enterprise_id=context.enterprise_id)
        for place in places:
            await self.channels.remember(place, workspace)

    async def _run(self, event: Event, context: AsyncBoltContext) -> None:
        try:
            if context.client is not None:
                event = await self.people.named(event, context.client)
            await self.dispatch(event)
        except Exception:
            log.exception("turn %s failed", event.event_id)
            await self._apologise(event)

    async def _apologise(self, event: Event) -> None:
        notice = Ephemeral(
            channel=event.channel, thread=event.thread, user=event.actor, text=(plain(_SORRY),)
        )
        try:
            await self.chat.ephemeral(notice)
        except Exception:
            log.exception("could not tell %s that turn %s failed", event.actor.id, event.event_id)

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await self._remember(context, str(body.get("channel_id", "")))
        await self._run(from_slash_command(body), context)

    async def on_message(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        # Bolt acknowledges events itself before calling this.
        event = from_event_callback(body, context.bot_user_id)
        if event is None:
            return
        await self._remember(context, event.channel)
        await self._run(event, context)

    async def on_action(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        event = from_block_actions(body)
        if event is None:
            return
        await self._remember(context, event.channel)
        await self._run(event, context)

    async def on_view_submission(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        event = from_view_submission(body)
        if event is None:
            await ack()
            return
        await self._remember(context, event.channel, event.actor.id)
        pending = PendingViewAck()
        with answering_view(pending):
            # The task inherits the context, so the chat port sees `pending`.
            turn = asyncio.create_task(self._run(event, context))
        waiting = asyncio.create_task(pending.ready.wait())
        await asyncio.wait(
            {turn, waiting}, timeout=VIEW_ACK_DEADLINE, return_when="FIRST_COMPLETED"
        )
        waiting.cancel()
        pending.answered = True
        if pending.errors:
            await ack(response_action="errors", errors=dict(pending.errors))
        else:
            await ack()
        await turn


def build_app(
    bot: SlackBot,
    *,
    signing_secret: str,
    client: AsyncWebClient,
    oauth_settings: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        oauth_settings=oauth_settings,
        # Ack first, work after: Slack retries anything not answered within 3 seconds.
        process_before_response=False,
        name="jcdc-bot",
    )
    bot.register(app)
    return app
