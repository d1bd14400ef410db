"""The adapter contract, continued for issue 11 ("answers land where the responder meant
them"): which report a command acts on, cancel → reopen, times in the author's own zone, and
"Add to JCDC report" on a channel message. Each scenario is played through Slack's and Teams'
real endpoints (the stack `jcdc-bot serve` runs, against the fake Slack and the fake Bot
Connector) and must leave the same reports behind on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import pytest

from conversations.state import ReportState
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack.driver import SlackDriver
from tests.adapters.teams.driver import TeamsDriver
from tests.adapters.test_contract import ADAPTERS, TIMED, Driver

FIRST = "Prompt injection in support copilot"
SECOND = "Data leak"


class ReportsDriver(Driver, Protocol):
    async def channel_command(self, user: str, text: str) -> None: ...
    def set_zone(self, user: str, zone: str) -> None: ...
    async def add_to_report(self, user: str, author: str, text: str, item_id: str) -> None: ...


@pytest.fixture(params=TIMED)
async def platform(
    request: pytest.FixtureRequest, database: Database, tmp_path: Path
) -> AsyncIterator[tuple[ReportsDriver, ReportStore]]:
    async with ADAPTERS[request.param](database, tmp_path) as (driver, store):
        assert isinstance(driver, SlackDriver | TeamsDriver)
        yield driver, store


async def _reports(store: ReportStore) -> dict[str, ReportState]:
    """The channel's reports by title."""
    found = {}
    for summary in await store.list_reports():
        state = await store.load(summary.id)
        assert state is not None
        found[state.title] = state
    return found


def _answers(state: ReportState) -> list[tuple[str, str, str, bool]]:
    return sorted((c.item_id, c.author.name, c.raw, c.active) for c in state.contributions)


async def test_a_second_new_asks_first_and_names_the_open_report(
    platform: tuple[ReportsDriver, ReportStore],
) -> None:
    driver, store = platform
    await driver.command("lead", f"new {FIRST}")
    await driver.channel_command("bob", f"new {SECOND}")
    (asked,) = driver.private_texts("bob")
    assert "already has an open JCDC report" in asked
    assert FIRST in asked
    assert list(await _reports(store)) == [FIRST]
    # Said again on purpose, it starts the second report.
    await driver.channel_command("bob", f"new another: {SECOND}")
    reports = await _reports(store)
    assert sorted(reports) == sorted([FIRST, SECOND])
    assert (reports[FIRST].number, reports[SECOND].number) == (1, 2)
    assert reports[SECOND].lead.name == "Bob"


async def test_with_two_open_reports_a_channel_command_asks_which(
    platform: tuple[ReportsDriver, ReportStore],
) -> None:
    driver, store = platform
    await driver.command("lead", f"new {FIRST}")
    await driver.channel_command("bob", f"new another: {SECOND}")
    before = await _reports(store)
    # Outside any thread, with two reports open: asked which, nothing done to either.
    await driver.channel_command("lead", "tlp red")
    asked = driver.private_texts("lead")[-1]
    assert "Several JCDC reports are open in this channel; which one?" in asked
    assert f"#1 {FIRST}" in asked
    assert f"#2 {SECOND}" in asked
    assert {t: _answers(s) for t, s in (await _reports(store)).items()} == {
        t: _answers(s) for t, s in before.items()
    }
    # The first button runs the same command on report #1, and only there.
    await driver.press("lead", "run_on_report")
    after = await _reports(store)
    assert ("handling.tlp", "Lena Lead", "red", True) in _answers(after[FIRST])
    assert _answers(after[SECOND]) == _answers(before[SECOND])
    # A report number names the report outright, and asks nothing.
    await driver.channel_command("cara", "status #2")
    straight = driver.private_texts("cara")[-1]
    assert SECOND in straight
    assert FIRST not in straight
    assert "which one?" not in straight


async def test_cancel_then_reopen_from_the_channel(
    platform: tuple[ReportsDriver, ReportStore],
) -> None:
    driver, store = platform
    await driver.command("lead", f"new {FIRST}")
    await driver.reply("lead", "amber")
    await driver.channel_command("lead", "cancel")
    assert (await _reports(store))[FIRST].status.value == "cancelled"
    assert any("reopen" in text for text in driver.thread_texts())
    await driver.channel_command("lead", "reopen")
    reopened = (await _reports(store))[FIRST]
    assert reopened.status.value == "open"
    assert ("handling.tlp", "Lena Lead", "amber", True) in _answers(reopened)
    assert any("Report reopened by" in text for text in driver.thread_texts())


