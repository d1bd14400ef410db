"""Issue 11's busy thread against `jcdc-bot serve` as a real process serving Slack and Teams at
once (Teams in local mode), with the fake Slack and the fake Bot Connector as the platforms:
three people answering one question in the same instant all land on it, chatter is not
recorded and its author is asked privately, and a time written in the author's own zone is
read in it. Both platforms must leave the same report behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from conversations.state import ReportState
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack, fake_slack
from tests.adapters.slack.harness import USERS
from tests.adapters.teams.activities import Activities, person
from tests.adapters.teams.fake_connector import FakeConnector
from tests.bot.serve_process import ServeProcess, send_slack, slack_env

NAMES = {"lead": "Lena Lead", "bob": "Bob", "cara": "Cara", "dan": "Dan"}
SLACK_IDS = {"lead": "U0LEAD", "bob": "U0BOB", "cara": "U0CARA", "dan": "U0DAN"}
TEAMS_PEOPLE = {key: person(name, n) for n, (key, name) in enumerate(NAMES.items(), start=1)}


async def until(condition: Callable[[], Awaitable[bool]], what: str, within: float = 30) -> None:
    for _ in range(int(within / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


class Side(Protocol):
    platform: str

    async def new(self, user: str, title: str) -> None: ...
    async def replies(self, replies: list[tuple[str, str]]) -> None: ...
    def private_texts(self, user: str) -> list[str]: ...
    def zone(self, user: str, tz: str) -> None: ...


class SlackSide:
    platform = "slack"

    def __init__(self, session: aiohttp.ClientSession, url: str, fake: FakeSlack) -> None:
        self.session, self.url, self.fake = session, url, fake
        self.thread = ""

    async def new(self, user: str, title: str) -> None:
        body = payloads.slash_command(SLACK_IDS[user], f"new {title}")
        assert await send_slack(self.session, self.url, body, "application/x-www-form-urlencoded")
        await self.fake.wait_until(lambda: bool(self.fake.posts()), within=20)
        self.thread = str(self.fake.posts()[0].answer["ts"])

    async def replies(self, replies: list[tuple[str, str]]) -> None:
        """Written in this order, delivered all at once."""
        messages = [
            payloads.event_callback(payloads.thread_message(SLACK_IDS[u], t, self.thread))
            for u, t in replies
        ]
        sent = await asyncio.gather(*(send_slack(self.session, self.url, m) for m in messages))
        assert sent == [200] * len(messages)

    def private_texts(self, user: str) -> list[str]:
        return [
            str(c.args.get("text", ""))
            for c in self.fake.of("chat.postEphemeral")
            if c.args.get("user") == SLACK_IDS[user]
        ]

    def zone(self, user: str, tz: str) -> None:
        self.fake.zones[SLACK_IDS[user]] = tz


class TeamsSide:
    platform = "teams"

    def __init__(self, session: aiohttp.ClientSession, url: str, connector: FakeConnector) -> None:
        self.session, self.url, self.connector = session, url, connector
        self.activities = Activities(connector.url)
        self.zones: dict[str, str] = {}

    async def _deliver(self, activity: dict[str, Any]) -> int:
        async with self.session.post(f"{self.url}/api/messages", json=activity) as response:
            return response.status

    async def new(self, user: str, title: str) -> None:
        command = self.activities.mention_command(TEAMS_PEOPLE[user], f"new {title}")
        assert await self._deliver(command) == 200

        async def rooted() -> bool:
            return bool(self.connector.sent(self.activities.channel))

        await until(rooted, "the Teams root card")

    @property
    def thread(self) -> str:
        return str(self.connector.sent(self.activities.channel)[0].result_id)

    async def replies(self, replies: list[tuple[str, str]]) -> None:
        activities = []
        for user, text in replies:
            activity = self.activities.reply(TEAMS_PEOPLE[user], self.thread, text)
            if user in self.zones:
                for entity in activity["entities"]:
                    if entity.get("type") == "clientInfo":
                        entity["timezone"] = self.zones[user]
            activities.append(activity)
        sent = await asyncio.gather(*(self._deliver(a) for a in activities))
        assert sent == [200] * len(activities)

    def private_texts(self, user: str) -> list[str]:
        member = TEAMS_PEOPLE[user].id
        chats = [
            c.result_id
            for c in self.connector.personal_chats_opened()
            if c.result_id and c.body["members"][0]["id"] == member
        ]
        return [c.text for chat in chats for c in self.connector.sent(chat)]

    def zone(self, user: str, tz: str) -> None:
        self.zones[user] = tz


async def _report(store: ReportStore, platform: str) -> ReportState | None:
    for summary in await store.list_reports():
        state = await store.load(summary.id)
        if state is not None and state.platform == platform:
            return state
    return None


async def play(side: Side, store: ReportStore) -> ReportState:
    async def state() -> ReportState:
        found = await _report(store, side.platform)
        assert found is not None
        return found

    async def asked(item_id: str) -> bool:
        """The bot's question `item_id` is posted and the platform confirmed its time."""
        if await _report(store, side.platform) is None:
            return False
        questions = (await state()).questions
        return (
            bool(questions) and questions[-1].item_id == item_id and bool(questions[-1].message_id)
        )

    async def answers(item_id: str, count: int) -> bool:
        found = [c for c in (await state()).contributions if c.item_id == item_id and c.active]
        return len(found) >= count

    side.zone("bob", "Asia/Tokyo")
    await side.new("lead", "Chatter test")
    await until(lambda: asked("handling.tlp"), "0.1 asked")
    await side.replies([("lead", "amber")])
    await until(lambda: asked("handling.organisation"), "0.3 asked")

    async def held() -> bool:
        return len((await state()).pending) == 2

    await side.replies([("cara", "has anyone paged legal yet?"), ("dan", "ok thanks")])
    await until(held, "the chatter held")
    await side.replies(
        [("bob", "Example Corp"), ("dan", "Example Corp AI team"), ("lead", "Example Corp SOC")]
    )
    await until(lambda: answers("handling.organisation", 3), "three answers to 0.3")
    await side.replies([("bob", "2.7: 2026-11-30 22:14 to 2026-12-01 03:10")])
    await until(lambda: answers("detection.timestamps", 1), "the period in 2.7")
    return await state()


