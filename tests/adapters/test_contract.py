"""The adapter contract: one scenario, played through every chat adapter's real endpoint,
must leave the same report behind (same answers, authors, edits, retractions, form answers,
status and submission), whatever the platform.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.server import build_bot, web_app
from bot.settings import Settings
from conversations.answers import answer_choices
from conversations.checklist import load_checklist
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack.driver import SlackDriver
from tests.adapters.slack.harness import slack_scene
from tests.adapters.teams.activities import Activities, person
from tests.adapters.teams.driver import TeamsDriver
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.web.driver import WebDriver

# The people of the scenario and the names their platform shows for them.
NAMES = {"lead": "Lena Lead", "bob": "Bob", "cara": "Cara", "dan": "Dan"}


class Driver(Protocol):
    platform: str

    async def command(self, user: str, text: str) -> None: ...
    async def reply(self, user: str, text: str) -> str: ...
    async def edit(self, user: str, message_id: str, text: str) -> None: ...
    async def delete(self, user: str, message_id: str) -> None: ...
    async def submit_form(self, user: str, section_id: str, values: Mapping[str, str]) -> None: ...
    async def press(self, user: str, action: str, value: str = "") -> None: ...
    def thread_texts(self) -> list[str]: ...
    def private_texts(self, user: str) -> list[str]: ...


async def play(driver: Driver) -> None:
    await driver.command("lead", "new Prompt injection in support copilot")
    await driver.reply("lead", "amber")
    cara = await driver.reply("cara", "3")
    bob = await driver.reply("bob", "0.3: Example Corp, AI team")
    await driver.reply("dan", "Dan Doe, incident lead, dan@example.com")
    await driver.edit("bob", bob, "0.3: Example Corp, AI platform security")
    await driver.delete("cara", cara)
    await driver.press("cara", "open_form", "description")
    await driver.submit_form(
        "cara",
        "description",
        {
            "description.event_type": "attempted_attack",
            "description.vulnerability": "yes",
            "description.cves": "CVE-2026-12345",
        },
    )
    await driver.command("bob", "status")
    await driver.press("lead", "preview")
    await driver.press("lead", "send")
    await driver.press("bob", "confirm_send")  # refused: Bob is not the lead
    await driver.press("lead", "confirm_send")


async def outcome(store: ReportStore) -> dict[str, Any]:
    """The report as platform-neutral facts (no ids, times or platform names)."""
    (summary,) = await store.list_reports()
    state = await store.load(summary.id)
    assert state is not None
    submissions = await store.submissions(summary.id)
    return {
        "title": state.title,
        "status": state.status.value,
        "lead": state.lead.name,
        "answers": sorted(
            (c.item_id, c.author.name, c.raw, c.via, c.edited_at is not None, c.active)
            for c in state.contributions
        ),
        "submissions": [(s.requested_by.name, s.report_version) for s in submissions],
    }


EXPECTED = {
    "title": "Prompt injection in support copilot",
    "status": "submit_requested",
    "lead": "Lena Lead",
    "answers": sorted(
        [
            ("handling.tlp", "Lena Lead", "amber", "guided", False, True),
            # The essentials are asked first: after 0.1 comes 0.3, then 0.4 (issue 11).
            ("handling.organisation", "Cara", "3", "guided", False, False),
            (
                "handling.organisation",
                "Bob",
                "Example Corp, AI platform security",
                "direct",
                True,
                True,
            ),
            (
                "handling.contact",
                "Dan",
                "Dan Doe, incident lead, dan@example.com",
                "guided",
                False,
                True,
            ),
            ("description.event_type", "Cara", "attempted_attack", "form", False, True),
            ("description.vulnerability", "Cara", "yes", "form", False, True),
            ("description.cves", "Cara", "CVE-2026-12345", "form", False, True),
        ]
    ),
}


@asynccontextmanager
async def slack(database: Database, tmp_path: Path) -> AsyncIterator[tuple[Driver, ReportStore]]:
    async with slack_scene(database, tmp_path) as scene:
        ids = {"lead": "U0LEAD", "bob": "U0BOB", "cara": "U0CARA", "dan": "U0DAN"}
        yield SlackDriver(scene, ids), scene.store


@asynccontextmanager
async def teams(database: Database, tmp_path: Path) -> AsyncIterator[tuple[Driver, ReportStore]]:
    connector = await FakeConnector().start()
    store = ReportStore(database)
    # Unauthenticated local mode: the token checks have tests of their own (test_auth).
    bot = build_bot(Settings(outbox_dir=tmp_path / "outbox"), store, teams_without_auth=True)
    client: TestClient[Any, Any] = TestClient(
        TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
    )
    await client.start_server()
    people = {key: person(name, n) for n, (key, name) in enumerate(NAMES.items(), start=1)}
    try:
        driver = TeamsDriver(
            client, connector, Activities(connector.url), people, settled=bot.settled
        )
        yield driver, store
    finally:
        await client.close()
        await connector.close()


@asynccontextmanager
async def web(database: Database, tmp_path: Path) -> AsyncIterator[tuple[Driver, ReportStore]]:
    store = ReportStore(database)
    bot = build_bot(Settings(outbox_dir=tmp_path / "outbox"), store, web=True)
    assert bot.web is not None
    client: TestClient[Any, Any] = TestClient(
        TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
    )
    await client.start_server()
    try:
        yield WebDriver(client, bot.web.hub, NAMES, settled=bot.settled), store
    finally:
        await client.close()


ADAPTERS: dict[
    str, Callable[[Database, Path], AbstractAsyncContextManager[tuple[Driver, ReportStore]]]
] = {
    "slack": slack,
    "teams": teams,
    "web": web,
}


@pytest.fixture(params=sorted(ADAPTERS))
async def platform(
    request: pytest.FixtureRequest, database: Database, tmp_path: Path
) -> AsyncIterator[tuple[Driver, ReportStore]]:
    async with ADAPTERS[request.param](database, tmp_path) as driver_and_store:
        yield driver_and_store


async def test_every_adapter_leaves_the_same_report(platform: tuple[Driver, ReportStore]) -> None:
    driver, store = platform
    await play(driver)
    result = await outcome(store)
    submissions = result.pop("submissions")
    assert result == EXPECTED
    assert len(submissions) == 1
    assert submissions[0][0] == "Lena Lead"
    # What people saw: the refusal went to Bob alone, the confirmation to the thread.
    assert any("lead" in text for text in driver.private_texts("bob"))
    assert any(text.startswith("Confirmed by") for text in driver.thread_texts())


# --- issue 11: answers land where the responder meant them ------------------------------------
# The web adapter gives no platform time for messages, so these run on Slack and Teams.
TIMED = ("slack", "teams")


class TimedDriver(Driver, Protocol):
    async def replies_at_once(self, replies: list[tuple[str, str]]) -> None: ...


async def play_the_busy_thread(driver: TimedDriver) -> None:
    await driver.command("lead", "new Chatter test")
    await driver.reply("lead", "amber")  # 0.1
    # Essentials first: 0.3 is asked next. Chatter while it is asked: held, its authors
    # asked privately; nothing recorded.
    await driver.reply("cara", "has anyone paged legal yet?")
    await driver.press("cara", "just_talk")
    await driver.reply("bob", "ok thanks")
    await driver.press("bob", "just_talk")
    # Three people answer 0.3 in the same instant: all three land on it.
    await driver.replies_at_once(
        [("bob", "Example Corp"), ("dan", "Example Corp AI team"), ("lead", "Example Corp SOC")]
    )
    # The other essentials of section 0, then 1.1, a choice: its question carries buttons.
    await driver.reply("lead", "Lena Lead, lena@example.com")  # 0.4
    await driver.reply("lead", "Prompt injection through our support assistant")  # 0.5
    await driver.reply("lead", "Nobody outside the company yet")  # 0.6
    # 1.1 answered with the question's first button, then taken back with Undo; then
    # answered directly.
    await driver.press("dan", "answer")
    await driver.press("dan", "undo")
    await driver.reply("cara", "1.1: 3")


@pytest.fixture(params=TIMED)
async def timed_platform(
    request: pytest.FixtureRequest, database: Database, tmp_path: Path
) -> AsyncIterator[tuple[Driver, ReportStore]]:
    async with ADAPTERS[request.param](database, tmp_path) as driver_and_store:
        yield driver_and_store


async def test_chatter_undo_and_simultaneous_answers_leave_the_same_report(
    timed_platform: tuple[Driver, ReportStore],
) -> None:
    driver, store = timed_platform
    assert isinstance(driver, SlackDriver | TeamsDriver)
    await play_the_busy_thread(driver)
    result = await outcome(store)
    first_choice = answer_choices(load_checklist().item("description.event_type"))[0]
    assert result["answers"] == sorted(
        [
            ("handling.tlp", "Lena Lead", "amber", "guided", False, True),
            ("handling.organisation", "Bob", "Example Corp", "guided", False, True),
            ("handling.organisation", "Dan", "Example Corp AI team", "guided", False, True),
            ("handling.organisation", "Lena Lead", "Example Corp SOC", "guided", False, True),
            ("handling.contact", "Lena Lead", "Lena Lead, lena@example.com", "guided", False, True),
            (
                "handling.summary",
                "Lena Lead",
                "Prompt injection through our support assistant",
                "guided",
                False,
                True,
            ),
            (
                "handling.informed",
                "Lena Lead",
                "Nobody outside the company yet",
                "guided",
                False,
                True,
            ),
            ("description.event_type", "Dan", first_choice, "button", False, False),
            ("description.event_type", "Cara", "3", "direct", False, True),
        ]
    )
    # The chatter's authors were asked, privately, about the question they saw.
    for who in ("cara", "bob"):
        asked = [t for t in driver.private_texts(who) if "Record this as your answer" in t]
        assert asked, who
        assert "0.3" in asked[0]
    assert not any("has anyone paged legal" in t for t in driver.thread_texts())
    # The undo was shown on 1.1's own message, which now shows Cara's direct answer.
    assert any("was withdrawn (undone by Dan)" in t for t in driver.edited_texts())
    assert any(t.startswith("\u2713 1.1 ") and "(Cara)" in t for t in driver.thread_texts())