def _tokyo_yesterday_at_22(now: datetime) -> str:
    tokyo = now.astimezone(ZoneInfo("Asia/Tokyo"))
    moment = datetime.combine(
        tokyo.date() - timedelta(days=1), datetime.min.time(), ZoneInfo("Asia/Tokyo")
    ) + timedelta(hours=22)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_relative_and_ranged_times_are_read_in_the_authors_zone(
    platform: tuple[ReportsDriver, ReportStore],
) -> None:
    driver, store = platform
    # Slack tells Bob's zone through users.info; Teams through his client's clientInfo.
    driver.set_zone("bob", "Asia/Tokyo")
    await driver.command("lead", f"new {FIRST}")
    await driver.reply("bob", "2.7: 2026-11-30 22:14 to 2026-12-01 03:10")
    before = datetime.now(UTC)
    await driver.reply("bob", "2.7: yesterday 22:00")
    after = datetime.now(UTC)
    await driver.reply("bob", "2.7: since 2026-12-01 09:00")
    state = (await _reports(store))[FIRST]
    values = {c.raw: c.value for c in state.contributions if c.item_id == "detection.timestamps"}
    assert values["2026-11-30 22:14 to 2026-12-01 03:10"] == [
        "2026-11-30T13:14:00Z/2026-11-30T18:10:00Z"
    ]
    assert values["yesterday 22:00"] in (
        [_tokyo_yesterday_at_22(before)],
        [_tokyo_yesterday_at_22(after)],
    )
    assert values["since 2026-12-01 09:00"] == ["2026-12-01T00:00:00Z/.."]
    # Each acknowledgement shows the time in UTC and the zone it was read in. 2.7 was never
    # asked in the thread, so the acknowledgements go to Bob alone (the thread stays quiet).
    assert not any("2.7" in t for t in driver.thread_texts())
    acknowledged = [t for t in driver.private_texts("bob") if "2.7" in t]
    assert any(
        "2026-11-30 13:14 UTC to 2026-11-30 18:10 UTC" in t and "Asia/Tokyo" in t
        for t in acknowledged
    ), acknowledged
    assert sum("Asia/Tokyo" in t for t in acknowledged) == 3, acknowledged


async def test_a_channel_message_added_to_the_report_is_its_authors_answer(
    platform: tuple[ReportsDriver, ReportStore],
) -> None:
    driver, store = platform
    await driver.command("lead", f"new {FIRST}")
    await driver.reply("lead", "amber")
    await driver.reply("cara", "0.3: Example Corp")
    await driver.add_to_report(
        "bob", "cara", "We saw CVE-2026-12345 in the logs", "description.cves"
    )
    state = (await _reports(store))[FIRST]
    (added,) = [c for c in state.contributions if c.item_id == "description.cves"]
    assert (added.author.name, added.raw, added.via, added.value) == (
        "Cara",
        "We saw CVE-2026-12345 in the logs",
        "shortcut",
        ["CVE-2026-12345"],
    )
    assert added.added_by is not None
    assert added.added_by.name == "Bob"
    # One person, one identity: Cara's own reply and her message added by Bob are hers alike.
    assert len({c.author for c in state.contributions if c.author.name == "Cara"}) == 1
    assert any("from Cara (added by Bob)" in text for text in driver.thread_texts())
    # The capture has its Undo; Cara, its author, may use it.
    await driver.press("cara", "undo")
    state = (await _reports(store))[FIRST]
    (withdrawn,) = [c for c in state.contributions if c.item_id == "description.cves"]
    assert not withdrawn.active
    assert any("answer to 1.3 was withdrawn (undone by Cara)" in t for t in driver.thread_texts())


async def test_a_command_typed_as_a_reply_acts_on_that_threads_report(
    platform: tuple[ReportsDriver, ReportStore],
) -> None:
    driver, store = platform
    await driver.command("lead", f"new {FIRST}")
    await driver.channel_command("bob", f"new another: {SECOND}")
    # A plain reply `status` in the first report's thread (no slash command, no mention).
    await driver.reply("cara", "status")
    answered = driver.private_texts("cara")[-1]
    assert f"Status of {FIRST}" in answered
    assert SECOND not in answered
    assert "which one?" not in answered
    # So does `send`, typed by the second report's lead in the first report's thread: the
    # first report is shown to be sent, and its lead asked to confirm.
    await driver.reply("bob", "send")
    assert any("Bob asks to send this report to JCDC" in t for t in driver.thread_texts())
    # A thread word is a command, not an answer: nothing was recorded or held.
    reports = await _reports(store)
    assert [(s.contributions, s.pending) for s in reports.values()] == [((), ())] * 2
    assert reports[FIRST].send_request is not None
    assert reports[SECOND].send_request is None
