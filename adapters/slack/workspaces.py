"""Which Slack workspace a channel belongs to: the address a Slack delivery brings, and the
port the adapter reads it back through.

With several workspaces (OAuth installs) a post made outside a request (a submission outcome,
a reminder) needs the token of the channel's workspace, and Slack's payloads name the team
only on inbound requests. So the decoder puts the workspace on the event as an address, the
turn saves it with everything else it writes, and the Slack clients look it up later through
`ChannelDirectory`, which storage implements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from conversations.addresses import Address

# The address book Slack's addresses go to (storage keeps one by this name).
CHANNEL_BOOK = "slack_channels"


class WorkspaceIds(Protocol):
    """A Slack installation's place: its team and, on Enterprise Grid, its org."""

    @property
    def team_id(self) -> str | None: ...

    @property
    def enterprise_id(self) -> str | None: ...


@dataclass(frozen=True)
class Workspace:
    team_id: str | None
    enterprise_id: str | None

    def address_of(self, channel: str) -> Address:
        """`channel` (or a person's id, for what goes to them directly) is in this workspace."""
        return Address(
            book=CHANNEL_BOOK,
            key=channel,
            value={"team_id": self.team_id, "enterprise_id": self.enterprise_id},
        )


class ChannelDirectory(Protocol):
    """The workspace of each channel, as the deliveries from it said."""

    async def workspace_of(self, channel: str) -> WorkspaceIds | None: ...


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
