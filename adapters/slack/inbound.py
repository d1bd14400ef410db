"""Stored Slack deliveries → engine events, when the inbox worker gets to them: the pure
translation, plus what needs the network (display names) and, with several workspaces,
which workspace a channel belongs to (for the token of later posts)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from adapters.slack.clients import NoToken, SlackClients
from adapters.slack.people import PeopleDirectory
from adapters.slack.translate import from_slack_delivery
from conversations.events import Event, FormSubmitted
from storage.slack_channels import SlackChannels, Workspace

log = logging.getLogger(__name__)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_of(body: Mapping[str, Any], flat: str, nested: str) -> str | None:
    inner = body.get(nested)
    return _text(body.get(flat)) or (_text(inner.get("id")) if isinstance(inner, dict) else None)


def workspace_of(body: Mapping[str, Any]) -> Workspace:
    """The installation a payload came through: its team and Enterprise Grid org."""
    return Workspace(
        team_id=_id_of(body, "team_id", "team"),
        enterprise_id=_id_of(body, "enterprise_id", "enterprise"),
    )


class SlackDecoder:
    def __init__(
        self,
        clients: SlackClients,
        channels: SlackChannels | None = None,
        people: PeopleDirectory | None = None,
    ) -> None:
        self.clients = clients
        # Only needed with several workspaces: which token a later post must use.
        self.channels = channels
        self.people = people or PeopleDirectory()

    async def event_of(self, payload: dict[str, object]) -> Event | None:
        kind, body = payload.get("kind"), payload.get("body")
        if kind not in ("command", "event", "interaction") or not isinstance(body, dict):
            raise ValueError("not a stored Slack delivery")
        event = from_slack_delivery(kind, body, None)
        if event is None:
            return None
        if self.channels is not None:
            workspace = workspace_of(body)
            if not await self.clients.installed(workspace):
                # Signed by Slack, but from a workspace that never installed the app (or
                # uninstalled it): there is no token to answer with, and no report to keep.
                log.info("ignored a delivery from a workspace without an installation")
                return None
            places = [event.channel]
            if isinstance(event, FormSubmitted):
                places.append(event.actor.id)  # form errors go to the person directly
            for place in places:
                await self.channels.remember(place, workspace)
        try:
            client = await self.clients.for_channel(event.channel)
        except NoToken as error:
            log.info("no token to look up names in %s: %s", event.channel, error)
            return event
        return await self.people.named(event, client)
