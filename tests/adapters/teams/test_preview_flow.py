"""The preview in a Teams channel, through the endpoint, the runner and storage: private by
default (a personal chat), in the thread when the lead says `preview here`, refused privately
to anyone else, and page buttons that work from the thread and from the personal chat."""

from __future__ import annotations

import pytest

from adapters.teams import preview_card
from conversations import actions
from tests.adapters.teams.conftest import TeamsBot


def previews_in(texts: list[str]) -> list[str]:
    return [t for t in texts if "Preview: " in t]


async def test_preview_here_by_the_lead_and_refused_to_anyone_else(
    teams: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small pages, so that a few answers make two of them (the real limit has its own test).
    monkeypatch.setattr(preview_card, "CARD_MAX_BYTES", 5_000)
    bot = teams.driver
    await bot.command("alice", "new Prompt injection in support copilot")
    await bot.reply("alice", "amber")
    await bot.reply("bob", "0.3: Example Corp, AI platform security")
    await bot.reply("carol", "2.3: 203.0.113.7, evil[.]example")
    await bot.reply("carol", "4.2: Example AI Labs")

    # Bob may not show it to the thread: he hears why, privately, and the thread stays quiet.
    thread_before = len(bot.thread_texts())
    await bot.command("bob", "preview here")
    assert len(bot.thread_texts()) == thread_before
    refusal = bot.private_texts("bob")[-1]
    assert "Only the lead (Alice" in refusal
    assert previews_in(bot.private_texts("bob")) == []

    # The lead shares page 1 in the thread: the marking, the title, the essentials missing.
    await bot.command("alice", "preview here")
    shared = bot.thread_texts()[-1]
    assert len(bot.thread_texts()) == thread_before + 1
    assert shared.startswith("TLP:AMBER — limited disclosure")
    assert "Preview: Prompt injection in support copilot" in shared
    assert "Essential items not yet answered" in shared
    assert "0.4  Who should JCDC contact with follow-up questions?" in shared
    assert "Example Corp" not in shared  # on page 2

    # Bob turns the page from the thread: page 2 arrives in his personal chat only.
    await bot.press("bob", actions.PREVIEW_PAGE)
    assert len(bot.thread_texts()) == thread_before + 1
    (page_2,) = previews_in(bot.private_texts("bob"))
    assert "Example Corp, AI platform security" in page_2
    assert "From Bob" in page_2
    assert "Example AI Labs" in page_2
    # And back, from the personal chat (the preview granted him that surface): the card he
    # pressed turns to page 1 in place, with no new message in his chat.
    chat = bot.personal_chat("bob")
    sent_before = bot.connector.sent(chat)
    (card_2,) = [c for c in sent_before if "Preview: " in c.text]
    await bot.press("bob", actions.PREVIEW_PAGE)
    assert bot.connector.sent(chat) == sent_before
    (turned,) = [c for c in bot.connector.updates() if c.conversation_id == chat]
    assert turned.activity_id == card_2.result_id
    assert turned.text == shared
    # Its page button works again from the updated card (page 2 once more, in place).
    await bot.press("bob", actions.PREVIEW_PAGE)
    assert bot.connector.sent(chat) == sent_before
    *_, again = [c for c in bot.connector.updates() if c.conversation_id == chat]
    assert again.activity_id == card_2.result_id
    assert "Example AI Labs" in again.text
