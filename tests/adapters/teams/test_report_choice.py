"""Which report a Teams channel command acts on (issue 11, rule 5), through the endpoint and
the fake Bot Connector: a new channel post `@JCDC …` is the root of its own thread, which is
no report's, so with two reports open it asks, in the personal chat, with a button each."""

from __future__ import annotations

from conversations.state import ReportState
from tests.adapters.teams.conftest import TeamsBot


async def _reports(teams: TeamsBot) -> dict[str, ReportState]:
    found = {}
    for summary in await teams.store.list_reports():
        state = await teams.store.load(summary.id)
        assert state is not None
        found[state.title] = state
    return found


def _choice_buttons(teams: TeamsBot, user: str) -> list[dict[str, object]]:
    chat = teams.driver.personal_chat(user)
    (card,) = teams.driver.connector.sent(chat)[-1:]
    return [a for a in card.actions() if a.get("action") == "run_on_report"]


async def test_a_channel_post_with_two_reports_open_asks_and_the_second_button_runs_on_2(
    teams: TeamsBot,
) -> None:
    driver = teams.driver
    await driver.command("alice", "new Prompt injection in support copilot")
    await driver.channel_command("bob", "new another: Data leak")
    await driver.channel_command("alice", "status")
    asked = driver.private_texts("alice")[-1]
    assert "Several JCDC reports are open in this channel; which one?" in asked
    reports = await _reports(teams)
    buttons = _choice_buttons(teams, "alice")
    assert [b["report_id"] for b in buttons] == [
        reports["Prompt injection in support copilot"].id,
        reports["Data leak"].id,
    ]
    # Clicked in the personal chat, where the question was asked: it runs on report #2.
    chat = driver.personal_chat("alice")
    assert chat is not None
    (card,) = driver.connector.sent(chat)[-1:]
    await driver._submit("alice", chat, card, dict(buttons[1]))
    answered = driver.private_texts("alice")[-1]
    assert "Data leak" in answered
    assert "Prompt injection" not in answered
    assert "can't be changed from here" not in answered


async def test_a_command_typed_in_a_reports_thread_acts_on_that_report(teams: TeamsBot) -> None:
    driver = teams.driver
    await driver.command("alice", "new Prompt injection in support copilot")
    await driver.channel_command("bob", "new another: Data leak")
    # `driver.command` types in the first report's thread: no question, that report.
    await driver.command("carol", "status")
    answered = driver.private_texts("carol")[-1]
    assert "Prompt injection in support copilot" in answered
    assert "which one?" not in answered
