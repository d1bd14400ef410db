"""Activities shaped like the ones Teams posts to a bot (field names, id formats and nesting
as in Microsoft's documentation and captured traffic), built with fresh ids."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.adapters.platform_clock import teams_message_id

BOT_ID = "28:1b5e8c3a-7f1d-4b4e-9a51-2d6f0c9e7a10"
BOT_NAME = "JCDC"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAM = "19:f1c0a2b4d6e84c0f9b1e2a3c4d5e6f70@thread.tacv2"
CHANNEL = "19:3f0c2bd1c2a24b2f9ee9b26a4d1e0a4b@thread.tacv2"
START = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)

Activity = dict[str, Any]


@dataclass(frozen=True)
class Person:
    name: str
    id: str
    aad: str

    def account(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad}


def person(name: str, n: int) -> Person:
    return Person(
        name=name,
        id=f"29:1{n:03d}Xq8aBcD-{name.lower()}-EfGhIjKlMnOpQrStUvWxYz0123456789",
        aad=f"00000000-0000-0000-0000-{n:012d}",
    )


ALICE = person("Alice Adams", 1)
BOB = person("Bob Brown", 2)
CAROL = person("Carol Chen", 3)
DANA = person("Dana Diaz", 4)


@dataclass
class Activities:
    """Builds inbound activities for one fake Teams tenant whose connector is `service_url`."""

    service_url: str
    channel: str = CHANNEL
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _clock: list[datetime] = field(default_factory=lambda: [START])

    def next_id(self) -> str:
        # Teams message ids are millisecond timestamps.
        return teams_message_id()

    def _now(self) -> str:
        self._clock[0] += timedelta(seconds=10)
        return self._clock[0].isoformat().replace("+00:00", "Z")

    def _base(self, kind: str, sender: Person, conversation: dict[str, Any]) -> Activity:
        stamp = self._now()
        return {
            "type": kind,
            "id": self.next_id(),
            "timestamp": stamp,
            "localTimestamp": stamp.replace("Z", "-05:00"),
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": sender.account(),
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "locale": "en-US",
            "localTimezone": "America/New_York",
        }

    def _channel_conversation(self, thread: str) -> dict[str, Any]:
        return {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{self.channel};messageid={thread}",
        }

    def _channel_data(self, event_type: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "teamsChannelId": self.channel,
            "teamsTeamId": TEAM,
            "channel": {"id": self.channel},
            "team": {"id": TEAM},
            "tenant": {"id": TENANT},
        }
        if event_type:
            data["eventType"] = event_type
        return data

    def mention_command(self, sender: Person, command: str, thread: str | None = None) -> Activity:
        """`@JCDC <command>` typed in the channel: a new post, or a reply in `thread`."""
        activity = self._base("message", sender, {})
        root = thread or activity["id"]
        activity["conversation"] = self._channel_conversation(root)
        mention = f"<at>{BOT_NAME}</at>"
        activity.update(
            text=f"<p>{mention} {command}</p>",
            textFormat="plain",
            attachments=[
                {
                    "contentType": "text/html",
                    "content": f'<div><div><span itemscope="" itemtype='
                    f'"http://schema.skype.com/Mention" itemid="0">{BOT_NAME}</span>'
                    f" {command}</div></div>",
                }
            ],
            entities=[
                {
                    "type": "mention",
                    "mentioned": {"id": BOT_ID, "name": BOT_NAME},
                    "text": mention,
                },
                {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"},
            ],
            channelData=self._channel_data(),
        )
        if thread:
            activity["replyToId"] = thread
        return activity

    def reply(self, sender: Person, thread: str, text: str) -> Activity:
        """A plain reply in a channel thread (delivered thanks to ChannelMessage.Read.Group)."""
        activity = self._base("message", sender, self._channel_conversation(thread))
        activity.update(
            text=f"<p>{text}</p>",
            textFormat="plain",
            replyToId=thread,
            attachments=[{"contentType": "text/html", "content": f"<p>{text}</p>"}],
            entities=[{"type": "clientInfo", "locale": "en-US", "platform": "Web"}],
            channelData=self._channel_data(),
        )
        return activity

    def edit(self, sender: Person, thread: str, message_id: str, text: str) -> Activity:
        activity = self._base("messageUpdate", sender, self._channel_conversation(thread))
        activity.update(
            id=message_id,
            text=f"<p>{text}</p>",
            textFormat="plain",
            channelData=self._channel_data("editMessage"),
        )
        return activity

    def delete(self, sender: Person, thread: str, message_id: str) -> Activity:
        activity = self._base("messageDelete", sender, self._channel_conversation(thread))
        activity.update(id=message_id, channelData=self._channel_data("softDeleteMessage"))
        return activity

    def submit(
        self, sender: Person, conversation_id: str, card_id: str, value: dict[str, Any]
    ) -> Activity:
        """An Adaptive Card Action.Submit: the action's data merged with the inputs."""
        personal = not conversation_id.startswith("19:")
        conversation = (
            {"conversationType": "personal", "tenantId": TENANT, "id": conversation_id}
            if personal
            else {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
                "id": conversation_id,
            }
        )
        activity = self._base("message", sender, conversation)
        activity.update(
            replyToId=card_id,
            value=value,
            channelData={"tenant": {"id": TENANT}, "source": {"name": "message"}}
            if personal
            else self._channel_data(),
            entities=[{"type": "clientInfo", "locale": "en-US", "platform": "Web"}],
        )
        if not personal:
            activity["channelData"]["legacy"] = {"replyToId": card_id}
        return activity

    def personal_message(self, sender: Person, conversation_id: str, text: str) -> Activity:
        activity = self._base(
            "message",
            sender,
            {"conversationType": "personal", "tenantId": TENANT, "id": conversation_id},
        )
        activity.update(text=text, textFormat="plain", channelData={"tenant": {"id": TENANT}})
        return activity

    def installed_in_team(self, sender: Person) -> Activity:
        activity = self._base(
            "conversationUpdate",
            sender,
            {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
                "id": self.channel,
            },
        )
        activity.update(
            membersAdded=[{"id": BOT_ID}],
            channelData={**self._channel_data("teamMemberAdded")},
        )
        return activity