def _asked_about_0_3(side: Side, who: str) -> Callable[[], Awaitable[bool]]:
    async def asked() -> bool:
        found = [t for t in side.private_texts(who) if "Record this as your answer" in t]
        return bool(found) and "0.3" in found[0]

    return asked


def _facts(state: ReportState) -> dict[str, Any]:
    return {
        "answers": sorted(
            (c.item_id, c.author.name, c.raw, str(c.value)) for c in state.contributions if c.active
        ),
        "held": sorted((p.item_id, p.author.name, p.text) for p in state.pending),
    }


async def test_the_busy_thread_leaves_the_same_report_on_slack_and_teams_served_for_real(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    connector = await FakeConnector().start()
    try:
        async with fake_slack(users=dict(USERS)) as fake:
            env = slack_env(url, fake.url, tmp_path, JCDC_TEAMS_LOCAL="1")
            serve = ServeProcess(env, log_path=tmp_path / "serve.log")
            await serve.start()
            database = Database.from_url(url)
            try:
                store = ReportStore(database)
                async with aiohttp.ClientSession() as session:
                    slack_side = SlackSide(session, serve.url, fake)
                    teams_side = TeamsSide(session, serve.url, connector)
                    slack = await play(slack_side, store)
                    teams = await play(teams_side, store)
                    # The chatter's authors were asked, privately, about the question they saw.
                    for side in (slack_side, teams_side):
                        for who in ("cara", "dan"):
                            await until(
                                _asked_about_0_3(side, who),
                                f"{who} asked on {side.platform}",
                            )
            finally:
                await database.dispose()
            assert await serve.stop() == 0, serve.log()
    finally:
        await connector.close()
    assert _facts(slack) == _facts(teams)
    facts = _facts(slack)
    organisation = [a[1:3] for a in facts["answers"] if a[0] == "handling.organisation"]
    assert organisation == [
        ("Bob", "Example Corp"),
        ("Dan", "Example Corp AI team"),
        ("Lena Lead", "Example Corp SOC"),
    ]
    assert facts["held"] == [
        ("handling.organisation", "Cara", "has anyone paged legal yet?"),
        ("handling.organisation", "Dan", "ok thanks"),
    ]
    (period,) = [a for a in facts["answers"] if a[0] == "detection.timestamps"]
    assert period[3] == "['2026-11-30T13:14:00Z/2026-11-30T18:10:00Z']"
