"""Display names and time zones for Slack user ids.

Events API messages usually carry only the user id, but the report sent to JCDC attributes
every answer to a person by name. Names are looked up once (users.info) and cached; when
Slack cannot say, the id stands in, and the turn goes on. The same users.info answer carries
the person's time zone (`tz`, an IANA name), in which a time they write without a zone is read.
"""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import error_code
from conversations.events import Event, ShortcutInvoked
from conversations.state import Actor

log = logging.getLogger(__name__)


class SlackPerson(NamedTuple):
    name: str | None
    tz: str | None


_UNKNOWN = SlackPerson(None, None)


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
        self._names: dict[str, tuple[SlackPerson, float]] = {}

    async def name_of(self, user_id: str, client: AsyncWebClient) -> str | None:
        return (await self.person_of(user_id, client)).name

    async def person_of(self, user_id: str, client: AsyncWebClient) -> SlackPerson:
        cached = self._names.get(user_id)
        now = time.monotonic()
        if cached is not None:
            person, at = cached
            if now - at < (self.ttl if person.name is not None else self.unknown_ttl):
                return person
        if len(self._names) >= self.max_entries:
            self._names.clear()
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.info("users.info for %s failed: %s", user_id, error_code(error))
            self._names[user_id] = (_UNKNOWN, now)
            return _UNKNOWN
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            # A name is a nicety: the turn must go ahead without it.
            log.warning("users.info for %s unreachable: %r", user_id, error)
            return _UNKNOWN
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        )
        tz = user.get("tz")
        person = SlackPerson(name or None, tz if isinstance(tz, str) and tz else None)
        self._names[user_id] = (person, now)
        return person

    async def named(self, event: Event, client: AsyncWebClient) -> Event:
        """The event with its actor's display name and time zone: payloads carry an id, at
        best a handle (slash commands' deprecated `user_name`), and the report needs the name
        people use."""
        actor = event.actor
        if not actor.id:
            return event
        person = await self.person_of(actor.id, client)
        updates: dict[str, object] = {}
        if person.name is not None and person.name != actor.name:
            updates["actor"] = Actor(id=actor.id, name=person.name)
        if person.tz is not None and event.tz is None:
            updates["tz"] = person.tz
        if isinstance(event, ShortcutInvoked):
            # The message's author is who the answer is attributed to, by name.
            author = await self.person_of(event.author.id, client)
            if author.name is not None and author.name != event.author.name:
                updates["author"] = Actor(id=event.author.id, name=author.name)
        return event.model_copy(update=updates) if updates else event
