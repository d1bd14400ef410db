"""Plays people in a Teams channel against the bot, through `POST /api/messages`, and reads
what the bot answered from the fake Bot Connector.

The methods are the adapter contract's vocabulary (`command`, `reply`, `edit`, `delete`,
`submit_form`, `press`, and reading the thread and private notices back), so one scenario can
run against every adapter: a Slack driver offers the same methods.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp.test_utils import TestClient

from adapters.teams.translate import ADD_TO_REPORT_COMMAND
from tests.adapters.teams.activities import TENANT, Activities, Person
from tests.adapters.teams.fake_connector import Call, FakeConnector


class TeamsDriver:
    platform = "teams"

    def __init__(
        self,
        client: TestClient[Any, Any],
        connector: FakeConnector,
        activities: Activities,
        people: Mapping[str, Person],
        auth_header: str | None = None,
        settled: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        # Waits until the bot processed what it stored and performed the effects: Teams is
        # answered once an activity is stored, and the turn happens after.
        self.settled = settled
        self.connector = connector
        self.activities = activities
        self.people = people
        self.auth_header = auth_header
        self.delivered: list[dict[str, Any]] = []
        # People whose Teams client tells its time zone (the `clientInfo` entity's `timezone`).
        self.zones: dict[str, str] = {}

    # Delivering activities.

    async def deliver(self, activity: dict[str, Any], expect: int = 200) -> None:
        headers = {"Authorization": self.auth_header} if self.auth_header else {}
        response = await self.client.post("/api/messages", json=activity, headers=headers)
        assert response.status == expect, await response.text()
        self.delivered.append(activity)
        if self.settled is not None:
            await self.settled()

    async def redeliver_last(self) -> None:
        """The Bot Connector's retry of the last activity: same id, same body."""
        await self.deliver(self.delivered[-1])

    # The contract's vocabulary.

    async def command(self, user: str, text: str) -> None:
        """`@JCDC <text>`: `new` as a new channel post, anything else in the report's thread
        once there is one."""
        in_thread = self.thread if not text.startswith("new ") else None
        await self.deliver(self.activities.mention_command(self.people[user], text, in_thread))

    async def channel_command(self, user: str, text: str) -> None:
        """`@JCDC <text>` as a new post in the channel, outside any report's thread."""
        await self.deliver(self.activities.mention_command(self.people[user], text))

    def set_zone(self, user: str, zone: str) -> None:
        """`user`'s Teams client tells its time zone with what they send from now on."""
        self.zones[user] = zone

    async def reply(self, user: str, text: str) -> str:
        activity = self._zoned(user, self.activities.reply(self.people[user], self._thread(), text))
        await self.deliver(activity)
        return str(activity["id"])

    def _zoned(self, user: str, activity: dict[str, Any]) -> dict[str, Any]:
        zone = self.zones.get(user)
        if zone is not None:
            for entity in activity.get("entities") or []:
                if entity.get("type") == "clientInfo":
                    entity["timezone"] = zone
        return activity

    async def replies_at_once(self, replies: list[tuple[str, str]]) -> None:
        """Several people's replies written in the same instant, delivered together."""
        headers = {"Authorization": self.auth_header} if self.auth_header else {}
        activities = [
            self.activities.reply(self.people[user], self._thread(), text) for user, text in replies
        ]
        responses = await asyncio.gather(
            *(self.client.post("/api/messages", json=a, headers=headers) for a in activities)
        )
        assert all(r.status == 200 for r in responses)
        if self.settled is not None:
            await self.settled()

    async def add_to_report(self, user: str, author: str, text: str, item_id: str) -> None:
        """ "Add to JCDC report" used by `user` on `author`'s channel message `text`: the task
        card fetchTask answers with is submitted as prefilled (the only open report, the
        message's text), with `item_id` picked. Teams names the author by their Entra id."""
        writer = self.people[author]
        value: dict[str, Any] = {
            "commandId": ADD_TO_REPORT_COMMAND,
            "commandContext": "message",
            "messagePayload": {
                "id": self.activities.next_id(),
                "messageType": "message",
                "from": {"user": {"id": writer.aad, "displayName": writer.name}},
                "body": {"contentType": "html", "content": f"<p>{text}</p>"},
            },
        }
        fetch = self._invoke(user, "composeExtension/fetchTask", value)
        response = await self.client.post("/api/messages", json=fetch, headers=self._headers())
        assert response.status == 200, await response.text()
        card = (await response.json())["task"]["value"]["card"]["content"]
        inputs = {block["id"]: block for block in card["body"] if "id" in block}
        data = {
            "report_id": inputs["report_id"]["value"],
            "item_id": item_id,
            "text": inputs["text"]["value"],
        }
        await self.deliver(
            self._invoke(user, "composeExtension/submitAction", {**value, "data": data})
        )

    def _invoke(self, user: str, name: str, value: dict[str, Any]) -> dict[str, Any]:
        """A message-action invoke from `user`, in the channel."""
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": self.activities.channel,
        }
        activity = self.activities._base("invoke", self.people[user], conversation)
        activity.update(name=name, value=value, channelData=self.activities._channel_data())
        return activity

    def _headers(self) -> dict[str, str]:
        return {"Authorization": self.auth_header} if self.auth_header else {}

    async def edit(self, user: str, message_id: str, text: str) -> None:
        await self.deliver(
            self.activities.edit(self.people[user], self._thread(), message_id, text)
        )

    async def delete(self, user: str, message_id: str) -> None:
        await self.deliver(self.activities.delete(self.people[user], self._thread(), message_id))

    async def submit_form(self, user: str, section_id: str, values: Mapping[str, str]) -> None:
        """Fill in and submit the newest form for `section_id` the bot sent to `user`."""
        chat = self.personal_chat(user)
        assert chat is not None
        form = next(
            call
            for call in reversed(self.connector.sent(chat))
            if any(a.get("section_id") == section_id for a in call.actions())
        )
        (data,) = form.actions()
        inputs = {f"answer:{item}": value for item, value in values.items()}
        await self._submit(user, chat, form, {**data, **inputs})

    async def press(self, user: str, action: str, value: str = "") -> None:
        """Click the newest button `action` the user can see: in the thread, on the root card
        or in their personal chat. `value` fills a card's inputs (the section picker)."""
        visible = [
            call
            for call in self.connector.calls
            if call.result_id is not None
            and call.method in ("POST", "PUT")
            and call.conversation_id is not None
            and (
                call.conversation_id.startswith(self.activities.channel)
                or call.conversation_id == self.personal_chat(user, required=False)
            )
        ]
        for call in reversed(visible):
            for data in call.actions():
                if data.get("action") == action:
                    inputs = {"section": value} if value and action == "open_form" else {}
                    await self._submit(user, str(call.conversation_id), call, {**data, **inputs})
                    return
        raise AssertionError(f"no {action} button in sight of {user}")

    async def _submit(
        self, user: str, conversation: str, card: Call, value: dict[str, Any]
    ) -> None:
        if card.method == "PUT" and conversation == self.personal_chat(user, required=False):
            # A card updated in the personal chat (a preview's page turned) keeps its id.
            card_id = str(card.activity_id)
        elif card.method == "PUT":
            # An updated root card keeps the root's id and lives in the thread.
            card_id = str(card.activity_id)
            conversation = f"{self.activities.channel};messageid={card_id}"
        else:
            card_id = str(card.result_id)
            if conversation == self.activities.channel:
                conversation = f"{conversation};messageid={card_id}"
        await self.deliver(self.activities.submit(self.people[user], conversation, card_id, value))

    # Reading back what the bot did.

    @property
    def thread(self) -> str | None:
        """The report's thread: the id of the bot's first post in the channel itself."""
        roots = self.connector.sent(self.activities.channel)
        return roots[0].result_id if roots else None

    def _thread(self) -> str:
        thread = self.thread
        assert thread is not None, "no report thread yet"
        return thread

    def thread_texts(self) -> list[str]:
        """The thread as it reads now: each bot message in order, as its latest update left
        it."""
        conversation = f"{self.activities.channel};messageid={self._thread()}"
        latest = {c.activity_id: c.text for c in self.connector.updates() if c.activity_id}
        return [
            latest.get(call.result_id or "", call.text)
            for call in self.connector.sent(conversation)
        ]

    def edited_texts(self) -> list[str]:
        """The texts of the bot's thread messages as edited, in the order of the edits."""
        return [c.text for c in self.connector.updates() if c.activity_id != self._thread()]

    def root_text(self) -> str:
        """The root card as it reads now (after its last update)."""
        updates = [c for c in self.connector.updates() if c.activity_id == self._thread()]
        latest = updates[-1] if updates else self.connector.sent(self.activities.channel)[0]
        return latest.text

    def personal_chat(self, user: str, required: bool = True) -> str | None:
        member = self.people[user].id
        for call in self.connector.personal_chats_opened():
            if call.result_id and call.body["members"][0]["id"] == member:
                return call.result_id
        assert not required, f"the bot never opened a personal chat with {user}"
        return None

    def private_texts(self, user: str) -> list[str]:
        chat = self.personal_chat(user, required=False)
        return [call.text for call in self.connector.sent(chat)] if chat else []
