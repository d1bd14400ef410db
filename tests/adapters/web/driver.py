"""Plays people on the playground page against the bot, through `POST /api/deliveries`, and
reads back what the page would show them from the hub's records.

The adapter contract's vocabulary (`command`, `reply`, `edit`, `delete`, `submit_form`,
`press`, the thread and private notices), as the Slack and Teams drivers offer it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp.test_utils import TestClient

from adapters.web import Hub
from adapters.web.render import Record
from adapters.web.translate import person_id

CHANNEL = "ai-incidents"


def spans_text(record: Record) -> str:
    if record["kind"] == "said":
        return str(record["text"])
    return "".join(span["text"] for span in record["spans"])


class WebDriver:
    platform = "web"

    def __init__(
        self,
        client: TestClient[Any, Any],
        hub: Hub,
        names: Mapping[str, str],
        settled: Callable[[], Awaitable[None]],
    ) -> None:
        self.client = client
        self.hub = hub
        self.names = names
        self.settled = settled

    async def deliver(self, user: str, body: dict[str, Any], expect: int = 202) -> str:
        delivery_id = uuid.uuid4().hex
        payload = {"id": delivery_id, "person": {"name": self.names[user]}, "channel": CHANNEL}
        response = await self.client.post("/api/deliveries", json={**payload, **body})
        assert response.status == expect, await response.text()
        await self.settled()
        return delivery_id

    # The contract's vocabulary.

    async def command(self, user: str, text: str) -> None:
        thread = None if text.startswith("new ") else self.thread
        await self.deliver(user, {"type": "say", "text": f"/jcdc {text}", "thread": thread})

    async def reply(self, user: str, text: str) -> str:
        return await self.deliver(user, {"type": "say", "text": text, "thread": self._thread()})

    async def edit(self, user: str, message_id: str, text: str) -> None:
        body = {"type": "edit", "thread": self._thread(), "message_id": message_id, "text": text}
        await self.deliver(user, body)

    async def delete(self, user: str, message_id: str) -> None:
        body = {"type": "delete", "thread": self._thread(), "message_id": message_id}
        await self.deliver(user, body)

    async def submit_form(self, user: str, section_id: str, values: Mapping[str, str]) -> None:
        """Fill in and submit the newest form for `section_id` the bot opened for `user`."""
        form = next(
            record["form"]
            for record in reversed(self.hub.records(person_id(self.names[user])))
            if record["kind"] == "form" and record["form"]["section_id"] == section_id
        )
        filled = {field["item_id"]: values.get(field["item_id"], "") for field in form["fields"]}
        body = {
            "type": "form",
            "report_id": form["report_id"],
            "section_id": section_id,
            "values": filled,
        }
        await self.deliver(user, body)

    async def press(self, user: str, action: str, value: str = "") -> None:
        """Press the newest button `action` that `user` sees; `open_form` with a section is the
        root card's section picker."""
        seen = list(reversed(self.hub.records(person_id(self.names[user]))))
        if action == "open_form" and value:
            root = next(record for record in seen if record["kind"] == "root")
            report = root["card"]["report_id"]
            await self._press(user, action, f"{report}:{value}", root["id"], root["id"])
            return
        for record in seen:
            buttons = record["card"]["buttons"] if record["kind"] == "root" else []
            buttons = buttons or record.get("buttons", [])
            for button in buttons:
                if button["action"] == action:
                    thread = record["id"] if record["kind"] == "root" else record["thread"]
                    await self._press(user, action, button["value"], thread, record["id"])
                    return
        raise AssertionError(f"no {action} button in sight of {user}")

    async def _press(
        self, user: str, action: str, value: str, thread: str | None, on: str | None
    ) -> None:
        """As the page presses: naming the record the button is on (`on`)."""
        report = value.split(":", 1)[0] or None
        body = {"type": "press", "action": action, "value": value, "report_id": report}
        await self.deliver(user, {**body, "thread": thread, "message_id": on})

    # Reading back what the page shows.

    @property
    def thread(self) -> str | None:
        roots = [r for r in self.hub.records() if r["kind"] == "root"]
        return str(roots[0]["id"]) if roots else None

    def _thread(self) -> str:
        thread = self.thread
        assert thread is not None, "no report thread yet"
        return thread

    def thread_texts(self) -> list[str]:
        return [
            spans_text(r)
            for r in self.hub.records()
            if r["kind"] == "post" and r["thread"] == self.thread
        ]

    def private_texts(self, user: str) -> list[str]:
        return [
            spans_text(r)
            for r in self.hub.records()
            if r["kind"] == "notice" and r["to"] == person_id(self.names[user])
        ]
