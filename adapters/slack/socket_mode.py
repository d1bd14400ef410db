"""Slack over Socket Mode: the bot dials out to Slack, and every envelope is stored in the
inbox before it is acknowledged. An envelope that could not be stored is not acknowledged,
so that Slack sends it again."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.intake import Unavailable
from adapters.slack.deliveries import SlackDeliveries
from adapters.slack.translate import BadPayload, SlackKind

log = logging.getLogger(__name__)

_KINDS: dict[str, SlackKind] = {
    "events_api": "event",
    "slash_commands": "command",
    "interactive": "interaction",
}


class SlackSocket:
    def __init__(self, app_token: str, web_client: AsyncWebClient, deliveries: SlackDeliveries):
        self.deliveries = deliveries
        self.client = SocketModeClient(app_token=app_token, web_client=web_client)
        self.client.socket_mode_request_listeners.append(self._on_request)

    async def connect(self) -> None:
        await self.client.connect()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.client.close()  # type: ignore[no-untyped-call]

    async def _on_request(
        self, client: AsyncBaseSocketModeClient, request: SocketModeRequest
    ) -> None:
        kind = _KINDS.get(request.type)
        payload: dict[str, Any] | None = None
        if kind is not None:
            try:
                admitted = await self.deliveries.admit(kind, request.payload)
            except BadPayload as error:
                # Acknowledged all the same: sending it again would not make it readable.
                log.warning("ignored a Socket Mode envelope of type %s: %s", request.type, error)
            except Unavailable as error:
                log.warning("could not store a Socket Mode delivery (not acknowledged): %s", error)
                return
            else:
                if admitted.form_errors:
                    payload = {"response_action": "errors", "errors": admitted.form_errors}
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=payload)
        )
