"""Stored Teams activities → engine events, when the inbox worker gets to them: the pure
translation, with the conversation references the activity brings as the event's addresses
(the turn keeps them, so that the bot can post there later, after a restart too), and for
"Add to JCDC report" the message's author by the Teams user id the rest of the report knows
them by (Teams names them by their Entra id there)."""

from __future__ import annotations

from typing import Any

from adapters.teams.references import ConversationReferences, addresses_of, teams_user_id
from adapters.teams.translate import from_activity, parse_activity
from conversations.addresses import AddressesOnly
from conversations.events import Event, ShortcutSubmitted
from conversations.state import Actor


class TeamsDecoder:
    def __init__(self, references: ConversationReferences | None = None) -> None:
        self.references = references

    async def event_of(self, payload: dict[str, Any]) -> Event | AddressesOnly | None:
        activity = parse_activity(payload)  # once, for the addresses and the event
        addresses = addresses_of(activity)
        event = from_activity(activity)
        if event is None:
            # No turn (the app installed in a team, a member added): the references are
            # what later posts there need.
            return AddressesOnly(addresses=addresses)
        if isinstance(event, ShortcutSubmitted):
            event = await self._author_by_teams_id(event)
        return event.model_copy(update={"addresses": addresses})

    async def _author_by_teams_id(self, event: ShortcutSubmitted) -> ShortcutSubmitted:
        """One person, one identity: the author as the 29: id their own replies carry. An
        author who never sent the bot anything stays by their Entra id (nothing knows their
        Teams id yet)."""
        if self.references is None:
            return event
        found = await teams_user_id(self.references, event.author.id)
        if found is None:
            return event
        return event.model_copy(update={"author": Actor(id=found, name=event.author.name)})
