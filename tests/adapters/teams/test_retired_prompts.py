"""Used private prompts are retired on Teams too (issue 12, item 2): a Record / Just talk
prompt sits in the person's personal chat with the bot, and once one of its buttons is used
the bot replaces that very card there (update activity) with what was done, buttons gone."""

from __future__ import annotations

from tests.adapters.teams.conftest import TeamsBot
from tests.adapters.teams.fake_connector import Call


def _prompt(teams: TeamsBot, user: str) -> tuple[str, Call]:
    chat = teams.driver.personal_chat(user)
    assert chat is not None
    prompts = [
        c
        for c in teams.driver.connector.sent(chat)
        if any(a.get("action") == "just_talk" for a in c.actions())
    ]
    assert prompts, teams.driver.private_texts(user)
    return chat, prompts[-1]


async def test_just_talk_replaces_its_prompt_in_the_personal_chat(teams: TeamsBot) -> None:
    driver = teams.driver
    await driver.command("alice", "new Prompt injection in support copilot")
    await driver.reply("alice", "amber")
    await driver.reply("carol", "has anyone paged legal yet?")
    chat, prompt = _prompt(teams, "carol")
    sent_before = len(driver.connector.sent(chat))

    await driver.press("carol", "just_talk")

    (update,) = [c for c in driver.connector.updates() if c.conversation_id == chat]
    assert update.activity_id == prompt.result_id
    assert "kept as talk" in update.text
    assert update.actions() == []
    # Replaced, not answered with one more message in the chat.
    assert len(driver.connector.sent(chat)) == sent_before
    state = await teams.store.load((await teams.store.list_reports())[0].id)
    assert state is not None
    assert not any("paged legal" in c.raw for c in state.contributions)


async def test_record_replaces_its_prompt_and_records_the_answer(teams: TeamsBot) -> None:
    driver = teams.driver
    await driver.command("alice", "new Prompt injection in support copilot")
    await driver.reply("alice", "amber")
    await driver.reply("carol", "ok, Example Corp?")
    chat, prompt = _prompt(teams, "carol")

    await driver.press("carol", "record_pending")

    (update,) = [c for c in driver.connector.updates() if c.conversation_id == chat]
    assert update.activity_id == prompt.result_id
    assert update.actions() == []
    state = await teams.store.load((await teams.store.list_reports())[0].id)
    assert state is not None
    assert [c.raw for c in state.contributions if c.author.name.startswith("Carol")] == [
        "ok, Example Corp?"
    ]
