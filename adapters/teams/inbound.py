"""Stored Teams activities → engine events, when the inbox worker gets to them. First the
conversation references are kept (so that the bot can post there later, after a restart
too), then the pure translation."""

from __future__ import annotations

from typing import Any

from adapters.teams.translate import from_activity, reference_of, user_reference_of
from conversations.events import Event
from storage.teams_conversations import TeamsConversations, user_key


def _id(value: object) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") else None


class TeamsDecoder:
    def __init__(self, conversations: TeamsConversations) -> None:
        self.conversations = conversations

    async def event_of(self, payload: dict[str, Any]) -> Event | None:
        await self._remember(payload)
        return from_activity(payload)

    async def _remember(self, activity: dict[str, Any]) -> None:
        reference = reference_of(activity)
        await self.conversations.save(reference["conversation"]["id"], reference)
        sender = _id(activity.get("from"))
        if sender is None or sender.startswith("28:") or sender == _id(activity.get("recipient")):
            return
        key = user_key(sender)
        conversation = activity.get("conversation")
        personal = isinstance(conversation, dict) and conversation.get("conversationType") == (
            "personal"
        )
        # A personal chat is the best way to reach someone privately: keep it once seen.
        # Otherwise any conversation of theirs will do to open one later.
        if personal or await self.conversations.load(key) is None:
            await self.conversations.save(key, user_reference_of(activity))
