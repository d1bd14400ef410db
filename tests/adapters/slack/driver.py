"""Plays people in a Slack channel against the bot, through signed `POST /slack/events`
requests, and reads what the bot did from the fake Slack.

The methods are the adapter contract's vocabulary (`command`, `reply`, `edit`, `delete`,
`submit_form`, `press`, and reading the thread and private notices back); the Teams driver
offers the same, so one scenario runs against both. Each method returns once the bot has
finished the turn it caused (Slack is answered first and the work happens after, so a driver
that did not wait would race the bot).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.harness import SlackScene


class SlackDriver:
    platform = "slack"

    def __init__(self, scene: SlackScene, people: Mapping[str, str]) -> None:
        self.scene = scene
        # Contract names ("lead", "bob", ...) → Slack user ids.
        self.people = people
        self._texts: dict[str, str] = {}

    # -- the contract's vocabulary ---------------------------------------------------------

    async def command(self, user: str, text: str) -> None:
        if text.startswith("new "):
            await self.scene.start_report(self.people[user], text.removeprefix("new "))
        else:
            await self.scene.turn(self.scene.command(self.people[user], text))

    async def channel_command(self, user: str, text: str) -> None:
        """A command typed in the channel, outside any thread (every slash command is)."""
        await self.scene.turn(self.scene.command(self.people[user], text))

    def set_zone(self, user: str, zone: str) -> None:
        """`user`'s time zone as Slack's users.info tells it (set before they first act)."""
        self.scene.fake.zones[self.people[user]] = zone

    async def reply(self, user: str, text: str) -> str:
        message = payloads.thread_message(self.people[user], text, self.scene.thread)
        await self.scene.turn(self.scene.event(message))
        self._texts[str(message["ts"])] = text
        return str(message["ts"])

    async def replies_at_once(self, replies: list[tuple[str, str]]) -> None:
        """Several people's replies written in the same instant, delivered together."""
        messages = [
            payloads.thread_message(self.people[user], text, self.scene.thread)
            for user, text in replies
        ]
        responses = await asyncio.gather(*(self.scene.event(m) for m in messages))
        assert all(r.status == 200 for r in responses)
        await self.scene.bot.settled()

    async def add_to_report(self, user: str, author: str, text: str, item_id: str) -> None:
        """ "Add to JCDC report" used by `user` on `author`'s channel message `text`: the modal
        it opens is submitted as prefilled (the only open report, the message's text), with
        `item_id` picked."""
        fake = self.scene.fake
        before = len(fake.of("views.open"))
        shortcut = payloads.message_action(
            self.people[user], self.people[author], text, payloads.new_ts()
        )
        await self.scene.turn(self.scene.interaction(shortcut))
        await fake.wait_until(lambda: len(fake.of("views.open")) > before)
        view = fake.of("views.open")[-1].args["view"]
        fields = {b.get("block_id"): b.get("element") or {} for b in view["blocks"]}
        state = {
            "report": payloads.selected(str(fields["report"]["initial_option"]["value"])),
            "item": payloads.selected(item_id),
            "text": payloads.text_input(str(fields["text"]["initial_value"])),
        }
        response = await self.scene.turn(
            self.scene.interaction(payloads.view_submission(self.people[user], view, state))
        )
        assert await response.text() == "", "the modal was not closed"

    async def edit(self, user: str, message_id: str, text: str) -> None:
        changed = payloads.message_changed(
            self.people[user], message_id, text, self._texts[message_id], self.scene.thread
        )
        await self.scene.turn(self.scene.event(changed))
        self._texts[message_id] = text

    async def delete(self, user: str, message_id: str) -> None:
        deleted = payloads.message_deleted(
            self.people[user], message_id, self._texts[message_id], self.scene.thread
        )
        await self.scene.turn(self.scene.event(deleted))

    async def submit_form(self, user: str, section_id: str, values: Mapping[str, str]) -> None:
        """Fill in and submit the newest modal the bot opened for `section_id`."""
        view = next(
            call.args["view"]
            for call in reversed(self.scene.fake.of("views.open"))
            if json.loads(call.args["view"]["private_metadata"])["section_id"] == section_id
        )
        kinds = {
            block["block_id"]: block["element"]["type"]
            for block in view["blocks"]
            if block["type"] == "input"
        }
        state = {item: _element_state(kinds[item], value) for item, value in values.items()}
        response = await self.scene.turn(
            self.scene.interaction(payloads.view_submission(self.people[user], view, state))
        )
        assert await response.text() == "", "the modal was not closed"

    async def press(self, user: str, action: str, value: str = "") -> None:
        """Click the newest button `action` that `user` can see; for the root message's
        section menu (`open_form`), `value` names the section to pick."""
        for call in reversed(self._visible_to(self.people[user])):
            element = _find_element(call, action, value)
            if element is None:
                continue
            message_ts = str(call.args.get("ts") or call.answer.get("ts") or "")
            click = payloads.block_actions(
                self.people[user], action, element, message_ts or self.scene.thread
            )
            await self.scene.turn(self.scene.interaction(click))
            return
        raise AssertionError(f"no {action} button in sight of {user}")

    # -- reading back ----------------------------------------------------------------------

    def thread_texts(self) -> list[str]:
        return self.scene.thread_texts()

    def edited_texts(self) -> list[str]:
        return self.scene.edited_texts()

    def private_texts(self, user: str) -> list[str]:
        return self.scene.ephemerals_for(self.people[user])

    def _visible_to(self, user_id: str) -> list[Call]:
        return [
            call
            for call in self.scene.fake.calls
            if call.method in ("chat.postMessage", "chat.update")
            or (call.method == "chat.postEphemeral" and call.args.get("user") == user_id)
        ]


def _element_state(kind: str, value: str) -> dict[str, Any]:
    if kind == "static_select":
        return payloads.selected(value)
    if kind == "multi_static_select":
        options = [{"value": v.strip()} for v in value.split(",") if v.strip()]
        return {"type": kind, "selected_options": options}
    return payloads.text_input(value)


def _find_element(call: Call, action: str, value: str) -> str | None:
    """The value to click with, if the message carries the `action` element."""
    for block in call.args.get("blocks") or []:
        for element in block.get("elements") or []:
            if not isinstance(element, dict) or element.get("action_id") != action:
                continue
            if element.get("type") == "static_select":
                for option in element["options"]:
                    if str(option["value"]).endswith(f":{value}"):
                        return str(option["value"])
                continue
            return str(element.get("value", ""))
    return None
