"""Stored Teams activities → engine events, when the inbox worker gets to them: the pure
translation, with the conversation references the activity brings as the event's addresses
(the turn keeps them, so that the bot can post there later, after a restart too), and for
"Add to JCDC report" the message's author by the Teams user id the rest of the report knows
them by (Teams names them by their Entra id there): from the address book when they have sent
the bot anything, else asked of Teams (the conversation's member with that Entra id)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from adapters.teams import shapes
from adapters.teams.framework import ConnectorError
from adapters.teams.references import (
    REFERENCE_BOOK,
    ConversationReferences,
    addresses_of,
    entra_key,
    teams_user_id,
)
from adapters.teams.translate import from_activity, parse_activity, reference_of
from conversations.addresses import Address, AddressesOnly
from conversations.events import Event, ShortcutSubmitted
from conversations.state import Actor

log = logging.getLogger(__name__)


class Members(Protocol):
    """Teams' roster, as the Bot Framework wrapper reads it."""

    async def member(
        self, reference: dict[str, Any], conversation_id: str, member_id: str
    ) -> dict[str, Any]: ...


class TeamsDecoder:
    def __init__(
        self, references: ConversationReferences | None = None, members: Members | None = None
    ) -> None:
        self.references = references
        self.members = members

    async def event_of(self, payload: dict[str, Any]) -> Event | AddressesOnly | None:
        activity = parse_activity(payload)  # once, for the addresses and the event
        addresses = addresses_of(activity)
        event = from_activity(activity)
        if event is None:
            # No turn (the app installed in a team, a member added): the references are
            # what later posts there need.
            return AddressesOnly(addresses=addresses)
        if isinstance(event, ShortcutSubmitted):
            event, learnt = await self._author_by_teams_id(event, activity)
            addresses = (*addresses, *learnt)
        return event.model_copy(update={"addresses": addresses})

    async def _author_by_teams_id(
        self, event: ShortcutSubmitted, activity: shapes.Activity
    ) -> tuple[ShortcutSubmitted, tuple[Address, ...]]:
        """One person, one identity: the author as the 29: id their own replies carry, and
        what was learnt about them for the turn to keep. When neither the address book nor
        Teams can say, the author stays by their Entra id."""
        aad = event.author.id
        found = await teams_user_id(self.references, aad) if self.references else None
        learnt: tuple[Address, ...] = ()
        if found is None and self.members is not None:
            try:
                account = await self.members.member(reference_of(activity), event.channel, aad)
            except ConnectorError as error:
                log.info("could not ask Teams who wrote a message: %s", error)
                account = {}
            teams_id = account.get("id")
            if isinstance(teams_id, str) and teams_id.startswith("29:"):
                found = teams_id
                person = {"id": teams_id, "aadObjectId": aad}
                learnt = (Address(book=REFERENCE_BOOK, key=entra_key(aad), value={"user": person}),)
        if found is None:
            return event, ()
        author = Actor(id=found, name=event.author.name)
        return event.model_copy(update={"author": author}), learnt
