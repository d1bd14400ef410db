"""Stored Teams activities → engine events, when the inbox worker gets to them: the pure
translation, with the conversation references the activity brings as the event's addresses
(the turn keeps them, so that the bot can post there later, after a restart too)."""

from __future__ import annotations

from typing import Any

from adapters.teams.references import addresses_of
from adapters.teams.translate import from_activity, parse_activity
from conversations.addresses import AddressesOnly
from conversations.events import Event


class TeamsDecoder:
    async def event_of(self, payload: dict[str, Any]) -> Event | AddressesOnly | None:
        activity = parse_activity(payload)  # once, for the addresses and the event
        addresses = addresses_of(activity)
        event = from_activity(activity)
        if event is None:
            # No turn (the app installed in a team, a member added): the references are
            # what later posts there need.
            return AddressesOnly(addresses=addresses)
        return event.model_copy(update={"addresses": addresses})
