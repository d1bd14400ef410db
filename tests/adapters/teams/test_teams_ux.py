"""Teams UX through the real SDK and the fake connector: mentions that notify."""

from __future__ import annotations

from tests.adapters.teams.activities import ALICE
from tests.adapters.teams.conftest import TeamsBot


async def test_the_welcome_mentions_the_lead_with_a_mention_entity(teams: TeamsBot) -> None:
    bot, connector = teams.driver, teams.driver.connector
    await bot.command("alice", "new Prompt injection in support copilot")
    thread = f"{bot.activities.channel};messageid={bot.thread}"
    mentioning = [
        call for call in connector.sent(thread) if call.card.get("msteams", {}).get("entities")
    ]
    assert mentioning, "no thread message mentions anyone"
    card = mentioning[0].card
    (entity,) = card["msteams"]["entities"]
    assert entity == {
        "type": "mention",
        "text": f"<at>{ALICE.name}</at>",
        "mentioned": {"id": ALICE.id, "name": ALICE.name},
    }
    # The tag the entity names is in a TextBlock, the one element where Teams resolves it.
    blocks = [b for b in card["body"] if b["type"] == "TextBlock"]
    assert any(entity["text"] in b["text"] for b in blocks)
