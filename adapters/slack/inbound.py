"""Stored Slack deliveries → engine events, when the inbox worker gets to them: the pure
translation, plus what needs the network (display names) and, with several workspaces,
which workspace a channel belongs to (for the token of later posts)."""

from __future__ import annotations

import logging

from adapters.slack.clients import NoToken, SlackClients
from adapters.slack.people import PeopleDirectory
from adapters.slack.translate import from_slack_delivery
from adapters.slack.translations import Translations
from adapters.slack.workspaces import Workspace, workspace_of
from conversations.events import Event, FormSubmitted

log = logging.getLogger(__name__)


class SlackDecoder:
    def __init__(
        self,
        clients: SlackClients,
        several_workspaces: bool = False,
        people: PeopleDirectory | None = None,
        translations: Translations | None = None,
    ) -> None:
        self.clients = clients
        # What the edge of this process already translated (adapters.slack.translations).
        self.translations = translations
        # With several workspaces, each channel's workspace is an address the turn keeps:
        # which token a later post must use.
        self.several_workspaces = several_workspaces
        self.people = people or PeopleDirectory()

    async def event_of(self, payload: dict[str, object]) -> Event | None:
        kind, body = payload.get("kind"), payload.get("body")
        if kind not in ("command", "event", "interaction") or not isinstance(body, dict):
            raise ValueError("not a stored Slack delivery")
        kept = self.translations.take(body) if self.translations is not None else None
        event = kept if kept is not None else from_slack_delivery(kind, body, None)
        if event is None:
            return None
        if not self.several_workspaces:
            return await self._named(event, None)
        workspace = workspace_of(body)
        if not await self.clients.installed(workspace):
            # Signed by Slack, but from a workspace that never installed the app (or
            # uninstalled it): there is no token to answer with, and no report to keep.
            log.info("ignored a delivery from a workspace without an installation")
            return None
        places = [event.channel]
        if isinstance(event, FormSubmitted):
            places.append(event.actor.id)  # form errors go to the person directly
        event = event.model_copy(
            update={"addresses": tuple(workspace.address_of(place) for place in places)}
        )
        return await self._named(event, workspace)

    async def _named(self, event: Event, workspace: Workspace | None) -> Event:
        """The event with display names (the actor's, the mentioned people's)."""
        try:
            if workspace is None:
                client = await self.clients.for_channel(event.channel)
            else:
                client = await self.clients.for_workspace(workspace)
        except NoToken as error:
            log.info("no token to look up names in %s: %s", event.channel, error)
            return event
        return await self.people.named(event, client)
