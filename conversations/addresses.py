"""Platform addresses a delivery brings: where a channel or a person can be reached later.

A Slack delivery says which workspace its channel belongs to (whose bot token a later post
needs); a Teams activity carries the conversation reference a later post must be sent with.
The adapter that decodes the delivery puts them on the event; the turn runner saves them in
the turn's own transaction (one delivery, one transaction); the same adapter reads them back
through a port it owns (`ChannelDirectory`, `ConversationReferences`). The engine never looks
at them: to the core they are opaque JSON.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, JsonValue


class Address(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Which address book: each platform adapter names its own (storage keeps one per name).
    book: str
    # What the address is looked up by: a channel id, a conversation id, a user key.
    key: str
    value: dict[str, JsonValue]
    # False: only fill a gap, keep what the book already holds under `key`.
    replace: bool = True


class AddressesOnly(BaseModel):
    """A delivery that is no event for the engine but brings addresses (a Teams app installed
    in a team or a personal chat): its addresses are kept when the delivery is settled."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    addresses: tuple[Address, ...]
