"""Display names for Slack user ids.

Events API messages usually carry only the user id, but the report sent to JCDC attributes
every answer to a person by name. Names are looked up once (users.info) and cached; when
Slack cannot say, the id stands in, and the turn goes on.
"""

from __future__ import annotations

import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import error_code
from conversations.events import Event
from conversations.state import Actor

log = logging.getLogger(__name__)


class PeopleDirectory:
    def __init__(
        self,
        ttl_seconds: float = 3600.0,
        unknown_ttl_seconds: float = 600.0,
        max_entries: int = 50_000,
    ) -> None:
        self.ttl = ttl_seconds
        # Slack could not say (no such user, missing scope): ask again later, not every turn.
        self.unknown_ttl = unknown_ttl_seconds
        self.max_entries = max_entries
        self._names: dict[str, tuple[str | None, float]] = {}

    async def name_of(self, user_id: str, client: AsyncWebClient) -> str | None:
        cached = self._names.get(user_id)
        now = time.monotonic()
        if cached is not None:
            name, at = cached
            if now - at < (self.ttl if name is not None else self.unknown_ttl):
                return name
        if len(self._names) >= self.max_entries:
            self._names.clear()
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.info("users.info for %s failed: %s", user_id, error_code(error))
            self._names[user_id] = (None, now)
            return None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            # A name is a nicety: the turn must go ahead without it.
            log.warning("users.info for %s unreachable: %r", user_id, error)
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        )
        self._names[user_id] = (name or None, now)
        return name or None

    async def named(self, event: Event, client: AsyncWebClient) -> Event:
        """The event with its actor's display name: payloads carry an id, at best a handle
        (slash commands' deprecated `user_name`), and the report needs the name people use."""
        actor = event.actor
        if not actor.id:
            return event
        name = await self.name_of(actor.id, client)
        if name is None or name == actor.name:
            return event
        return event.model_copy(update={"actor": Actor(id=actor.id, name=name)})
